import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAdminRouter } from '../../src/admin/admin-router.ts';
import { createDeploymentStore } from '../../src/admin/deployment-store.ts';
import { OPENAPI_DOCUMENT } from '../../src/admin/openapi.ts';
import type { ApiCaller, AuthorizeResult } from '../../src/admin/types.ts';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { createJobService, type JobServiceWithApprovals } from '../../src/jobs/job-service.ts';
import type { JobRunContext, JobRunner, ToolCall, ToolCallResult } from '../../src/jobs/types.ts';
import { createTraceReader } from '../../src/traces/trace-reader.ts';
import { BufferedTraceSink } from '../../src/traces/trace-sink.ts';
import { createPrismaTraceWriter } from '../../src/traces/trace-writer.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

/** Stands in for the runtime's authentication: a static token per caller (the runtime's static-token mode). */
const CALLERS: Record<string, ApiCaller> = {
  'admin-token': {
    subject: 'user:ada',
    subjectKind: 'user',
    groups: ['platform'],
    claims: {},
    principals: ['user:ada', 'group:platform'],
    admin: true,
  },
  'mia-token': {
    subject: 'user:mia',
    subjectKind: 'user',
    groups: ['maintainers'],
    claims: {},
    principals: ['user:mia', 'group:maintainers'],
    admin: false,
  },
  'bot-token': {
    subject: 'agent:triage-bot',
    subjectKind: 'agent',
    groups: [],
    claims: { tier: 'gold' },
    principals: ['agent:triage-bot'],
    admin: false,
  },
  'other-token': {
    subject: 'agent:support-bot',
    subjectKind: 'agent',
    groups: [],
    claims: {},
    principals: ['agent:support-bot'],
    admin: false,
  },
  // Claims a policy reads, too large for a job to keep (MAX_JOB_CLAIMS_BYTES).
  'bloated-token': {
    subject: 'agent:bloated-bot',
    subjectKind: 'agent',
    groups: [],
    claims: { note: 'x'.repeat(5000) },
    principals: ['agent:bloated-bot'],
    admin: false,
  },
};

function authorize(req: express.Request): AuthorizeResult {
  const header = req.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const caller = CALLERS[token];
  if (!caller) {
    return {
      ok: false,
      status: 401,
      message: 'missing or invalid bearer token',
      headers: { 'WWW-Authenticate': 'Bearer' },
    };
  }
  return { ok: true, caller };
}

class EchoRunner implements JobRunner {
  calls: { call: ToolCall; context: JobRunContext }[] = [];
  async run(call: ToolCall, context: JobRunContext): Promise<ToolCallResult> {
    this.calls.push({ call, context });
    if (call.tool.startsWith('slow.')) {
      await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
      throw new Error('aborted');
    }
    return { content: [{ type: 'text', text: 'done' }], structuredContent: call.arguments };
  }
}

const ROUTES = {
  revision: 'rev-7',
  tools: { 'petstore.get_pet': [{ kind: 'pack', url: 'http://petstore-mcp:8080/mcp' }] },
};

let pgDatabase: TestDatabase;
let db: Database;
let jobs: JobServiceWithApprovals;
let runner: EchoRunner;
let server: ReturnType<express.Express['listen']>;
let base: string;
let router: express.Router;

beforeAll(async () => {
  pgDatabase = await createTestDatabase();
  db = await createDatabase({ url: pgDatabase.url });
  await db.migrate();
  const approvals = createApprovalStore(db, { pollIntervalMs: 20 });
  runner = new EchoRunner();
  jobs = createJobService({ db, runner, approvals, approvalSweepMs: 60_000 });
  await jobs.start();
  const sink = new BufferedTraceSink({ writer: createPrismaTraceWriter(db) });
  for (let i = 0; i < 12; i++) {
    sink.record({
      time: new Date(Date.UTC(2026, 10, 23, 10, i)),
      subject: i % 2 ? 'agent:triage-bot' : 'user:ann',
      subjectKind: i % 2 ? 'agent' : 'user',
      tool: i < 6 ? 'github.list_issues' : 'petstore.get_pet',
      route: 'pack:x',
      target: 'in-process',
      decision: i === 11 ? 'deny' : 'allow',
      rule: 'r',
      revision: 'rev-7',
      latencyMs: 1,
      status: i === 11 ? 'denied' : 'ok',
      args: { i, password: 'p' },
    });
  }
  await sink.close();
  router = createAdminRouter({
    traces: createTraceReader(db),
    approvals,
    jobs,
    deployments: createDeploymentStore(db.prisma),
    routes: () => ROUTES,
    authorize,
  });
  const app = express();
  app.use(router);
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await jobs?.stop();
  await db?.close();
  await pgDatabase?.drop();
});

