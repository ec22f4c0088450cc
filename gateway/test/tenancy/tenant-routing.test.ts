/**
 * Per-tenant tool views over real HTTP with the official MCP client in both protocol revisions: two tenants
 * exposing the same tool names each see and call only their own; another tenant's tool is exactly as
 * unknown as a tool nobody has; X-Raku-Tenant chooses among a caller's tenants and never lets it into
 * another; an organisation-wide deny holds whatever a tenant's policy allows.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/server/gateway-server.ts';
import { connectClient, ERAS, textOf } from '../helpers/mcp-client.ts';
import type { MemoryTraceSink } from '../helpers/memory-trace-sink.ts';
import { CALLERS, startTenancyGateway, startTenancyParts, type TenancyParts } from './tenancy-fixture.ts';

let parts: TenancyParts;
let gateway: RunningGateway;
let traces: MemoryTraceSink;

beforeAll(async () => {
  parts = await startTenancyParts();
  ({ gateway, traces } = await startTenancyGateway(parts));
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await parts?.close();
});

const token = (who: keyof typeof CALLERS) => parts.issuer.sign({ ...CALLERS[who] });

/** The official client with a bearer token and, when given, the X-Raku-Tenant header. */
async function client(era: (typeof ERAS)[number], who: keyof typeof CALLERS, tenant?: string) {
  if (tenant === undefined) return connectClient(gateway.url, era, await token(who));
  const c = new Client(
    { name: 'raku-test', version: '1.0.0' },
    { versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: '2026-07-28' } } },
  );
  const headers = { authorization: `Bearer ${await token(who)}`, 'x-raku-tenant': tenant };
  await c.connect(new StreamableHTTPClientTransport(new URL(gateway.url), { requestInit: { headers } }));
  return c;
}

/** A raw JSON-RPC tools/list POST (2026-07-28), for the status and body of a refusal. */
async function rawList(who: keyof typeof CALLERS, tenant?: string) {
  return fetch(gateway.url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await token(who)}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/list',
      ...(tenant !== undefined ? { 'x-raku-tenant': tenant } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: {
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
}

describe.each(ERAS)('tenant views (%s client)', (era) => {
  it('shows each tenant only its own tools and the shared ones it is granted', async () => {
    const names = async (who: keyof typeof CALLERS) => {
      const c = await client(era, who);
      try {
        return (await c.listTools()).tools.map((t) => t.name);
      } finally {
        await c.close();
      }
    };
    // The org deny on deletions hides crm.delete_contact from listings in every tenant.
    expect(await names('ann')).toEqual(['crm.get_contact', 'widgets.get_widget']);
    expect(await names('gus')).toEqual(['crm.get_contact']);
    // No tenant: the implicit tenant sees the shared packs only.
    expect(await names('nobody')).toEqual(['widgets.get_widget']);
  });

  it('routes the same tool name to the caller tenant’s own pack', async () => {
    const before = parts.upstream.requests.length;
    const ann = await client(era, 'ann');
    const gus = await client(era, 'gus');
    try {
      const a = await ann.callTool({ name: 'crm.get_contact', arguments: { id: 'c1' } });
      const g = await gus.callTool({ name: 'crm.get_contact', arguments: { id: 'c1' } });
      expect(JSON.parse(textOf(a))).toEqual({ id: 'c1', tenant: 'acme' });
      expect(JSON.parse(textOf(g))).toEqual({ id: 'c1', tenant: 'globex' });
    } finally {
      await ann.close();
      await gus.close();
    }
    expect(parts.upstream.requests.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /acme/contacts/c1',
      'GET /globex/contacts/c1',
    ]);
    const mine = traces.traces.filter((t) => t.tool === 'crm.get_contact').slice(-2);
    expect(mine.map((t) => [t.subject, t.tenant, t.route])).toEqual([
      ['user:ann', 'acme', 'pack:acme-crm@1.0.0'],
      ['user:gus', 'globex', 'pack:globex-crm@1.0.0'],
    ]);
  });

  it('answers a tool of another tenant’s view exactly as a tool nobody has', async () => {
    const gus = await client(era, 'gus');
    try {
      // widgets is shared but not granted to globex; nothing.exists exists nowhere.
      const hidden = await gus
        .callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } })
        .catch((e: Error) => e);
      const missing = await gus
        .callTool({ name: 'nothing.exists', arguments: { id: 'w1' } })
        .catch((e: Error) => e);
      expect(hidden).toBeInstanceOf(Error);
      expect(missing).toBeInstanceOf(Error);
      expect((hidden as Error).message.replace('widgets.get_widget', 'X')).toBe(
        (missing as Error).message.replace('nothing.exists', 'X'),
      );
      expect((hidden as { code?: unknown }).code).toBe((missing as { code?: unknown }).code);
    } finally {
      await gus.close();
    }
    const last = traces.traces.filter((t) => t.subject === 'user:gus').slice(-2);
    expect(last.map((t) => [t.tool, t.status, t.tenant, t.route])).toEqual([
      ['widgets.get_widget', 'unknown_tool', 'globex', null],
      ['nothing.exists', 'unknown_tool', 'globex', null],
    ]);
  });

  it('lets a caller of several tenants act in the one X-Raku-Tenant names', async () => {
    const inGlobex = await client(era, 'both', 'globex');
    const inAcme = await client(era, 'both', 'acme');
    try {
      expect((await inGlobex.listTools()).tools.map((t) => t.name)).toEqual(['crm.get_contact']);
      expect((await inAcme.listTools()).tools.map((t) => t.name)).toEqual([
        'crm.get_contact',
        'widgets.get_widget',
      ]);
      const answer = await inGlobex.callTool({ name: 'crm.get_contact', arguments: { id: 'c1' } });
      expect(JSON.parse(textOf(answer))).toEqual({ id: 'c1', tenant: 'globex' });
    } finally {
      await inGlobex.close();
      await inAcme.close();
    }
  });

  it('denies a call an organisation-wide policy denies although the tenant’s policy allows it', async () => {
    const deletes = () => parts.upstream.requests.filter((r) => r.method === 'DELETE').length;
    const before = deletes();
    const ann = await client(era, 'ann');
    try {
      const result = await ann.callTool({ name: 'crm.delete_contact', arguments: { id: 'c1' } });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^call denied: /);
    } finally {
      await ann.close();
    }
    expect(deletes()).toBe(before);
    const trace = traces.traces.at(-1)!;
    expect([trace.tool, trace.tenant, trace.status, trace.decision, trace.rule]).toEqual([
      'crm.delete_contact',
      'acme',
      'denied',
      'deny',
      'org/denies/no-deletes',
    ]);
  });

  it('applies a tenant’s policy to calls made in that tenant only', async () => {
    const inAcme = await client(era, 'carolAcme');
    const inGlobex = await client(era, 'carolGlobex');
    try {
      const allowed = await inAcme.callTool({ name: 'crm.get_contact', arguments: { id: 'c1' } });
      expect(JSON.parse(textOf(allowed))).toEqual({ id: 'c1', tenant: 'acme' });
      const denied = await inGlobex.callTool({ name: 'crm.get_contact', arguments: { id: 'c1' } });
      expect(denied.isError).toBe(true);
      expect(textOf(denied)).toMatch(/^call denied: /);
    } finally {
      await inAcme.close();
      await inGlobex.close();
    }
  });
});

