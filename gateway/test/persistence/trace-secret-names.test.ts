/**
 * The values of a pack's own credential names (an apiKey header can be called anything) are masked in the
 * stored trace wherever they appear: the bundle's `secretNames` reach the trace sink (issue 11, item 8).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';

const SECRET = 'violet-harbour-42';
let dir: string;
let persistence: Persistence;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'raku-secret-names-'));
  persistence = await openPersistence({
    databaseUrl: undefined,
    dataDir: path.join(dir, 'pglite'),
    log: () => {},
    secretNames: ['X-Acme-Gate'],
  });
}, 60_000);

afterAll(async () => {
  await persistence?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trace secret names', () => {
  it("masks the value of a pack's declared credential name in arguments, results and errors", async () => {
    persistence.traces.record({
      time: new Date(),
      subject: 'user:alice',
      subjectKind: 'user',
      tool: 'acme.echo',
      route: null,
      target: null,
      decision: 'allow',
      rule: null,
      revision: 'r',
      latencyMs: 1,
      status: 'error',
      args: { 'x-acme-gate': SECRET },
      result: { echoed: { headers: { 'X-Acme-Gate': SECRET } }, text: `X-Acme-Gate: ${SECRET}` },
      error: `upstream said x-acme-gate=${SECRET}`,
    });
    await persistence.traces.flush();
    const [row] = await persistence.db.prisma.trace.findMany({ where: { tool: 'acme.echo' } });
    expect(row).toBeDefined();
    expect(JSON.stringify(row)).not.toContain(SECRET);
  });
});