async function api(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

describe('OpenAPI document', () => {
  it('is served without a token', async () => {
    const res = await api('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
  });

  it('documents every route of the router, and every documented /v1 operation exists', () => {
    const served = new Set<string>();
    for (const layer of (
      router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }
    ).stack) {
      if (!layer.route) continue;
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      for (const [method, on] of Object.entries(layer.route.methods)) if (on) served.add(`${method} ${path}`);
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(OPENAPI_DOCUMENT.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if ((op as Record<string, unknown>)['x-served-by'] !== 'server') documented.add(`${method} ${path}`);
      }
    }
    expect([...served].sort()).toEqual([...documented].sort());
    expect(served.size).toBeGreaterThanOrEqual(12);
  });
});

describe('authentication and the admin role', () => {
  it.each(['/v1/traces', '/v1/approvals', '/v1/routes', '/v1/jobs', '/v1/deployments'])(
    '%s needs a token',
    async (path) => {
      const res = await api('GET', path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual({
        error: { code: 'unauthorized', message: 'missing or invalid bearer token' },
      });
    },
  );

  it.each(['/v1/traces', '/v1/routes', '/v1/deployments'])('%s needs the admin role', async (path) => {
    const res = await api('GET', path, 'bot-token');
    expect(res.status).toBe(403);
    expect(res.body.error.message).toBe('agent:triage-bot does not hold the admin role');
  });
});

describe('/v1/traces', () => {
  it('pages through traces newest first with redacted arguments', async () => {
    const first = await api('GET', '/v1/traces?limit=5', 'admin-token');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(5);
    expect(first.body.items[0]).toMatchObject({
      time: '2026-11-23T10:11:00.000Z',
      status: 'denied',
      args: { i: 11, password: '[REDACTED]' },
    });
    const seen = [...first.body.items];
    let cursor = first.body.nextCursor;
    while (cursor) {
      const next = await api('GET', `/v1/traces?limit=5&cursor=${encodeURIComponent(cursor)}`, 'admin-token');
      seen.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(seen.map((t) => t.args.i)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
  });

  it('filters by subject, tool, status and time', async () => {
    const q =
      '/v1/traces?subject=agent:triage-bot&tool=petstore.get_pet&from=2026-11-23T10:07:00Z&to=2026-11-23T10:11:00Z';
    const res = await api('GET', q, 'admin-token');
    expect(res.body.items.map((t: { args: { i: number } }) => t.args.i)).toEqual([9, 7]);
    const denied = await api('GET', '/v1/traces?status=denied', 'admin-token');
    expect(denied.body.items.map((t: { args: { i: number } }) => t.args.i)).toEqual([11]);
  });

  it.each([
    [
      'status=maybe',
      'query parameter status: one of ok, error, denied, invalid, rate_limited, no_route, timeout, pending, rejected, expired, unknown_tool',
    ],
    ['from=yesterday', 'query parameter from: not an ISO 8601 date-time'],
    ['limit=0', 'query parameter limit: a positive integer'],
    ['tool=a&tool=b', 'query parameter tool: give it once, as a string'],
    ['cursor=garbage', 'cursor: not a cursor returned by this API'],
  ])('rejects %s with a message naming the parameter', async (query, message) => {
    const res = await api('GET', `/v1/traces?${query}`, 'admin-token');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'bad_request', message } });
  });
});

describe('/v1/approvals', () => {
  const approvalsStore = () => createApprovalStore(db);
  const park = () =>
    approvalsStore().create({
      rule: 'default/approvals/maintainers-close-issues',
      approvers: ['group:maintainers'],
      timeoutSeconds: 3600,
      tool: 'github.close_issue',
      subject: 'agent:triage-bot',
      args: { issue: 1 },
      revision: 'rev-7',
    });

  it('lets an approver named by the rule approve, once', async () => {
    const parked = await park();
    const listed = await api('GET', '/v1/approvals?status=pending', 'mia-token');
    expect(listed.body.items.map((a: { id: string }) => a.id)).toContain(parked.id);
    expect((await api('GET', '/v1/approvals', 'other-token')).body.items).toEqual([]);
    const ok = await api('POST', `/v1/approvals/${parked.id}/decision`, 'mia-token', {
      approve: true,
      reason: 'fine',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      id: parked.id,
      status: 'approved',
      decidedBy: 'user:mia',
      reason: 'fine',
    });
    const again = await api('POST', `/v1/approvals/${parked.id}/decision`, 'mia-token', { approve: false });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('not_pending');
  });

  it("lists a caller's own requests with mine=true (which the approver list never shows it: four eyes)", async () => {
    const parked = await park();
    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((a) => a.id);
    expect(ids(await api('GET', '/v1/approvals?status=pending', 'bot-token'))).not.toContain(parked.id);
    expect(ids(await api('GET', '/v1/approvals?status=pending&mine=true', 'bot-token'))).toContain(parked.id);
    expect(ids(await api('GET', '/v1/approvals?mine=true', 'mia-token'))).not.toContain(parked.id);
    const bad = await api('GET', '/v1/approvals?mine=yes', 'bot-token');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^query parameter mine: one of true, false/);
  });

  it('refuses a decision from someone the rule does not name, and from the caller who asked', async () => {
    const parked = await park();
    const outsider = await api('POST', `/v1/approvals/${parked.id}/decision`, 'admin-token', {
      approve: true,
    });
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.message).toMatch(
      /^user:ada is not an approver of default\/approvals\/maintainers-close-issues/,
    );
    const self = await api('POST', `/v1/approvals/${parked.id}/decision`, 'bot-token', { approve: true });
    expect(self.status).toBe(403);
    expect((await api('GET', `/v1/approvals/${parked.id}`, 'bot-token')).body.status).toBe('pending');
    expect((await api('GET', `/v1/approvals/${parked.id}`, 'other-token')).status).toBe(404);
  });

  it.each([
    [{}, 'request body: approve: required'],
    [{ approve: 'yes' }, 'request body: approve: must be boolean'],
    [{ approve: true, extra: 1 }, 'request body: extra: unknown field'],
    ['{not json', null],
  ])('rejects the decision body %j', async (body, message) => {
    const parked = await park();
    const res = await api('POST', `/v1/approvals/${parked.id}/decision`, 'mia-token', body);
    expect(res.status).toBe(400);
    if (message) expect(res.body.error.message).toBe(message);
    else expect(res.body.error.message).toMatch(/^request body: /);
  });

  it('answers 404 for an unknown approval', async () => {
    const res = await api(
      'POST',
      '/v1/approvals/00000000-0000-4000-8000-000000000000/decision',
      'mia-token',
      { approve: true },
    );
    expect(res.status).toBe(404);
  });

  it('runs the job parked behind an approval as soon as it is approved through the API', async () => {
    const parked = await park();
    const job = await jobs.submit(
      {
        tool: 'github.close_issue',
        arguments: { issue: 1 },
        caller: { subject: 'agent:triage-bot', subjectKind: 'agent', groups: [], claims: {} },
      },
      { approvalId: parked.id },
    );
    await approvalsStore().attachJob(parked.id, job.id);
    expect(
      (await api('POST', `/v1/approvals/${parked.id}/decision`, 'mia-token', { approve: true })).status,
    ).toBe(200);
    await vi.waitFor(
      async () => expect((await api('GET', `/v1/jobs/${job.id}`, 'bot-token')).body.status).toBe('succeeded'),
      {
        timeout: 20_000,
        interval: 100,
      },
    );
  });
});