describe('X-Raku-Tenant', () => {
  it('refuses with 403 a caller of several tenants that names none', async () => {
    const res = await rawList('both');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message:
          'Forbidden: the caller belongs to several tenants (acme, globex): name one in the x-raku-tenant header',
      },
    });
  });

  it('refuses with 403 a header naming a tenant the caller is not a member of', async () => {
    const res = await rawList('gus', 'acme');
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'Forbidden: the caller is not a member of tenant "acme" (x-raku-tenant): its tenants are globex',
    );
    const nobody = await rawList('nobody', 'acme');
    expect(nobody.status).toBe(403);
  });

  it('accepts a header naming the caller’s own tenant, and the implicit tenant for a caller of none', async () => {
    expect((await rawList('gus', 'globex')).status).toBe(200);
    expect((await rawList('nobody', 'default')).status).toBe(200);
  });

  it.each(ERAS)(
    'refuses the official %s client with 403 when its header names another tenant',
    async (era) => {
      const error = await client(era, 'gus', 'acme')
        .then((c) => c.listTools().finally(() => c.close()))
        .catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      // The 2025-11-25 client quotes the body; the 2026-07-28 one names the status of its negotiation.
      expect((error as Error).message).toContain(
        era === 'legacy' ? 'Forbidden: the caller is not a member of tenant \\"acme\\"' : 'HTTP 403',
      );
    },
  );
});

describe('jobs and approvals in a tenant', () => {
  it('keeps the tenant a call was made in, and runs the job in it', async () => {
    const caller = {
      subject: 'user:gus',
      kind: 'user' as const,
      groups: ['staff'],
      claims: { tenant: 'globex' },
    };
    const jobCaller = gateway.catalog.jobCaller({ ...caller, tenant: 'globex' });
    expect(jobCaller).toMatchObject({ subject: 'user:gus', tenant: 'globex', claims: { tenant: 'globex' } });
    const result = await gateway.catalog.run(
      { tool: 'crm.get_contact', arguments: { id: 'c1' }, caller: jobCaller },
      { signal: new AbortController().signal, approvalId: null },
    );
    expect(JSON.parse(textOf(result))).toEqual({ id: 'c1', tenant: 'globex' });
    expect(traces.traces.at(-1)?.tenant).toBe('globex');
  });

  it('refuses to run a job whose caller no longer belongs to the tenant it was made in', async () => {
    // gus's job was made in globex; by the time it runs his token's claims (kept with the job) say acme.
    const jobCaller = {
      subject: 'user:gus',
      subjectKind: 'user',
      groups: ['staff'],
      claims: { tenant: 'acme' },
      tenant: 'globex',
    };
    const result = await gateway.catalog.run(
      { tool: 'crm.get_contact', arguments: { id: 'c1' }, caller: jobCaller },
      { signal: new AbortController().signal, approvalId: null },
    );
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'call denied: the job\'s caller is no longer a member of tenant "globex", in which it was made',
    );
    expect(traces.traces.at(-1)).toMatchObject({
      tenant: 'globex',
      decision: 'deny',
      rule: 'tenants/globex/members',
      status: 'denied',
    });
  });
});
