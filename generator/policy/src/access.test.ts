import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../config/src/fs/read-repo.ts';
import { exposedToolName } from '../../config/src/model/names.ts';
import type { Loaded, Policy } from '../../config/src/model/types.ts';
import { validateRepo } from '../../config/src/validate/validate-repo.ts';
import { accessMatrix, describeAccess, diffAccess } from './access.ts';
import { compilePolicies } from './compile.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

/**
 * The repository's policies and the tools of its shared packs: the view of callers of no tenant, whose
 * matrix (the default tenant) these tests read. The tenants' own matrices are tested at the end.
 */
async function loadRepoPolicies() {
  const { model } = validateRepo(await readRepoFiles(repoRoot));
  const tools = model.packs
    .filter(({ value: pack }) => pack.tenant === undefined)
    .flatMap(({ value: pack }) => pack.tools.map((t) => exposedToolName(pack, t)));
  return { model, policies: model.policies, tools };
}

/** A deep copy of the repository's default policy with one change applied. */
function changed(policies: Loaded<Policy>[], edit: (p: Policy) => void): Loaded<Policy>[] {
  return policies.map((l) => {
    const value = structuredClone(l.value);
    if (value.name === 'default') edit(value);
    return { file: l.file, value };
  });
}

describe('accessMatrix on the repository policies', () => {
  it('lists triage-bot in prod: read tools, github under a condition, and the denies that cut in', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const matrix = accessMatrix(compilePolicies(policies, 'prod'), tools);
    const bot = matrix
      .filter((e) => e.subject === 'agent:triage-bot')
      .map((e) => [e.tool, describeAccess(e)]);
    expect(bot).toEqual([
      [
        'github.add_comment',
        'allowed if args.owner == "acme"; denied by default/denies/office-hours-for-bots if time.hour < 7',
      ],
      [
        'github.close_issue',
        'allowed if args.owner == "acme"; denied by default/denies/office-hours-for-bots if time.hour < 7; approval default/approvals/maintainers-close-issues by group:maintainers',
      ],
      [
        'github.create_issue',
        'allowed if args.owner == "acme"; denied by default/denies/office-hours-for-bots if time.hour < 7',
      ],
      ['github.get_issue', 'allowed'],
      ['github.list_issues', 'allowed'],
      ['petstore.find_pets_by_status', 'allowed'],
      ['petstore.get_pet', 'allowed'],
      ['weather.get_forecast', 'allowed'],
    ]);
  });

  it('leaves out what an unconditional deny removes, and shows a group its partial denies', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const dev = accessMatrix(compilePolicies(policies, 'dev'), tools);
    const prod = accessMatrix(compilePolicies(policies, 'prod'), tools);
    expect(dev.some((e) => e.subject === 'group:pet-admins' && e.tool === 'petstore.delete_pet')).toBe(true);
    expect(prod.some((e) => e.subject === 'group:pet-admins')).toBe(false);
    const engineering = prod.find((e) => e.subject === 'group:engineering' && e.tool === 'github.get_issue');
    expect(engineering?.denies).toEqual([]);
    expect(dev.filter((e) => e.subject === 'user:local-dev').map((e) => e.tool)).toEqual([...tools].sort());
  });

  it('is sorted by subject, then tool', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const keys = accessMatrix(compilePolicies(policies, 'staging'), tools).map(
      (e) => `${e.subject} ${e.tool}`,
    );
    expect(keys).toEqual([...keys].sort());
  });
});