describe('/v1/jobs', () => {
  it('runs a submitted call for its caller, who can poll it; others cannot see it', async () => {
    const submitted = await api('POST', '/v1/jobs', 'bot-token', {
      tool: 'github.list_issues',
      arguments: { owner: 'acme' },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${submitted.body.id}`);
    expect(submitted.body).toMatchObject({
      status: 'queued',
      tool: 'github.list_issues',
      subject: 'agent:triage-bot',
    });
    await vi.waitFor(
      async () =>
        expect((await api('GET', `/v1/jobs/${submitted.body.id}`, 'bot-token')).body.status).toBe(
          'succeeded',
        ),
      { timeout: 20_000, interval: 100 },
    );
    const done = await api('GET', `/v1/jobs/${submitted.body.id}`, 'bot-token');
    expect(done.body.result).toEqual({
      content: [{ type: 'text', text: 'done' }],
      structuredContent: { owner: 'acme' },
    });
    expect(runner.calls.find((c) => c.context.jobId === submitted.body.id)?.call.caller).toEqual({
      subject: 'agent:triage-bot',
      subjectKind: 'agent',
      groups: [],
      claims: { tier: 'gold' },
      // The job runs in the tenant it was stored in (a repository without tenants: the implicit one).
      tenant: 'default',
    });
    expect(done.body).not.toHaveProperty('claims');
    expect((await api('GET', `/v1/jobs/${submitted.body.id}`, 'other-token')).status).toBe(404);
    expect((await api('GET', `/v1/jobs/${submitted.body.id}`, 'admin-token')).status).toBe(200);
    const mine = await api('GET', '/v1/jobs?subject=agent:triage-bot', 'other-token');
    expect(mine.body.items.every((j: { subject: string }) => j.subject === 'agent:support-bot')).toBe(true);
  });

  it('cancels a running job with PUT, and refuses to cancel a finished one', async () => {
    const submitted = await api('POST', '/v1/jobs', 'other-token', { tool: 'slow.export' });
    await vi.waitFor(
      async () =>
        expect((await api('GET', `/v1/jobs/${submitted.body.id}`, 'other-token')).body.status).toBe(
          'running',
        ),
      { timeout: 20_000, interval: 100 },
    );
    expect(
      (await api('PUT', `/v1/jobs/${submitted.body.id}`, 'bot-token', { status: 'cancelled' })).status,
    ).toBe(404);
    const cancelled = await api('PUT', `/v1/jobs/${submitted.body.id}`, 'other-token', {
      status: 'cancelled',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await api('PUT', `/v1/jobs/${submitted.body.id}`, 'other-token', { status: 'cancelled' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already cancelled/);
  });

  it.each([
    [{ arguments: {} }, 'request body: tool: required'],
    [{ tool: 'bad name!' }, 'request body: tool: must match pattern "^[A-Za-z0-9_.-]{1,64}$"'],
    [{ tool: 'a.b', arguments: [1] }, 'request body: arguments: must be object'],
  ])('rejects the job body %j', async (body, message) => {
    const res = await api('POST', '/v1/jobs', 'bot-token', body);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(message);
  });

  it('refuses a job whose caller claims are too large to keep, storing nothing', async () => {
    const before = await db.prisma.job.count({ where: { subject: 'agent:bloated-bot' } });
    const res = await api('POST', '/v1/jobs', 'bloated-token', { tool: 'github.list_issues' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'claims_too_large',
      message:
        'the token claims the policy reads (note) take 5011 bytes as JSON; a job keeps at most 4096, so this call cannot run asynchronously',
    });
    expect(await db.prisma.job.count({ where: { subject: 'agent:bloated-bot' } })).toBe(before);
  });

  it('accepts only {status: "cancelled"} as an update', async () => {
    const submitted = await api('POST', '/v1/jobs', 'bot-token', { tool: 'github.list_issues' });
    const res = await api('PUT', `/v1/jobs/${submitted.body.id}`, 'bot-token', { status: 'running' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('request body: status: must be "cancelled"');
  });
});

describe('/v1/routes and /v1/deployments', () => {
  it('returns the route table given by the runtime', async () => {
    expect((await api('GET', '/v1/routes', 'admin-token')).body).toEqual(ROUTES);
  });

  it('records deployments and lists them newest first by zone', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const created = await api('POST', '/v1/deployments', 'admin-token', {
      zone: 'dev',
      workload: 'petstore',
      pack: 'petstore',
      version: '1.2.0',
      imageDigest: digest,
      health: 'healthy',
      revision: 'rev-7',
      detail: { ready: 2, desired: 2 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      zone: 'dev',
      imageDigest: digest,
      detail: { ready: 2, desired: 2 },
    });
    await api('POST', '/v1/deployments', 'admin-token', {
      zone: 'prod',
      workload: 'w',
      pack: 'petstore',
      version: '1.1.0',
      health: 'degraded',
    });
    const dev = await api('GET', '/v1/deployments?zone=dev', 'admin-token');
    expect(dev.body.items.map((d: { version: string }) => d.version)).toEqual(['1.2.0']);
    const bad = await api('POST', '/v1/deployments', 'admin-token', {
      zone: 'dev',
      workload: 'w',
      pack: 'p',
      version: '1',
      health: 'healthy',
      imageDigest: 'latest',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      'request body: imageDigest: must match pattern "^sha256:[a-f0-9]{64}$"',
    );
  });
});
