/**
 * A policy that allows tools only for a token claim (tier = gold), end to end: JWTs verified by the gateway,
 * the admin API, the job queue on a real database (PGlite and the machine's Postgres), the pack server and a
 * fake upstream. An async job (POST /v1/jobs) and a call parked for approval that runs later as a job must
 * be decided with the caller's claims exactly as the same call made synchronously.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../generator/config/src/model/types.ts';
import type { RunningGateway } from '../src/server/gateway-server.ts';
import type { Persistence } from '../src/server/persistence.ts';
import type { FakeUpstream } from './helpers/fake-upstream.ts';
import { type GatewayStack, startGatewayStack } from './helpers/gateway-stack.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const START_MS = 180_000;

const GOLD_ONLY: Policy = {
  name: 'claims',
  roles: [
    { name: 'reader', tools: ['widgets.get_*'] },
    { name: 'writer', tools: ['widgets.create_widget'] },
  ],
  bindings: [
    { role: 'reader', subjects: ['*'], when: [{ field: 'claims.tier', equals: 'gold' }] },
    { role: 'writer', subjects: ['*'], when: [{ field: 'claims.tier', equals: 'gold' }] },
  ],
  approvals: [
    {
      name: 'widget-creation',
      tools: ['widgets.create_widget'],
      approvers: ['group:maintainers'],
      timeoutSeconds: 600,
    },
  ],
};

interface ApiBody {
  id?: string;
  status?: string;
  error?: string | null;
  result?: { structuredContent?: unknown };
}

function claimsSuite(kind: 'PGlite' | 'Postgres') {
  describe(`claim-based policy for jobs on ${kind}`, () => {
    let stack: GatewayStack;
    let upstream: FakeUpstream;
    let persistence: Persistence;
    let gateway: RunningGateway;
    let base: string;
    const tokens: Record<'gold' | 'silver' | 'none' | 'maintainer', string> = {
      gold: '',
      silver: '',
      none: '',
      maintainer: '',
    };
    const clients: Client[] = [];

    beforeAll(async () => {
      // Short approval wait: the approval test needs the call to outlive it and become a job.
      stack = await startGatewayStack({ database: kind, approvalWaitMs: 200, policies: [GOLD_ONLY] });
      ({ upstream, persistence, gateway, base } = stack);
      const { issuer } = stack;
      tokens.gold = await issuer.sign({ sub: 'gail', tier: 'gold', email: 'gail@acme.io' });
      tokens.silver = await issuer.sign({ sub: 'sam', tier: 'silver' });
      tokens.none = await issuer.sign({ sub: 'nia' });
      tokens.maintainer = await issuer.sign({ sub: 'mona', groups: ['maintainers'] });
    }, START_MS);

    afterAll(async () => {
      for (const client of clients) await client.close();
      await stack?.close();
    });

    async function api(method: string, path: string, token: string, body?: unknown) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as ApiBody };
    }

    async function settledJob(id: string, token: string): Promise<ApiBody> {
      for (;;) {
        const { json: job } = await api('GET', `/v1/jobs/${id}`, token);
        if (['succeeded', 'failed', 'cancelled'].includes(job.status ?? '')) return job;
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    async function submitAndSettle(token: string, tool: string, args: Record<string, unknown>) {
      const submitted = await api('POST', '/v1/jobs', token, { tool, arguments: args });
      expect(submitted.status).toBe(202);
      return settledJob(String(submitted.json.id), token);
    }

    async function callNow(token: string, tool: string, args: Record<string, unknown>) {
      const client = await connectClient(gateway.url, 'modern', token);
      clients.push(client);
      return client.callTool({ name: tool, arguments: args });
    }

    it('runs the job of a caller whose token has the claim, as the synchronous call', async () => {
      const job = await submitAndSettle(tokens.gold, 'widgets.get_widget', { id: 'w1' });
      expect(job).toMatchObject({
        status: 'succeeded',
        error: null,
        result: { structuredContent: { id: 'w1' } },
      });
      const now = await callNow(tokens.gold, 'widgets.get_widget', { id: 'w1' });
      expect(now.isError).toBeFalsy();
      expect(now.structuredContent).toEqual({ id: 'w1' });
    }, 60_000);

    it('denies the job of a caller with another claim value or none, with the same reason as the call', async () => {
      for (const [token, who] of [
        [tokens.silver, 'user:sam'],
        [tokens.none, 'user:nia'],
      ] as const) {
        const job = await submitAndSettle(token, 'widgets.get_widget', { id: 'w1' });
        const now = await callNow(token, 'widgets.get_widget', { id: 'w1' });
        expect(job.status).toBe('failed');
        expect(job.error).toMatch(
          new RegExp(`^call denied: ${who} may not call widgets.get_widget in dev: `),
        );
        expect(now.isError).toBe(true);
        expect(job.error).toBe(textOf(now));
      }
    }, 60_000);

    it('runs an approved call with the claims of the caller who made it, keeping only those claims', async () => {
      const requestsBefore = upstream.requests.filter((r) => r.method === 'POST').length;
      const parked = await callNow(tokens.gold, 'widgets.create_widget', { name: 'gear' });
      const pending = parked.structuredContent as { status: string; jobId: string; approvalId: string };
      expect(pending.status).toBe('pending');
      const row = await persistence.db.prisma.job.findUniqueOrThrow({ where: { id: pending.jobId } });
      expect(row.status).toBe('waiting_approval');
      expect(row.claims, 'only the claim the policy reads: not sub, email, iat, exp or the token').toEqual({
        tier: 'gold',
      });
      const stored = JSON.stringify(row);
      for (const part of tokens.gold.split('.')) expect(stored).not.toContain(part);
      expect(stored).not.toContain('gail@acme.io');

      // The approver holds no claim; the call still runs as its caller.
      const decided = await api('POST', `/v1/approvals/${pending.approvalId}/decision`, tokens.maintainer, {
        approve: true,
      });
      expect(decided.status).toBe(200);
      const job = await settledJob(pending.jobId, tokens.gold);
      expect([job.status, job.error]).toEqual(['succeeded', null]);
      expect(job.result?.structuredContent).toEqual({ id: 'w2', name: 'gear' });
      expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(requestsBefore + 1);
      const finished = await persistence.db.prisma.job.findUniqueOrThrow({ where: { id: pending.jobId } });
      expect(finished.claims, 'claims are cleared once the job finished').toEqual({});
    }, 60_000);
  });
}

claimsSuite('PGlite');
claimsSuite('Postgres');
