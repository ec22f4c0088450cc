/**
 * The admin API keeps each tenant to its own rows, over real HTTP, on the real Postgres, through the
 * gateway's own persistence wiring (openPersistence: stores, live events, admin router). The database login
 * is a superuser here, so every store query runs as the role raku_app (../../src/db/rls-role.ts).
 *
 * Table-driven: every /v1 operation whose answer holds traces, approvals or jobs (found in the OpenAPI
 * document, so a new one cannot be left out) is tried by tenant acme's admin against globex's rows.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BundleTenant } from '@raku/render';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../src/admin/openapi.ts';
import type { ApiCaller, AuthorizeResult } from '../../src/admin/types.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { apiScopes } from '../../src/tenancy/scope.ts';
import type { TraceRecord } from '../../src/traces/types.ts';
import { openEventStream, type SseStream } from '../events/sse-client.ts';
import { createTestDatabase, type TestDatabase } from '../persistence/helpers/test-database.ts';

const TENANTS: BundleTenant[] = [
  {
    name: 'acme',
    members: [{ claim: 'tenant', equals: 'acme' }],
    admins: ['user:ann'],
    approvers: [],
    shared: [],
  },
  {
    name: 'globex',
    members: [{ claim: 'tenant', equals: 'globex' }],
    admins: ['user:gus'],
    approvers: [],
    shared: [],
  },
];

function apiCaller(subject: string, claims: Record<string, unknown>, orgAdmin: boolean): ApiCaller {
  const principals = [subject];
  return {
    subject,
    subjectKind: 'user',
    groups: [],
    claims: {},
    principals,
    admin: orgAdmin,
    ...apiScopes({ groups: [], claims, principals }, TENANTS, orgAdmin),
    tenant: typeof claims['tenant'] === 'string' ? claims['tenant'] : 'default',
  };
}

const CALLERS: Record<string, ApiCaller> = {
  ann: apiCaller('user:ann', { tenant: 'acme' }, false),
  gus: apiCaller('user:gus', { tenant: 'globex' }, false),
  org: apiCaller('user:ada', {}, true),
};

async function authorize(req: IncomingMessage): Promise<AuthorizeResult> {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const caller = CALLERS[token];
  return caller ? { ok: true, caller } : { ok: false, status: 401, message: 'unknown token' };
}

function trace(tenant: string): TraceRecord {
  return {
    time: new Date(Date.now() - 60_000),
    subject: `user:${tenant}-member`,
    subjectKind: 'user',
    tool: 'crm.find_customer',
    route: 'pack:crm@1.0.0',
    target: 'in-process',
    decision: 'allow',
    rule: 'r',
    revision: 'rev-1',
    latencyMs: 2,
    status: 'ok',
    args: {},
    tenant,
  };
}

let pg: TestDatabase;
let persistence: Persistence;
let base: string;
let server: ReturnType<express.Express['listen']>;
const rows: Record<'acme' | 'globex', { trace: string; approval: string; job: string }> = {
  acme: { trace: '', approval: '', job: '' },
  globex: { trace: '', approval: '', job: '' },
};
const streams: SseStream[] = [];

async function api(who: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${who}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  pg = await createTestDatabase();
  persistence = await openPersistence({
    databaseUrl: pg.url,
    dataDir: 'memory://',
    log: () => {},
    traceRetentionDays: 0,
  });
  // Jobs stay queued: nothing here runs them (concurrency is the service's, so the runner never answers).
  await persistence.attachRunner(() => ({
    run: (_call, context) =>
      new Promise((_resolve, reject) =>
        context.signal.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
      ),
  }));
  for (const tenant of ['acme', 'globex'] as const) {
    const id = crypto.randomUUID();
    persistence.traces.record({ ...trace(tenant), id });
    rows[tenant].trace = id;
    const request = await persistence.approvals.create({
      rule: `${tenant}/approvals/refunds`,
      approvers: ['*'],
      timeoutSeconds: 3600,
      tool: 'crm.refund',
      subject: `user:${tenant}-member`,
      args: { amount: 1 },
      revision: 'rev-1',
      tenant,
    });
    rows[tenant].approval = request.id;
    const job = await persistence.jobs.submit(
      {
        tool: 'crm.export',
        arguments: {},
        caller: { subject: `user:${tenant}-member`, subjectKind: 'user', groups: [], claims: {}, tenant },
      },
      { approvalId: request.id },
    );
    rows[tenant].job = job.id;
  }
  await persistence.traces.flush();
  const app = express();
  app.use(persistence.adminRouter({ authorize, routes: () => ({}) }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  for (const s of streams) s.close();
  server?.close();
  await persistence?.close();
  await pg?.drop();
});

type Row = 'trace' | 'approval' | 'job';

/** Each tenant-row operation: what tenant acme's admin gets when it aims at globex's rows. */
const CASES: {
  method: string;
  path: string;
  /** The request aimed at globex's row (or at the listing). */
  call: () => [string, string, unknown?];
  /** For listings: which of globex's rows must not be in the answer's items. */
  lists?: Row;
}[] = [
  { method: 'get', path: '/v1/traces', call: () => ['GET', '/v1/traces'], lists: 'trace' },
  {
    method: 'get',
    path: '/v1/traces/stats',
    call: () => ['GET', `/v1/traces/stats?from=${new Date(Date.now() - 3_600_000).toISOString()}`],
  },
  { method: 'get', path: '/v1/traces/{id}', call: () => ['GET', `/v1/traces/${rows.globex.trace}`] },
  { method: 'get', path: '/v1/approvals', call: () => ['GET', '/v1/approvals'], lists: 'approval' },
  {
    method: 'get',
    path: '/v1/approvals/{id}',
    call: () => ['GET', `/v1/approvals/${rows.globex.approval}`],
  },
  {
    method: 'post',
    path: '/v1/approvals/{id}/decision',
    call: () => ['POST', `/v1/approvals/${rows.globex.approval}/decision`, { approve: true }],
  },
  { method: 'get', path: '/v1/jobs', call: () => ['GET', '/v1/jobs'], lists: 'job' },
  { method: 'get', path: '/v1/jobs/{id}', call: () => ['GET', `/v1/jobs/${rows.globex.job}`] },
  {
    method: 'put',
    path: '/v1/jobs/{id}',
    call: () => ['PUT', `/v1/jobs/${rows.globex.job}`, { status: 'cancelled' }],
  },
];