describe('diffAccess', () => {
  it('shows that a widened role gives triage-bot petstore writes in prod', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const before = accessMatrix(compilePolicies(policies, 'prod'), tools);
    const widened = changed(policies, (p) => {
      p.roles?.find((r) => r.name === 'reader')?.tools.push('petstore.*');
    });
    const after = accessMatrix(compilePolicies(widened, 'prod'), tools);
    expect(diffAccess(before, after).map((c) => [c.subject, c.tool, c.change])).toEqual([
      ['agent:support-bot', 'petstore.add_pet', 'gained'],
      ['agent:triage-bot', 'petstore.add_pet', 'gained'],
      ['group:engineering', 'petstore.add_pet', 'gained'],
    ]);
  });

  it('shows a dropped condition as conditions-changed and a removed binding as lost', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const before = accessMatrix(compilePolicies(policies, 'prod'), tools);
    const after = accessMatrix(
      compilePolicies(
        changed(policies, (p) => {
          const triager = p.bindings?.find((b) => b.role === 'triager');
          if (triager) delete triager.when;
          p.bindings = p.bindings?.map((b) =>
            b.role === 'reader' ? { ...b, subjects: b.subjects.filter((s) => s !== 'agent:support-bot') } : b,
          );
        }),
        'prod',
      ),
      tools,
    );
    const changes = diffAccess(before, after);
    expect(changes.map((c) => [c.subject, c.tool, c.change])).toEqual([
      ['agent:support-bot', 'github.get_issue', 'lost'],
      ['agent:support-bot', 'github.list_issues', 'lost'],
      ['agent:support-bot', 'petstore.find_pets_by_status', 'lost'],
      ['agent:support-bot', 'petstore.get_pet', 'lost'],
      ['agent:support-bot', 'weather.get_forecast', 'lost'],
      ['agent:triage-bot', 'github.add_comment', 'conditions-changed'],
      ['agent:triage-bot', 'github.close_issue', 'conditions-changed'],
      ['agent:triage-bot', 'github.create_issue', 'conditions-changed'],
    ]);
    const close = changes.find((c) => c.tool === 'github.close_issue');
    expect(close?.before?.grants[0]?.conditions).toEqual(['args.owner == "acme"']);
    expect(close?.after?.grants[0]?.conditions).toEqual([]);
  });

  it('reports nothing when only binding order changes', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const before = accessMatrix(compilePolicies(policies, 'prod'), tools);
    const reordered = changed(policies, (p) => {
      p.bindings?.reverse();
    });
    expect(diffAccess(before, accessMatrix(compilePolicies(reordered, 'prod'), tools))).toEqual([]);
  });

  it('reports a new unconditional deny as lost, and a removed approval as conditions-changed', async () => {
    const { policies, tools } = await loadRepoPolicies();
    const before = accessMatrix(compilePolicies(policies, 'prod'), tools);
    const after = accessMatrix(
      compilePolicies(
        changed(policies, (p) => {
          p.denies?.push({ name: 'no-weather', tools: ['weather.*'], subjects: ['*'] });
          p.approvals = p.approvals?.filter((a) => a.name !== 'maintainers-close-issues');
        }),
        'prod',
      ),
      tools,
    );
    expect(diffAccess(before, after).map((c) => [c.subject, c.tool, c.change])).toEqual([
      ['agent:support-bot', 'weather.get_forecast', 'lost'],
      ['agent:triage-bot', 'github.close_issue', 'conditions-changed'],
      ['agent:triage-bot', 'weather.get_forecast', 'lost'],
      ['group:engineering', 'weather.get_forecast', 'lost'],
    ]);
  });
});

describe("accessMatrix of the repository's tenants", () => {
  it("gives the support desk its own crm tools under its policy, with the organisation's deny and its approval", async () => {
    const { model, policies } = await loadRepoPolicies();
    const support = model.packs
      .filter(
        ({ value: pack }) => pack.tenant === 'support' || ['github-issues', 'petstore'].includes(pack.name),
      )
      .flatMap(({ value: pack }) => pack.tools.map((t) => exposedToolName(pack, t)));
    const matrix = accessMatrix(compilePolicies(policies, 'prod'), support, 'support');
    const desk = matrix.filter((e) => e.subject === 'group:support').map((e) => [e.tool, describeAccess(e)]);
    expect(desk).toContainEqual([
      'crm.add_note',
      'allowed; approval support/approvals/customer-visible-notes by group:support-oncall',
    ]);
    expect(desk.map(([tool]) => tool)).toContain('petstore.get_pet');
    // The organisation's no-deletes-in-prod deny holds against the desk's crm.*.
    expect(desk.some(([tool]) => tool?.includes('delete'))).toBe(false);
    // support's policy says nothing in the default tenant.
    const implicit = accessMatrix(compilePolicies(policies, 'prod'), support);
    expect(implicit.some((e) => e.subject === 'group:support')).toBe(false);
  });
});
