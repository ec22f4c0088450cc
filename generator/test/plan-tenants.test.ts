/**
 * `raku plan`'s access section in a repository with tenants: who gains or loses which tools, per tenant
 * (each tenant's view of the tools, under the organisation's and its own policies), and the formatted plan
 * grouped by tenant. A repository without tenants keeps its plan as before.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import { loadRepo } from '../config/src/load/load-repo.ts';
import type { Loaded, Pack, Policy, RepoModel, Tenant } from '../config/src/model/types.ts';
import { buildBundle } from '../render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../render/src/bundle/types.ts';
import { formatPlan } from '../render/src/plan/format-plan.ts';
import { accessChanges } from '../render/src/plan/plan.ts';
import type { AccessPlanChange, Plan } from '../render/src/plan/plan-types.ts';
import { withoutTenants } from './helpers/example-model.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let plain: RepoModel;

/** The example model with tenants blue and green, each owning a pack exposing crm.*, and blue's policy. */
function withTenants(model: RepoModel, blueBindings: NonNullable<Policy['bindings']>): RepoModel {
  const out = structuredClone(model);
  const petstore = out.packs.find((p) => p.value.name === 'petstore') as Loaded<Pack>;
  for (const tenant of ['blue', 'green'])
    out.packs.push({
      file: `packs/${tenant}-crm/pack.yaml`,
      value: { ...structuredClone(petstore.value), name: `${tenant}-crm`, tenant, toolPrefix: 'crm' },
    });
  for (const zone of out.zones) zone.value.packs.push({ name: 'blue-crm' }, { name: 'green-crm' });
  const tenant = (name: string, shared: string[]): Loaded<Tenant> => ({
    file: `tenants/${name}.yaml`,
    value: { name, owners: [`group:${name}-leads`], members: [{ group: name }], shared },
  });
  out.tenants = [tenant('blue', ['github-issues']), tenant('green', [])];
  out.policies.push({
    file: 'policies/blue.yaml',
    value: {
      name: 'blue',
      tenant: 'blue',
      roles: [
        { name: 'crm-reader', tools: ['crm.get_*'] },
        { name: 'crm-all', tools: ['crm.*'] },
      ],
      bindings: blueBindings,
    },
  });
  return out;
}

function bundles(model: RepoModel): Map<string, GatewayBundle> {
  return new Map(model.zones.map((z) => [z.value.name, buildBundle(model, z.value.name, { revision: 'r' })]));
}

const row = (c: AccessPlanChange) => `${c.tenant ?? '-'} ${c.environment} ${c.change} ${c.subject} ${c.tool}`;

beforeAll(async () => {
  plain = withoutTenants(loadRepo(await readRepoFiles(ROOT)).model);
});

