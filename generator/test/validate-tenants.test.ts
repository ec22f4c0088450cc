import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { SourceFile } from '../config/src/load/yaml-source.ts';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { type Edit, editedExample, exampleFiles } from './repo-fixture.ts';

const PAY_CRM = 'packs/payments-crm/pack.yaml';
const SUP_CRM = 'packs/support-crm/pack.yaml';
const PAYMENTS = 'tenants/payments.yaml';
const SUPPORT = 'tenants/support.yaml';
const PAY_POLICY = 'policies/payments.yaml';
const SUP_POLICY = 'policies/support.yaml';

/** The diagnostics of the example with one document edited (only those of `rule`, when given). */
const diagnostics = (file: string, edit: Edit, rule?: string) =>
  validateRepo(editedExample(file, edit))
    .diagnostics.filter((d) => rule === undefined || d.rule === rule)
    .map((d) => `${d.file}:${d.path} ${d.rule} ${d.message}`);
const COLLISION = 'zone-tool-collision';

/** The example with several documents edited at once. */
function edited(edits: Record<string, Edit>): SourceFile[] {
  return Object.entries(edits).reduce<SourceFile[]>((files, [file, edit]) => {
    const one = editedExample(file, edit).find((f) => f.path === file);
    return files.map((f) => (f.path === file && one ? one : f));
  }, exampleFiles());
}

const messages = (files: SourceFile[]) =>
  validateRepo(files).diagnostics.map((d) => `${d.file}:${d.path} ${d.rule} ${d.message}`);

describe('exposed tool names per tenant view', () => {
  it('lets two tenants expose the same names (both own crm.* in the dev zone)', () => {
    expect(validateRepo(exampleFiles()).diagnostics).toEqual([]);
  });

  it("refuses two packs of one tenant exposing the same name, naming the tenant's view", () => {
    expect(diagnostics(SUP_CRM, (d) => d.set('tenant', 'payments'))).toContain(
      'zones/dev.yaml:packs[4].name zone-tool-collision tool "crm.find_customers" is served by both "payments-crm" (tenant payments) and "support-crm" (tenant payments) for tenant "payments"; set a distinct toolPrefix',
    );
  });

  it("refuses a tenant's own pack clashing with a shared pack it is granted", () => {
    expect(
      diagnostics(
        PAY_CRM,
        (d) => {
          d.set('toolPrefix', 'github');
          d.setIn(['tools', 0, 'name'], 'list_issues');
        },
        COLLISION,
      ),
    ).toEqual([
      'zones/dev.yaml:packs[3].name zone-tool-collision tool "github.list_issues" is served by both "github-issues" and "payments-crm" (tenant payments) for tenant "payments"; set a distinct toolPrefix',
    ]);
  });

  it('allows the same clash with a shared pack the tenant is not granted (it never sees both)', () => {
    expect(
      diagnostics(
        PAY_CRM,
        (d) => {
          d.set('toolPrefix', 'petstore');
          d.setIn(['tools', 1, 'name'], 'get_pet');
        },
        COLLISION,
      ),
    ).toEqual([]);
  });

  it('refuses a clash between shared packs, as before tenancy (every implicit caller sees both)', () => {
    expect(
      diagnostics(
        'packs/petstore/pack.yaml',
        (d) => {
          d.set('toolPrefix', 'weather');
          d.setIn(['tools', 0, 'name'], 'get_forecast');
        },
        COLLISION,
      ),
    ).toEqual([
      'zones/dev.yaml:packs[2].name zone-tool-collision tool "weather.get_forecast" is served by both "petstore" and "open-meteo"; set a distinct toolPrefix',
      'zones/prod.yaml:packs[2].name zone-tool-collision tool "weather.get_forecast" is served by both "petstore" and "open-meteo"; set a distinct toolPrefix',
      'zones/staging.yaml:packs[2].name zone-tool-collision tool "weather.get_forecast" is served by both "petstore" and "open-meteo"; set a distinct toolPrefix',
    ]);
  });

  it("refuses a granted remote's tool clashing with a tenant's own pack", () => {
    const found = diagnostics(SUP_CRM, (d) => {
      d.set('toolPrefix', 'github-mcp');
      d.setIn(['tools', 0, 'name'], 'list_issues');
    });
    expect(found).toContain(
      'zones/dev.yaml:remotes[0].tools[0].name zone-tool-collision tool "github-mcp.list_issues" is also served by pack "support-crm" (tenant support) for tenant "support"',
    );
  });
});

