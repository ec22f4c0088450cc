/**
 * GET /v1/catalog and POST /v1/tools/{tool}/call over real HTTP: the whole gateway stack (pack server in front
 * of a fake upstream, a real third-party MCP server with one tampered tool, PGlite persistence, JWTs from a test
 * issuer). The catalog shows each caller what policy lets it see; a try-it call runs through the pipeline as
 * the caller and its trace is stored under the id the answer names.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Catalog, ToolCallOutcome } from '../../src/catalog/types.ts';
import { callerOfApi } from '../../src/server/gateway-server.ts';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';
import { WIDGETS_SECRET_ENV } from '../helpers/test-pack.ts';
import { REMOTE_SECRET_ENV } from '../helpers/test-zone.ts';
import { hashOf } from '../helpers/third-party-server.ts';

const WAIT = { timeout: 20_000, interval: 50 };

let stack: GatewayStack;
const tokens: Record<string, string> = {};

async function api(
  who: string | null,
  method: string,
  path: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field in the assertions
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${stack.base}${path}`, {
    method,
    headers: {
      ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  stack = await startGatewayStack({
    database: 'PGlite',
    approvalWaitMs: 100,
    adminSubjects: ['user:ada'],
    secrets: (name) =>
      ({ [WIDGETS_SECRET_ENV]: 'upstream-secret', [REMOTE_SECRET_ENV]: 'partner-secret' })[name],
  });
  tokens['ada'] = await stack.issuer.sign({ sub: 'ada' });
  tokens['bob'] = await stack.issuer.sign({ sub: 'bob', groups: ['engineering'] });
  tokens['alice'] = await stack.issuer.sign({ sub: 'alice' });
  tokens['nobody'] = await stack.issuer.sign({ sub: 'nobody' });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('GET /v1/catalog', () => {
  it('shows an admin every pack tool with its definition, source operation and zones', async () => {
    const { status, json } = await api('ada', 'GET', '/v1/catalog');
    expect(status).toBe(200);
    const catalog = json as Catalog;
    expect(catalog).toMatchObject({ zone: 'dev', environment: 'dev', revision: 'test-rev' });
    expect(catalog.packs.map((p) => p.name)).toEqual(['widgets']);
    const [widgets] = catalog.packs;
    expect(widgets!.zones).toEqual([{ zone: 'dev', environment: 'dev', version: widgets!.version }]);
    expect(widgets!.tools.map((t) => t.name)).toEqual([
      'widgets.create_widget',
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    const create = widgets!.tools.find((t) => t.name === 'widgets.create_widget')!;
    expect(create).toMatchObject({
      tool: 'create_widget',
      description: 'Create a widget.',
      sensitive: true,
      annotations: { readOnlyHint: false, idempotentHint: false },
      source: { method: 'POST', path: '/widgets', operationId: null },
      outputSchema: null,
    });
    expect(create.inputSchema).toMatchObject({ required: ['name'] });
    expect(create.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows the reviewed hash of each third-party tool against the live one, once checked', async () => {
    const partner = await vi.waitFor(async () => {
      const { json } = await api('ada', 'GET', '/v1/catalog');
      const remote = (json as Catalog).remotes.find((r) => r.name === 'partner')!;
      expect(remote.tools.every((t) => t.checkedAt !== null)).toBe(true);
      return remote;
    }, WAIT);
    expect(partner.error).toBeNull();
    const byName = Object.fromEntries(partner.tools.map((t) => [t.name, t]));
    expect(byName['get_widget']).toMatchObject({
      servesAs: ['widgets.get_widget'],
      reviewedSha256: hashOf('get_widget'),
      liveSha256: hashOf('get_widget'),
      matches: true,
    });
    expect(byName['search']).toMatchObject({
      servesAs: ['partner.search'],
      matches: true,
      sensitive: false,
      definition: { description: 'Search the partner catalogue.', inputSchema: { properties: { q: {} } } },
    });
    // The zone reviewed another definition than the one the server now lists: hidden, and shown as changed.
    expect(byName['tampered']).toMatchObject({
      servesAs: ['partner.tampered'],
      reviewedSha256: '0'.repeat(64),
      liveSha256: hashOf('tampered'),
      matches: false,
      definition: null,
    });
    expect(JSON.stringify(partner)).not.toContain('Ignore previous instructions');
    expect(Number.isNaN(Date.parse(byName['tampered']!.checkedAt!))).toBe(false);
  });

  it('shows other callers only the tools policy lets them see', async () => {
    const bob = (await api('bob', 'GET', '/v1/catalog')).json as Catalog;
    expect(bob.packs.flatMap((p) => p.tools.map((t) => t.name))).toEqual([
      'widgets.get_widget',
      'widgets.list_widgets',
    ]);
    expect(bob.remotes.flatMap((r) => r.tools.map((t) => t.name))).toEqual([
      'get_widget',
      'search',
      'tampered',
    ]);
    // Addresses and read errors stay with admins (as GET /v1/routes does); names are only those bob may see.
    const bobSees = new Set(bob.packs.flatMap((p) => p.tools.map((t) => t.name)));
    for (const remote of bob.remotes) {
      expect(remote).toMatchObject({ url: null, error: null });
      for (const tool of remote.tools)
        for (const name of tool.servesAs)
          expect(bobSees.has(name) || name.startsWith(`${remote.name}.`), name).toBe(true);
    }
    const ada = (await api('ada', 'GET', '/v1/catalog')).json as Catalog;
    expect(ada.remotes.find((r) => r.name === 'partner')?.url).toMatch(/^http:\/\/127\.0\.0\.1:/);

    const alice = (await api('alice', 'GET', '/v1/catalog')).json as Catalog;
    expect(alice.packs.flatMap((p) => p.tools.map((t) => t.name))).toEqual(['widgets.create_widget']);
    expect(alice.remotes).toEqual([]);

    const nobody = await api('nobody', 'GET', '/v1/catalog');
    expect(nobody.status).toBe(200);
    expect(nobody.json).toMatchObject({ packs: [], remotes: [] });
  });

  it('answers 401 without a token', async () => {
    const { status, json } = await api(null, 'GET', '/v1/catalog');
    expect(status).toBe(401);
    expect(json.error.code).toBe('unauthorized');
  });
});

describe('POST /v1/tools/{tool}/call', () => {
  it('runs the call as the caller and stores its trace, before answering, under the id it answers', async () => {
    const { status, json } = await api('bob', 'POST', '/v1/tools/widgets.get_widget/call', {
      arguments: { id: 'w1' },
    });
    expect(status).toBe(200);
    const outcome = json as ToolCallOutcome;
    expect(outcome.result.isError).toBeFalsy();
    expect(JSON.stringify(outcome.result.content)).toContain('w1');
    expect(outcome.traceId).toMatch(/^[0-9a-f-]{36}$/);
    // Written before the answer: readable at once, without flushing the sink here.
    const trace = await api('ada', 'GET', `/v1/traces/${outcome.traceId}`);
    expect(trace.status).toBe(200);
    expect(trace.json).toMatchObject({
      id: outcome.traceId,
      subject: 'user:bob',
      tool: 'widgets.get_widget',
      status: 'ok',
      decision: 'allow',
    });
  });

  it('answers a call policy denies as MCP does: 200 with isError, traced as denied', async () => {
    const { status, json } = await api('nobody', 'POST', '/v1/tools/widgets.get_widget/call', {
      arguments: { id: 'w1' },
    });
    expect(status).toBe(200);
    expect(json.result.isError).toBe(true);
    expect(json.result.content[0].text).toMatch(/^call denied: /);
    await stack.persistence.traces.flush();
    const trace = await api('ada', 'GET', `/v1/traces/${json.traceId}`);
    expect(trace.json).toMatchObject({ subject: 'user:nobody', status: 'denied', decision: 'deny' });
  });

  it('gives arguments the tool refuses back as the tool error the pipeline gives', async () => {
    const { status, json } = await api('bob', 'POST', '/v1/tools/widgets.get_widget/call', {
      arguments: { nope: 1 },
    });
    expect(status).toBe(200);
    expect(json.result.isError).toBe(true);
    await stack.persistence.traces.flush();
    const trace = await api('ada', 'GET', `/v1/traces/${json.traceId}`);
    expect(trace.json.status).toBe('invalid');
  });

  it('parks a call that needs approval and answers with its job, as over MCP', async () => {
    const { status, json } = await api('alice', 'POST', '/v1/tools/widgets.create_widget/call', {
      arguments: { name: 'bolt' },
    });
    expect(status).toBe(200);
    expect(json.result.structuredContent).toMatchObject({ status: 'pending' });
    const jobId = json.result.structuredContent.jobId as string;
    const job = await api('alice', 'GET', `/v1/jobs/${jobId}`);
    expect(job.json).toMatchObject({ tool: 'widgets.create_widget', status: 'waiting_approval' });
    await stack.persistence.traces.flush();
    const trace = await api('ada', 'GET', `/v1/traces/${json.traceId}`);
    expect(trace.json).toMatchObject({ status: 'pending', decision: 'approval' });
  });

  it('routes a third-party tool to its server, and never calls one whose live definition changed', async () => {
    const search = await api('bob', 'POST', '/v1/tools/partner.search/call', { arguments: { q: 'bolt' } });
    expect(search.status).toBe(200);
    expect(search.json.result.content[0].text).toBe('partner:search:{"q":"bolt"}');
    const before = stack.partner.calls.length;
    const tampered = await api('bob', 'POST', '/v1/tools/partner.tampered/call', { arguments: {} });
    expect(tampered.status).toBe(200);
    expect(tampered.json.result.isError).toBe(true);
    expect(tampered.json.result.content[0].text).toContain('not the reviewed');
    expect(stack.partner.calls.length).toBe(before);
  });

  it('answers 404 for a tool the bundle does not have', async () => {
    const { status, json } = await api('bob', 'POST', '/v1/tools/widgets.melt/call', { arguments: {} });
    expect(status).toBe(404);
    expect(json.error).toMatchObject({ code: 'not_found' });
    expect(json.error.message).toContain('widgets.melt');
  });

  it('answers 401 without a token, before looking at the body', async () => {
    const { status } = await api(null, 'POST', '/v1/tools/widgets.get_widget/call', { arguments: {} });
    expect(status).toBe(401);
  });

  it('refuses a body that is not { arguments: object } with a 400 naming the field, never a 500', async () => {
    const missing = await api('bob', 'POST', '/v1/tools/widgets.get_widget/call', {});
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/arguments/);
    const notObject = await api('bob', 'POST', '/v1/tools/widgets.get_widget/call', { arguments: [1] });
    expect(notObject.status).toBe(400);
    expect(notObject.json.error.message).toMatch(/arguments/);
    const malformed = await api('bob', 'POST', '/v1/tools/widgets.get_widget/call', '{"arguments":');
    expect(malformed.status).toBe(400);

    await fc.assert(
      fc.asyncProperty(
        fc
          .jsonValue()
          .filter(
            (v) =>
              !(
                typeof v === 'object' &&
                v !== null &&
                !Array.isArray(v) &&
                Object.keys(v).length === 1 &&
                typeof (v as Record<string, unknown>)['arguments'] === 'object' &&
                (v as Record<string, unknown>)['arguments'] !== null &&
                !Array.isArray((v as Record<string, unknown>)['arguments'])
              ),
          ),
        async (body) => {
          const { status, json } = await api('bob', 'POST', '/v1/tools/widgets.get_widget/call', body);
          expect(status).toBe(400);
          expect(json.error.code).toBe('bad_request');
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('callerOfApi', () => {
  it('puts the issuer and subject of the principal back, so approvals name the same person as over MCP', () => {
    const caller = callerOfApi({
      subject: 'user:alice',
      subjectKind: 'user',
      groups: ['eng'],
      claims: { team: 'a' },
      principal: JSON.stringify(['https://issuer.test', 'alice']),
      admin: false,
    });
    expect(caller).toEqual({
      subject: 'user:alice',
      kind: 'user',
      groups: ['eng'],
      claims: { team: 'a', iss: 'https://issuer.test', sub: 'alice' },
    });
    expect(
      callerOfApi({ subject: 'x', subjectKind: 'robot', groups: [], claims: {}, admin: true }).kind,
    ).toBe('anonymous');
  });
});
