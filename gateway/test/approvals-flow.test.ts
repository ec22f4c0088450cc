/**
 * Approval flow end to end on the real Postgres: an agent's call to a tool with an approval rule is parked,
 * an approver decides, and the call runs (or is refused); a call that outlives the wait gets a job id, and the
 * job runs the call once approved.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../src/approvals/types.ts';
import { jwtAuthenticator } from '../src/auth/authenticator.ts';
import { type RunningGateway, startGateway } from '../src/server/gateway-server.ts';
import { type RunningServer, startPackServer } from '../src/server/pack-server.ts';
import { openPersistence, type Persistence } from '../src/server/persistence.ts';
import { type FakeUpstream, json, startFakeUpstream } from './helpers/fake-upstream.ts';
import { AUDIENCE, ISSUER, testIssuer } from './helpers/jwt.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';
import { createScratchDatabase } from './helpers/scratch-database.ts';
import { WIDGETS_SECRET_ENV, widgetsPack } from './helpers/test-pack.ts';
import { testBundle, testModel } from './helpers/test-zone.ts';
import { startThirdParty, type ThirdParty } from './helpers/third-party-server.ts';

const secrets = (name: string) => (name === WIDGETS_SECRET_ENV ? 'upstream-secret' : undefined);
const MAINTAINER = { subject: 'user:mona', principals: ['user:mona', 'group:maintainers'] };

let upstream: FakeUpstream;
let packServer: RunningServer;
let partner: ThirdParty;
let persistence: Persistence;
let gateway: RunningGateway;
let alice: Client;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  upstream.routes.set('POST /api/widgets', (req, res) =>
    json(res, 201, { id: 'w2', ...JSON.parse(req.body) }),
  );
  packServer = await startPackServer({
    packs: [widgetsPack(upstream.url)],
    environment: 'dev',
    secrets,
    allowPrivateNetworks: true,
    port: 0,
  });
  partner = await startThirdParty();
  scratch = await createScratchDatabase();
  persistence = await openPersistence({
    databaseUrl: scratch.url,
    dataDir: 'unused',
    log: () => {},
    jobPollingIntervalSeconds: 0.5,
  });
  const issuer = await testIssuer();
  const { bundle, policy } = testBundle(testModel(widgetsPack(upstream.url), partner.url), packServer.url);
  gateway = await startGateway({
    bundle,
    policy,
    authenticator: jwtAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks }),
    traces: persistence.traces,
    approvals: persistence.approvals,
    jobs: persistence.jobs,
    adminSubjects: [],
    secrets,
    approvalWaitMs: 4000,
    port: 0,
    routeOptions: { healthIntervalMs: 0, remoteCheckIntervalMs: 0 },
  });
  await persistence.attachRunner(() => gateway.catalog);
  alice = await connectClient(gateway.url, 'modern', await issuer.sign({ sub: 'alice' }));
});

afterAll(async () => {
  await alice?.close();
  await gateway?.close();
  await persistence?.close();
  await scratch?.drop();
  await packServer?.close();
  await partner?.close();
  await upstream?.close();
});

async function nextPending(): Promise<ApprovalRequest> {
  for (;;) {
    const page = await persistence.approvals.list({ status: 'pending' });
    const found = page.items[0];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function traceRows(tool: string) {
  await persistence.traces.flush();
  return persistence.db.prisma.trace.findMany({ where: { tool }, orderBy: { time: 'asc' } });
}

describe('approval flow', () => {
  it('parks the call until an approver approves, then runs it and returns the result', async () => {
    const call = alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } });
    const pending = await nextPending();
    expect(pending).toMatchObject({
      tool: 'widgets.create_widget',
      subject: 'user:alice',
      approvers: ['group:maintainers'],
    });
    const decided = await persistence.approvals.decide(pending.id, { approve: true, approver: MAINTAINER });
    expect(decided.ok).toBe(true);
    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 'w2', name: 'bolt' });
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const rows = await traceRows('widgets.create_widget');
    expect(rows.map((r) => [r.decision, r.rule, r.status])).toEqual([
      ['approval', 'test/approvals/widget-creation', 'ok'],
    ]);
  });

  it('refuses the call when the approver rejects it, and sends nothing upstream', async () => {
    upstream.requests.length = 0;
    const call = alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'nut' } });
    const pending = await nextPending();
    await persistence.approvals.decide(pending.id, {
      approve: false,
      approver: MAINTAINER,
      reason: 'not today',
    });
    const result = await call;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(`approval ${pending.id} was rejected by user:mona: not today`);
    expect(upstream.requests).toEqual([]);
  });

  it('gives the agent a job id when the decision outlives the request, and runs the job once approved', async () => {
    upstream.requests.length = 0;
    const result = await alice.callTool({ name: 'widgets.create_widget', arguments: { name: 'gear' } });
    const pendingResult = result.structuredContent as { status: string; jobId: string; approvalId: string };
    expect(pendingResult.status).toBe('pending');
    expect(textOf(result)).toContain(`poll GET /v1/jobs/${pendingResult.jobId}`);
    expect((await persistence.jobs.get(pendingResult.jobId))?.status).toBe('waiting_approval');
    expect(upstream.requests).toEqual([]);

    await persistence.approvals.decide(pendingResult.approvalId, { approve: true, approver: MAINTAINER });
    await persistence.jobs.settleApprovals();
    let job = await persistence.jobs.get(pendingResult.jobId);
    while (job && job.status !== 'succeeded' && job.status !== 'failed') {
      await new Promise((r) => setTimeout(r, 100));
      job = await persistence.jobs.get(pendingResult.jobId);
    }
    expect(job?.status).toBe('succeeded');
    expect(job?.result?.structuredContent).toEqual({ id: 'w2', name: 'gear' });
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const rows = await traceRows('widgets.create_widget');
    expect(rows.slice(-2).map((r) => r.status)).toEqual(['pending', 'ok']);
  }, 60_000);
});