describe("tenant acme's admin and globex's rows", () => {
  it('covers every /v1 operation that answers with traces, approvals or jobs (POST /v1/jobs makes one in its own tenant; /v1/events below)', () => {
    const found = Object.entries(OPENAPI_DOCUMENT.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path !== '/v1/events')
      .flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => /schemas\/(Trace|Approval|Job)(Page|Stats)?"/.test(JSON.stringify(op)))
          .map(([method]) => `${method} ${path}`),
      )
      .filter((op) => op !== 'post /v1/jobs');
    expect(found.sort()).toEqual(CASES.map((c) => `${c.method} ${c.path}`).sort());
  });

  it.each(CASES)('$method $path shows none of them', async ({ call, lists }) => {
    const [method, path, body] = call();
    const res = await api('ann', method, path, body);
    if (lists) {
      expect(res.status).toBe(200);
      const ids = (res.body.items as { id: string; tenant: string }[]).map((i) => i.id);
      expect(ids).toContain(rows.acme[lists]);
      expect(ids).not.toContain(rows.globex[lists]);
      expect(new Set((res.body.items as { tenant: string }[]).map((i) => i.tenant))).toEqual(
        new Set(['acme']),
      );
    } else if (path.startsWith('/v1/traces/stats')) {
      expect(res.status).toBe(200);
      expect(res.body.series.map((s: { calls: number }) => s.calls)).toEqual([1]);
    } else {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('leaves the rows as they were: nothing was approved or cancelled', async () => {
    const approval = await api('gus', 'GET', `/v1/approvals/${rows.globex.approval}`);
    expect(approval.body).toMatchObject({ status: 'pending', tenant: 'globex' });
    const job = await api('gus', 'GET', `/v1/jobs/${rows.globex.job}`);
    expect(job.body).toMatchObject({ status: 'waiting_approval', tenant: 'globex' });
  });

  it('narrows to nothing with ?tenant= naming a tenant outside its scope', async () => {
    for (const path of [
      '/v1/traces?tenant=globex',
      '/v1/approvals?tenant=globex',
      '/v1/jobs?tenant=globex',
    ]) {
      const res = await api('ann', 'GET', path);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
  });

  it("streams only its own tenant's events on /v1/events", async () => {
    const stream = await openEventStream(`${base}/v1/events?types=approval,job,trace`, {
      authorization: 'Bearer ann',
    });
    streams.push(stream);
    expect(stream.status).toBe(200);
    // globex's event first, acme's after: once acme's has arrived, globex's would have too.
    const globex = await persistence.approvals.create({
      rule: 'globex/approvals/refunds',
      approvers: ['*'],
      timeoutSeconds: 3600,
      tool: 'crm.refund',
      subject: 'user:globex-member',
      args: {},
      revision: 'rev-1',
      tenant: 'globex',
    });
    persistence.traces.record({ ...trace('globex'), tool: 'crm.globex_marker' });
    const acme = await persistence.approvals.create({
      rule: 'acme/approvals/refunds',
      approvers: ['*'],
      timeoutSeconds: 3600,
      tool: 'crm.refund',
      subject: 'user:acme-member',
      args: {},
      revision: 'rev-1',
      tenant: 'acme',
    });
    await stream.next((e) => e.event === 'approval' && e.data.includes(acme.id));
    const seen = stream.events.map((e) => e.data).join('\n');
    expect(seen).not.toContain(globex.id);
    expect(seen).not.toContain('crm.globex_marker');
    expect(seen).not.toContain('"tenant":"globex"');
  });
});

describe('an organisation admin', () => {
  it('sees both tenants, and one with ?tenant=', async () => {
    for (const [path, row] of [
      ['/v1/traces', 'trace'],
      ['/v1/approvals', 'approval'],
      ['/v1/jobs', 'job'],
    ] as const) {
      const all = (await api('org', 'GET', path)).body.items.map((i: { id: string }) => i.id);
      expect(all).toEqual(expect.arrayContaining([rows.acme[row], rows.globex[row]]));
      const one = (await api('org', 'GET', `${path}?tenant=globex`)).body.items as { tenant: string }[];
      expect(one.length).toBeGreaterThan(0);
      expect(new Set(one.map((i) => i.tenant))).toEqual(new Set(['globex']));
    }
    expect((await api('org', 'GET', `/v1/traces/${rows.globex.trace}`)).body.tenant).toBe('globex');
    expect((await api('org', 'GET', `/v1/jobs/${rows.acme.job}`)).body.tenant).toBe('acme');
  });

  it("decides another tenant's request it may see (the rule names everyone)", async () => {
    const res = await api('org', 'POST', `/v1/approvals/${rows.globex.approval}/decision`, {
      approve: false,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'rejected', tenant: 'globex' });
  });
});