describe('accessChanges with tenants', () => {
  it("shows a grant in a tenant's policy as gained by that tenant only, over its own tools only", () => {
    const base = withTenants(plain, [{ role: 'crm-reader', subjects: ['group:blue'] }]);
    const head = withTenants(plain, [
      { role: 'crm-reader', subjects: ['group:blue'] },
      { role: 'crm-all', subjects: ['agent:blue-bot'], environments: ['prod'] },
    ]);
    const changes = accessChanges(bundles(base), bundles(head));
    expect(changes.map(row)).toEqual([
      'blue prod gained agent:blue-bot crm.add_pet',
      'blue prod gained agent:blue-bot crm.find_pets_by_status',
      'blue prod gained agent:blue-bot crm.get_pet',
    ]);
    // crm.delete_pet: the organisation's no-deletes-in-prod deny holds in blue too.
    expect(changes.some((c) => c.tool === 'crm.delete_pet')).toBe(false);
    expect(changes[0]?.zones).toEqual(['prod']);
  });

  it("shows the tools a tenant's shared list grants as gained by that tenant under the organisation's policies", () => {
    const base = withTenants(plain, []);
    const head = structuredClone(base);
    head.tenants.find((t) => t.value.name === 'green')!.value.shared = ['petstore'];
    const changes = accessChanges(bundles(base), bundles(head));
    expect(new Set(changes.map((c) => c.tenant))).toEqual(new Set(['green']));
    expect(changes.map(row)).toContain('green prod gained group:engineering petstore.get_pet');
    expect(changes.every((c) => c.tool.startsWith('petstore.') && c.change === 'gained')).toBe(true);
  });

  it('shows an organisation-wide deny as lost in every tenant that could call the tool, the implicit one too', () => {
    const base = withTenants(plain, [{ role: 'crm-all', subjects: ['group:engineering'] }]);
    const head = structuredClone(base);
    const org = head.policies.find((p) => p.value.name === 'default')!.value;
    org.denies = [...(org.denies ?? []), { name: 'no-gets', tools: ['*.get_*'], subjects: ['*'] }];
    const lost = accessChanges(bundles(base), bundles(head)).filter(
      (c) => c.change === 'lost' && c.subject === 'group:engineering' && c.environment === 'prod',
    );
    expect(lost.map((c) => `${c.tenant} ${c.tool}`)).toEqual([
      'default github.get_issue',
      'default petstore.get_pet',
      'default weather.get_forecast',
      'blue crm.get_pet',
      'blue github.get_issue',
      // green's own crm.get_pet, through the organisation's reader role ('*.get_*').
      'green crm.get_pet',
    ]);
  });

  it('shows a new tenant gaining what its callers can call, and the implicit tenant unchanged', () => {
    const base = plain;
    const head = withTenants(plain, [{ role: 'crm-reader', subjects: ['group:blue'] }]);
    const changes = accessChanges(bundles(base), bundles(head));
    expect(changes.some((c) => c.tenant === 'default')).toBe(false);
    expect(
      changes.filter((c) => c.tenant === 'blue' && c.subject === 'group:blue').map((c) => c.tool),
    ).toEqual(expect.arrayContaining(['crm.get_pet']));
    expect(changes.every((c) => c.change === 'gained')).toBe(true);
  });

  it('names no tenant in a repository without tenants', () => {
    const head = structuredClone(plain);
    head.policies
      .find((p) => p.value.name === 'default')!
      .value.bindings!.push({ role: 'triager', subjects: ['agent:support-bot'] });
    const changes = accessChanges(bundles(plain), bundles(head));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => !('tenant' in c))).toBe(true);
  });
});

describe('the formatted plan with tenants', () => {
  const change = (tenant: string | undefined, subject: string, tool: string): AccessPlanChange => ({
    ...(tenant !== undefined && { tenant }),
    environment: 'prod',
    subject,
    tool,
    change: 'gained',
    after: 'allowed',
    zones: ['prod'],
  });
  const plan = (access: AccessPlanChange[]): Plan => ({
    base: { label: 'main', revision: '' },
    head: { label: 'HEAD', revision: '' },
    zones: [],
    access,
    contracts: [],
    remotes: [],
  });
  const tenanted = plan([
    change('default', 'group:eng', 'github.get_issue'),
    change('blue', 'agent:bot', 'crm.get_pet'),
    change('blue', 'group:blue', 'crm.get_pet'),
    change('green', 'agent:bot', 'crm.get_pet'),
  ]);

  it('groups the access changes under each tenant in the text plan', () => {
    const text = formatPlan(tenanted, 'text');
    expect(text).toContain(
      [
        'Access changes:',
        '  Callers of no tenant (default):',
        '    + [prod] group:eng can now call github.get_issue (allowed) in prod',
        '  Tenant blue:',
        '    + [prod] agent:bot can now call crm.get_pet (allowed) in prod',
        '    + [prod] group:blue can now call crm.get_pet (allowed) in prod',
        '  Tenant green:',
        '    + [prod] agent:bot can now call crm.get_pet (allowed) in prod',
      ].join('\n'),
    );
  });

  it('gives each tenant its own access table in the markdown plan, within the row budget', () => {
    const markdown = formatPlan(tenanted, 'markdown');
    const headings = markdown.split('\n').filter((l) => l.startsWith('#### '));
    expect(headings).toEqual([
      '#### Callers of no tenant \\(default\\)',
      '#### Tenant blue',
      '#### Tenant green',
    ]);
    expect(markdown.split('\n').filter((l) => l.startsWith('| 🟢 gains'))).toHaveLength(4);
    const cut = formatPlan(tenanted, 'markdown', { maxChars: 700 });
    expect(cut).toContain('more access changes');
    expect(cut.length).toBeLessThanOrEqual(700);
  });

  it('keeps one untitled access list when the plan has no tenants', () => {
    const text = formatPlan(plan([change(undefined, 'group:eng', 'github.get_issue')]), 'text');
    expect(text).toContain(
      'Access changes:\n  + [prod] group:eng can now call github.get_issue (allowed) in prod\n',
    );
    expect(formatPlan(plan([change(undefined, 'group:eng', 'x.y')]), 'markdown')).not.toContain('####');
  });
});