describe('tenant references', () => {
  it('names the tenants that exist when a pack names one that does not', () => {
    expect(diagnostics(PAY_CRM, (d) => d.set('tenant', 'billing'), 'tenant-exists')).toEqual([
      `${PAY_CRM}:tenant tenant-exists tenant "billing" does not exist (no tenants/billing.yaml): the tenants are payments, support`,
    ]);
  });

  it('explains that the implicit tenant is not named in a document', () => {
    expect(diagnostics(PAY_POLICY, (d) => d.set('tenant', 'default'))).toContain(
      `${PAY_POLICY}:tenant tenant-exists tenant "default" is the implicit tenant of callers who belong to none; leave "tenant" out for a shared document`,
    );
  });

  it('does not report the tenant missing when its file failed to load (no cascade)', () => {
    const found = validateRepo(editedExample(PAYMENTS, (d) => d.set('quotas', { callsPerMinute: 0 })));
    expect(found.diagnostics.map((d) => `${d.file} ${d.rule}`)).toEqual([`${PAYMENTS} schema`]);
  });

  it('reports a tenant named unlike its file', () => {
    expect(diagnostics(SUPPORT, (d) => d.set('name', 'helpdesk'))).toContain(
      `${SUPPORT}:name name-matches-path name "helpdesk" must equal the file name "support"`,
    );
  });

  it('reports two files claiming one tenant', () => {
    const files = exampleFiles();
    const copy = files.find((f) => f.path === SUPPORT);
    if (!copy) throw new Error('example lacks tenants/support.yaml');
    expect(messages([...files, { path: 'tenants/support.yml', bytes: copy.bytes }])).toContain(
      'tenants/support.yml:name unique-name tenant "support" is also defined in tenants/support.yaml',
    );
  });

  it("reports a grant of the tenant's own pack", () => {
    expect(diagnostics(SUPPORT, (d) => d.setIn(['shared', 0], 'support-crm'))).toEqual([
      `${SUPPORT}:shared[0] shared-grant pack "support-crm" is this tenant's own pack; its tools need no grant`,
    ]);
  });

  it('accepts a grant of a zone remote', () => {
    expect(diagnostics(PAYMENTS, (d) => d.addIn(['shared'], 'github-mcp'))).toEqual([]);
  });
});

describe('tenant policies', () => {
  it("warns when a tenant policy's pattern matches only tools the tenant cannot call", () => {
    expect(diagnostics(PAY_POLICY, (d) => d.setIn(['roles', 1, 'tools', 0], 'petstore.*'))).toEqual([
      `${PAY_POLICY}:roles[1].tools[0] policy-tool-exists pattern "petstore.*" matches no tool tenant "payments" can call`,
    ]);
  });

  it("checks a tenant policy's argument conditions against its own view's tools only", () => {
    // support-crm's crm.find_customers has 'q'; payments' own crm.find_customers has 'email' and no 'q'.
    const when = [{ field: 'args.q', exists: true }];
    expect(diagnostics(PAY_POLICY, (d) => d.setIn(['bindings', 0, 'when'], when))).toEqual([
      `${PAY_POLICY}:bindings[0].when[0].field policy-arg-exists no tool this rule covers (crm.find_customers, crm.get_customer) has an argument "q", so the condition can never be evaluated`,
    ]);
    expect(diagnostics(SUP_POLICY, (d) => d.setIn(['bindings', 0, 'when'], when))).toEqual([]);
  });

  it("does not count another tenant's approval rule for a tenant's sensitive tool", () => {
    const files = edited({
      [SUP_POLICY]: (d) => d.deleteIn(['approvals']),
      [PAY_POLICY]: (d) =>
        d.set('approvals', [
          { name: 'notes', tools: ['crm.add_note'], approvers: ['group:payments-oncall'] },
        ]),
    });
    expect(messages(files)).toEqual([
      `${SUP_CRM}:tools[2].sensitive approval-exists sensitive tool "crm.add_note" has no approval rule in an organisation-wide policy or a policy of tenant "support", so every call to it will be refused`,
      `${PAY_POLICY}:approvals[0].tools[0] policy-tool-exists pattern "crm.add_note" matches no tool tenant "payments" can call`,
    ]);
  });

  it("counts an organisation-wide approval rule for a tenant's sensitive tool", () => {
    const files = edited({
      [SUP_POLICY]: (d) => d.deleteIn(['approvals']),
      'policies/default.yaml': (d) =>
        d.addIn(['approvals'], { name: 'notes', tools: ['crm.add_note'], approvers: ['group:maintainers'] }),
    });
    expect(messages(files)).toEqual([]);
  });
});

