import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../config/src/fs/read-repo.ts';
import type { Loaded, Policy } from '../../config/src/model/types.ts';
import { validateRepo } from '../../config/src/validate/validate-repo.ts';
import { compilePolicies } from './compile.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const repoPolicies = async () => (await validateRepo(await readRepoFiles(repoRoot))).model.policies;

const small = (name: string, extra: Partial<Policy> = {}): Loaded<Policy> => ({
  file: `policies/${name}.yaml`,
  value: {
    name,
    roles: [{ name: 'r', tools: ['a.*'] }],
    bindings: [{ role: 'r', subjects: ['*'] }],
    ...extra,
  },
});

describe('compilePolicies on the repository policies', () => {
  it('compiles prod: no pet-admin or local-dev grants, the prod denies, defaulted timeouts', async () => {
    const compiled = compilePolicies(await repoPolicies(), 'prod');
    expect(compiled.environment).toBe('prod');
    expect(compiled.allows.map((a) => [a.id, a.role, a.file, a.tenant])).toEqual([
      ['default/bindings[0]', 'reader', 'policies/default.yaml', undefined],
      ['default/bindings[1]', 'triager', 'policies/default.yaml', undefined],
      // Tenant policies after the organisation's, grouped by tenant, each rule carrying its tenant.
      ['payments/bindings[0]', 'crm-reader', 'policies/payments.yaml', 'payments'],
      ['payments/bindings[1]', 'forecaster', 'policies/payments.yaml', 'payments'],
      ['support/bindings[0]', 'desk', 'policies/support.yaml', 'support'],
    ]);
    expect(compiled.allows[0]).not.toHaveProperty('tenant');
    expect(compiled.allows[1]).toMatchObject({
      tools: ['github.*'],
      subjects: ['agent:triage-bot'],
      when: [{ field: 'args.owner', equals: 'acme' }],
    });
    expect(compiled.denies.map((d) => d.id)).toEqual([
      'default/denies/no-deletes-in-prod',
      'default/denies/office-hours-for-bots',
    ]);
    expect(compiled.approvals.map((a) => [a.id, a.timeoutSeconds])).toEqual([
      ['default/approvals/maintainers-close-issues', 3600],
      ['default/approvals/pet-deletion', 600],
      ['support/approvals/customer-visible-notes', 1800],
    ]);
    expect(compiled.rateLimits.filter((r) => r.tenant === undefined)).toEqual([
      {
        id: 'default/rateLimits/bots-per-minute',
        policy: 'default',
        file: 'policies/default.yaml',
        name: 'bots-per-minute',
        subjects: ['agent:triage-bot', 'agent:support-bot'],
        tools: ['*'],
        limit: 60,
        windowSeconds: 60,
      },
    ]);
  });

  it('compiles dev with the local-dev policy after default, and no prod-only denies', async () => {
    const compiled = compilePolicies(await repoPolicies(), 'dev');
    expect(compiled.allows.map((a) => a.id)).toEqual([
      'default/bindings[0]',
      'default/bindings[1]',
      'default/bindings[2]',
      'local-dev/bindings[0]',
      'payments/bindings[0]',
      'payments/bindings[1]',
      'support/bindings[0]',
    ]);
    expect(compiled.denies).toEqual([]);
  });

  it('gives the same result whatever order the policies come in, and survives JSON', async () => {
    const policies = await repoPolicies();
    const forward = compilePolicies(policies, 'staging');
    expect(compilePolicies([...policies].reverse(), 'staging')).toEqual(forward);
    expect(JSON.parse(JSON.stringify(forward))).toEqual(forward);
  });
});

describe('compilePolicies on bad input', () => {
  it('refuses a binding whose role does not exist, naming the file and field', () => {
    const bad = small('p', {
      bindings: [
        { role: 'r', subjects: ['*'] },
        { role: 'ghost', subjects: ['*'] },
      ],
    });
    expect(() => compilePolicies([bad], 'dev')).toThrow(
      'policies/p.yaml: bindings[1].role: role "ghost" is not defined in policy "p"',
    );
  });

  it('refuses a binding with an undefined role even when it does not apply in this environment', () => {
    const bad = small('p', { bindings: [{ role: 'ghost', subjects: ['*'], environments: ['prod'] }] });
    expect(() => compilePolicies([bad], 'dev')).toThrow(/role "ghost"/);
  });

  it('refuses two rules with the same name in one section', () => {
    const bad = small('p', {
      denies: [
        { name: 'x', tools: ['a.b'], subjects: ['*'] },
        { name: 'x', tools: ['a.c'], subjects: ['*'] },
      ],
    });
    expect(() => compilePolicies([bad], 'dev')).toThrow(
      'policies/p.yaml: rule id "p/denies/x" is defined twice',
    );
  });

  it('refuses two policies with the same name', () => {
    const a = small('p');
    const b = { ...small('p'), file: 'policies/p.yml' };
    expect(() => compilePolicies([a, b], 'dev')).toThrow(
      'policies/p.yml: policy "p" is also defined in policies/p.yaml; policy names must be unique',
    );
  });

  it('accepts the same rule name in different policies and sections', () => {
    const a = small('a', { denies: [{ name: 'x', tools: ['a.b'], subjects: ['*'] }] });
    const b = small('b', {
      denies: [{ name: 'x', tools: ['a.b'], subjects: ['*'] }],
      rateLimits: [{ name: 'x', subjects: ['*'], limit: 1, windowSeconds: 1 }],
    });
    expect(compilePolicies([b, a], 'dev').denies.map((d) => d.id)).toEqual(['a/denies/x', 'b/denies/x']);
  });

  it('compiles an empty policy list to empty rule lists (everything denied)', () => {
    expect(compilePolicies([], 'prod')).toEqual({
      environment: 'prod',
      allows: [],
      denies: [],
      approvals: [],
      rateLimits: [],
    });
  });

  it('copies conditions with only known keys, so the compiled policy does not alias the model', () => {
    const p = small('p', {
      bindings: [
        {
          role: 'r',
          subjects: ['*'],
          when: [{ in: ['x'], field: 'args.a', extra: 1 } as unknown as { field: string; in: string[] }],
        },
      ],
    });
    const compiled = compilePolicies([p], 'dev');
    expect(compiled.allows[0]?.when).toEqual([{ field: 'args.a', in: ['x'] }]);
    expect(Object.keys(compiled.allows[0]?.when[0] ?? {})).toEqual(['field', 'in']);
    p.value.bindings?.[0]?.when?.[0]?.in?.push('y');
    expect(compiled.allows[0]?.when[0]?.in).toEqual(['x']);
  });
});
