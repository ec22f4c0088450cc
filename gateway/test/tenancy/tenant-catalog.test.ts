/**
 * The console's catalog and try-it per tenant, over real HTTP with the admin API on PGlite persistence: a
 * caller's catalog lists its tenant's view only; try-it resolves a name in that view (another tenant's tool is
 * answered as a missing one) and runs in the tenant, traced in it; X-Raku-Tenant chooses among a caller's
 * tenants as on /mcp, and an organisation admin may name any tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/types.ts';
import type { RunningGateway } from '../../src/server/gateway-server.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import type { MemoryTraceSink } from '../helpers/memory-trace-sink.ts';
import { CALLERS, startTenancyGateway, startTenancyParts, type TenancyParts } from './tenancy-fixture.ts';

let parts: TenancyParts;
let persistence: Persistence;
let gateway: RunningGateway;
let traces: MemoryTraceSink;
let base: string;

beforeAll(async () => {
  parts = await startTenancyParts();
  persistence = await openPersistence({ databaseUrl: undefined, dataDir: 'memory://', log: () => {} });
  ({ gateway, traces } = await startTenancyGateway(parts, {
    adminSubjects: ['user:ada'],
    adminRouter: (deps) => persistence.adminRouter(deps),
    traceFlushWaitMs: 0,
  }));
  base = gateway.url.replace(/\/mcp$/, '');
  // PGlite's start and migrations take long on a loaded machine.
}, 180_000);

afterAll(async () => {
  await gateway?.close();
  await persistence?.close();
  await parts?.close();
});

type Who = keyof typeof CALLERS | 'ada';

async function api(
  who: Who,
  method: string,
  path: string,
  options: { tenant?: string; body?: unknown } = {},
) {
  const claims = who === 'ada' ? { sub: 'ada' } : CALLERS[who];
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await parts.issuer.sign({ ...claims })}`,
      ...(options.tenant !== undefined ? { 'x-raku-tenant': options.tenant } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field in the assertions
  return { status: res.status, json: (await res.json()) as any };
}

const packsOf = (catalog: Catalog) => catalog.packs.map((p) => p.name);

describe('the catalog per tenant', () => {
  it('lists a caller’s tenant’s packs only', async () => {
    expect(packsOf((await api('ann', 'GET', '/v1/catalog')).json)).toEqual(['acme-crm', 'widgets']);
    expect(packsOf((await api('gus', 'GET', '/v1/catalog')).json)).toEqual(['globex-crm']);
    expect(packsOf((await api('nobody', 'GET', '/v1/catalog')).json)).toEqual(['widgets']);
  });

  it('finds a caller a member through a list-valued claim, as /mcp does', async () => {
    expect(packsOf((await api('annByList', 'GET', '/v1/catalog')).json)).toEqual(['acme-crm', 'widgets']);
  });

  it('lists an organisation admin every tenant’s packs', async () => {
    expect(packsOf((await api('ada', 'GET', '/v1/catalog')).json)).toEqual([
      'acme-crm',
      'globex-crm',
      'widgets',
    ]);
  });

  it('chooses among a caller’s tenants by X-Raku-Tenant, and refuses one it is not in', async () => {
    expect(packsOf((await api('both', 'GET', '/v1/catalog', { tenant: 'globex' })).json)).toEqual([
      'globex-crm',
    ]);
    const none = await api('both', 'GET', '/v1/catalog');
    expect(none.status).toBe(403);
    expect(none.json.error).toEqual({
      code: 'forbidden',
      message: 'the caller belongs to several tenants (acme, globex): name one in the x-raku-tenant header',
    });
    expect((await api('gus', 'GET', '/v1/agents', { tenant: 'acme' })).status).toBe(403);
  });
});

describe('try-it per tenant', () => {
  it('runs the tool of the caller’s tenant, traced in it', async () => {
    const { status, json } = await api('gus', 'POST', '/v1/tools/crm.get_contact/call', {
      body: { arguments: { id: 'c1' } },
    });
    expect(status).toBe(200);
    expect(JSON.parse(json.result.content[0].text)).toEqual({ id: 'c1', tenant: 'globex' });
    expect(traces.traces.find((t) => t.id === json.traceId)?.tenant).toBe('globex');
  });

  it('answers another tenant’s tool exactly as a tool nobody has', async () => {
    const hidden = await api('gus', 'POST', '/v1/tools/widgets.get_widget/call', { body: { arguments: {} } });
    const missing = await api('gus', 'POST', '/v1/tools/nothing.exists/call', { body: { arguments: {} } });
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(JSON.stringify(hidden.json).replace('widgets.get_widget', 'X')).toBe(
      JSON.stringify(missing.json).replace('nothing.exists', 'X'),
    );
  });

  it('lets an organisation admin act in any tenant it names', async () => {
    const { status, json } = await api('ada', 'POST', '/v1/tools/crm.get_contact/call', {
      tenant: 'acme',
      body: { arguments: { id: 'c1' } },
    });
    expect(status).toBe(200);
    // The org policy grants group:staff only: ada acts in acme, and acme's view resolves the name.
    expect(json.result.isError).toBe(true);
    expect(json.result.content[0].text).toMatch(/^call denied: /);
    expect(traces.traces.find((t) => t.id === json.traceId)?.tenant).toBe('acme');
  });
});

describe("an organisation admin's job", () => {
  it('runs in the tenant it named without being a member (the policy still decides it)', async () => {
    // ada holds the admin role and belongs to no tenant; her job was made in globex (X-Raku-Tenant).
    const result = await gateway.catalog.run(
      {
        tool: 'crm.get_contact',
        arguments: { id: 'c1' },
        caller: { subject: 'user:ada', subjectKind: 'user', groups: ['staff'], claims: {}, tenant: 'globex' },
      },
      { signal: new AbortController().signal, approvalId: null },
    );
    expect(result.isError).toBeFalsy();
    expect(JSON.parse((result.content[0] as { text: string }).text)).toEqual({ id: 'c1', tenant: 'globex' });
  });
});