describe('tenant members', () => {
  it('warns on a member claim that is a group entry in disguise', () => {
    expect(
      diagnostics(SUPPORT, (d) => d.setIn(['members', 1], { claim: 'groups', equals: 'support-2' })),
    ).toEqual([
      `${SUPPORT}:members[1].claim tenant-members a member by claim "groups" is a group entry in disguise: write { group: … } so the zone's groups claim and issuer are honoured`,
    ]);
  });

  it('tells a group with an issuer from the same group from any issuer', () => {
    expect(
      diagnostics(SUPPORT, (d) => d.addIn(['members'], { group: 'support', issuer: 'https://idp.example' })),
    ).toEqual([]);
  });
});

/** Values a YAML field of a tenant may hold, mostly wrong for it. */
const junk = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
  fc.constantFrom('default', '*', 'payments-crm', 'nope', 'user:x', 'group:', '', 'Payments'),
);

/** A tenant document with one to four fields replaced by generated values (some valid, most not). */
const badTenant = fc
  .record({
    fields: fc.array(
      fc.tuple(
        fc.constantFrom(
          'name',
          'owners',
          'members',
          'shared',
          'admins',
          'approvers',
          'quotas',
          'description',
          'extra',
          'members.0',
          'quotas.callsPerMinute',
          'shared.0',
        ),
        junk,
      ),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map(({ fields }) => {
    const doc: Record<string, unknown> = {
      name: 'support',
      owners: ['group:support-leads'],
      members: [{ group: 'support' }],
      shared: ['petstore'],
      quotas: { callsPerMinute: 10 },
    };
    for (const [key, value] of fields) {
      const [top, sub] = key.split('.') as [string, string | undefined];
      if (sub === undefined) doc[top] = value;
      else if (typeof doc[top] === 'object' && doc[top] !== null)
        (doc[top] as Record<string, unknown>)[sub] = value;
    }
    return doc;
  });

describe('generated tenant documents', () => {
  it('never crash the validation, and every problem with one names its file, line and column', () => {
    fc.assert(
      fc.property(badTenant, (doc) => {
        const files = exampleFiles().map((f) =>
          f.path === SUPPORT ? { path: SUPPORT, bytes: Buffer.from(stringify(doc)) } : f,
        );
        const result = validateRepo(files);
        for (const d of result.diagnostics.filter((x) => x.file === SUPPORT)) {
          expect(d.line, JSON.stringify(d)).toBeGreaterThan(0);
          expect(d.column, JSON.stringify(d)).toBeGreaterThan(0);
        }
        return true;
      }),
      { numRuns: 150 },
    );
  });

  it('report a schema-invalid tenant at a line of its file, never elsewhere', () => {
    fc.assert(
      fc.property(badTenant, (doc) => {
        const files = exampleFiles().map((f) =>
          f.path === SUPPORT ? { path: SUPPORT, bytes: Buffer.from(stringify(doc)) } : f,
        );
        const result = validateRepo(files);
        if (!result.rejected.some((r) => r.file === SUPPORT)) return true;
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        expect(errors.length).toBeGreaterThan(0);
        expect(errors.every((d) => d.file === SUPPORT && d.line > 0)).toBe(true);
        return true;
      }),
      { numRuns: 150 },
    );
  });
});
