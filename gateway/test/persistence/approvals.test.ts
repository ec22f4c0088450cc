import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalStore } from '../../src/approvals/approval-store.ts';
import { argsHash } from '../../src/approvals/args-hash.ts';
import type { ApprovalStore, Approver, CreateApprovalInput } from '../../src/approvals/types.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import { REDACTED } from '../../src/traces/redaction.ts';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.ts';

/** Starting PGlite (initdb in WASM) takes tens of seconds on a loaded 2-core machine. */
const PGLITE_START_MS = 180_000;

const maintainer: Approver = {
  subject: 'user:mia',
  principal: '["https://auth.example","mia"]',
  principals: ['user:mia', 'group:maintainers'],
};
const outsider: Approver = {
  subject: 'user:olly',
  principal: '["https://auth.example","olly"]',
  principals: ['user:olly', 'group:engineering'],
};

function request(extra: Partial<CreateApprovalInput> = {}): CreateApprovalInput {
  return {
    rule: 'default/approvals/maintainers-close-issues',
    approvers: ['group:maintainers'],
    timeoutSeconds: 3600,
    tool: 'github.close_issue',
    subject: 'agent:triage-bot',
    principal: '["https://auth.example","triage-bot"]',
    args: { owner: 'acme', repo: 'web', issue: 7, token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    inputSchema: { type: 'object', properties: { repo: { type: 'string', 'x-sensitive': true } } },
    revision: 'rev-1',
    ...extra,
  };
}

let pgDatabase: TestDatabase;
beforeAll(async () => {
  pgDatabase = await createTestDatabase();
});
afterAll(async () => {
  await pgDatabase?.drop();
});

function approvalSuite(kind: string, open: () => Promise<Database>) {
  describe(`approval store on ${kind}`, () => {
    let db: Database;
    let store: ApprovalStore;
    let clock = new Date('2026-11-23T12:00:00Z');
    beforeAll(async () => {
      db = await open();
      await db.migrate();
      store = createApprovalStore(db, { pollIntervalMs: 20, now: () => clock });
    }, PGLITE_START_MS);
    afterAll(async () => {
      await db?.close();
    });

    it('parks a call as pending with redacted arguments and an expiry from the rule', async () => {
      const created = await store.create(request());
      expect(created).toMatchObject({
        status: 'pending',
        rule: 'default/approvals/maintainers-close-issues',
        approvers: ['group:maintainers'],
        tool: 'github.close_issue',
        subject: 'agent:triage-bot',
        principal: '["https://auth.example","triage-bot"]',
        args: { owner: 'acme', repo: REDACTED, issue: 7, token: REDACTED },
        argsHash: argsHash(request().args),
        maskedPaths: ['/repo', '/token'],
        truncated: [],
        decidedBy: null,
        jobId: null,
      });
      expect(created.expiresAt.getTime() - created.createdAt.getTime()).toBe(3_600_000);
      expect(await store.get(ALL_TENANTS, created.id)).toEqual(created);
    });

    it('lets only an approver named by the rule decide, never the caller itself', async () => {
      const created = await store.create(request({ approvers: ['group:maintainers', 'agent:triage-bot'] }));
      const byOutsider = await store.decide(ALL_TENANTS, created.id, { approve: true, approver: outsider });
      expect(byOutsider).toEqual({
        ok: false,
        code: 'forbidden',
        message:
          'user:olly is not an approver of default/approvals/maintainers-close-issues (approvers: group:maintainers, agent:triage-bot)',
      });
      const bySelf = await store.decide(ALL_TENANTS, created.id, {
        approve: true,
        approver: { subject: 'agent:triage-bot', principals: ['agent:triage-bot'] },
      });
      expect(bySelf).toMatchObject({ ok: false, code: 'forbidden' });
      // The same principal as a user with the approvers' group is still the caller (four eyes by principal).
      const byTwin = await store.decide(ALL_TENANTS, created.id, {
        approve: true,
        approver: {
          subject: 'user:triage-bot',
          principal: '["https://auth.example","triage-bot"]',
          principals: ['user:triage-bot', 'group:maintainers'],
        },
      });
      expect(byTwin).toEqual({
        ok: false,
        code: 'forbidden',
        message: 'user:triage-bot asked for this call and cannot approve it themselves',
      });
      expect((await store.get(ALL_TENANTS, created.id))?.status).toBe('pending');
      const approved = await store.decide(ALL_TENANTS, created.id, {
        approve: true,
        approver: maintainer,
        reason: 'looks right',
      });
      expect(approved).toMatchObject({
        ok: true,
        request: { status: 'approved', decidedBy: 'user:mia', reason: 'looks right', decidedAt: clock },
      });
      const again = await store.decide(ALL_TENANTS, created.id, { approve: false, approver: maintainer });
      expect(again).toEqual({
        ok: false,
        code: 'not_pending',
        message: `approval ${created.id} was already approved`,
      });
    });

    it('shows the approver the arguments whole, secrets masked and listed, e-mail addresses kept', async () => {
      const long = 'x'.repeat(5000);
      const args = {
        to: 'ann@example.com',
        body: long,
        headers: { Authorization: 'Bearer abcdefghijklmnop' },
        note: 'call https://api.example.com/x?access_token=abc123def&y=1',
      };
      const created = await store.create(request({ args, inputSchema: undefined }));
      expect(created.args).toEqual({
        to: 'ann@example.com',
        body: long,
        headers: { Authorization: REDACTED },
        note: `call https://api.example.com/x?access_token=${REDACTED}&y=1`,
      });
      expect(created.maskedPaths).toEqual(['/headers/Authorization', '/note']);
      expect(created.truncated).toEqual([]);
      expect(created.argsHash).toBe(argsHash(args));
    });

    it('says how much it cut when a value is too large to show', async () => {
      const created = await store.create(
        request({ args: { blob: 'y'.repeat(70_000) }, inputSchema: undefined }),
      );
      expect(created.truncated).toEqual([{ path: '/blob', omittedCharacters: 70_000 - 65_536 }]);
    });

    it('runs an approved call only with arguments of the approved hash, for the approved tool', async () => {
      const args = { owner: 'acme', labels: ['a', 'b'], n: 1 };
      const created = await store.create(request({ args }));
      expect(await store.checkApproved(created.id, { tool: 'github.close_issue', args })).toEqual({
        ok: false,
        message: `approval ${created.id} is pending`,
      });
      await store.decide(ALL_TENANTS, created.id, { approve: true, approver: maintainer });
      const reordered = { n: 1, labels: ['a', 'b'], owner: 'acme' };
      expect(await store.checkApproved(created.id, { tool: 'github.close_issue', args: reordered })).toEqual({
        ok: true,
      });
      const changed = await store.checkApproved(created.id, {
        tool: 'github.close_issue',
        args: { ...args, owner: 'evil' },
      });
      expect(changed).toMatchObject({
        ok: false,
        message: expect.stringContaining('differ from those approved'),
      });
      expect(await store.checkApproved(created.id, { tool: 'github.delete_repo', args })).toEqual({
        ok: false,
        message: `approval ${created.id} is for github.close_issue, not github.delete_repo`,
      });
    });

    it('refuses a decision on arguments other than those shown (argsHash)', async () => {
      const created = await store.create(request());
      const stale = await store.decide(ALL_TENANTS, created.id, {
        approve: true,
        approver: maintainer,
        argsHash: argsHash({ other: true }),
      });
      expect(stale).toMatchObject({ ok: false, code: 'args_mismatch' });
      const bound = await store.decide(ALL_TENANTS, created.id, {
        approve: true,
        approver: maintainer,
        argsHash: created.argsHash!,
      });
      expect(bound).toMatchObject({ ok: true, request: { status: 'approved' } });
    });

    it('records a rejection with its reason', async () => {
      const created = await store.create(request());
      const rejected = await store.decide(ALL_TENANTS, created.id, {
        approve: false,
        approver: maintainer,
        reason: 'wrong repo',
      });
      expect(rejected).toMatchObject({ ok: true, request: { status: 'rejected', reason: 'wrong repo' } });
    });

    it('answers not_found for unknown and malformed ids', async () => {
      expect(
        await store.decide(ALL_TENANTS, '3f8a6a3e-0000-4000-8000-000000000000', {
          approve: true,
          approver: maintainer,
        }),
      ).toMatchObject({ ok: false, code: 'not_found' });
      expect(
        await store.decide(ALL_TENANTS, '../../etc', { approve: true, approver: maintainer }),
      ).toMatchObject({
        ok: false,
        code: 'not_found',
      });
      expect(await store.get(ALL_TENANTS, 'nope')).toBeNull();
    });

    it('expires a request after the rule timeout; an expired request cannot be approved', async () => {
      const created = await store.create(request({ timeoutSeconds: 60 }));
      clock = new Date(clock.getTime() + 61_000);
      expect(await store.decide(ALL_TENANTS, created.id, { approve: true, approver: maintainer })).toEqual({
        ok: false,
        code: 'expired',
        message: `approval ${created.id} has expired`,
      });
      expect((await store.get(ALL_TENANTS, created.id))?.status).toBe('expired');
    });

    it('expireDue expires every overdue pending request and nothing else', async () => {
      const a = await store.create(request({ timeoutSeconds: 10 }));
      const b = await store.create(request({ timeoutSeconds: 10 }));
      const later = await store.create(request({ timeoutSeconds: 1000 }));
      clock = new Date(clock.getTime() + 11_000);
      expect(await store.expireDue()).toBeGreaterThanOrEqual(2);
      expect((await store.get(ALL_TENANTS, a.id))?.status).toBe('expired');
      expect((await store.get(ALL_TENANTS, b.id))?.status).toBe('expired');
      expect((await store.get(ALL_TENANTS, later.id))?.status).toBe('pending');
    });

    it('waits for a decision, bounded: still pending when the bound passes', async () => {
      const created = await store.create(request());
      const waited = await store.waitForDecision(created.id, { timeoutMs: 30 });
      expect(waited.status).toBe('pending');
    });

    it('wakes a waiter when the decision is taken', async () => {
      const created = await store.create(request());
      const waiting = store.waitForDecision(created.id, { timeoutMs: 60_000 });
      await store.decide(ALL_TENANTS, created.id, { approve: true, approver: maintainer });
      expect((await waiting).status).toBe('approved');
    });

    it('sees a decision taken through another store instance (another replica)', async () => {
      const other = createApprovalStore(db, { pollIntervalMs: 20, now: () => clock });
      const created = await store.create(request());
      const waiting = store.waitForDecision(created.id, { timeoutMs: 60_000 });
      await other.decide(ALL_TENANTS, created.id, { approve: false, approver: maintainer });
      expect((await waiting).status).toBe('rejected');
    });

    it('returns when the wait is aborted', async () => {
      const created = await store.create(request());
      const controller = new AbortController();
      const waiting = store.waitForDecision(created.id, { timeoutMs: 60_000, signal: controller.signal });
      controller.abort();
      expect((await waiting).status).toBe('pending');
    });

    it('gives exactly one outcome when approvers race', async () => {
      const created = await store.create(request());
      const second: Approver = {
        subject: 'user:max',
        principal: '["https://auth.example","max"]',
        principals: ['user:max', 'group:maintainers'],
      };
      const results = await Promise.all(
        [maintainer, second, maintainer, second].map((approver, i) =>
          store.decide(ALL_TENANTS, created.id, { approve: i % 2 === 0, approver }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('lists newest first in cursor pages, filtered by status and by who may decide', async () => {
      clock = new Date(clock.getTime() + 1_000); // newest by time: ties are ordered by id
      const mine = await store.create(request({ rule: 'list-test', approvers: ['user:lou'] }));
      const lou: Approver = {
        subject: 'user:lou',
        principal: '["https://auth.example","lou"]',
        principals: ['user:lou'],
      };
      const forLou = await store.list(ALL_TENANTS, { approver: lou, status: 'pending' });
      expect(forLou.items.map((r) => r.id)).toEqual([mine.id]);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list(ALL_TENANTS, { limit: 3, cursor });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen[0]).toBe(mine.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await db.prisma.approval.count());
    });
  });
}

approvalSuite('Postgres', () => createDatabase({ url: pgDatabase.url }));
approvalSuite('PGlite', () => createDatabase({ dataDir: 'memory://' }));
