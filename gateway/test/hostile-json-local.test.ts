/**
 * Issue 11, item 1 in local mode (`npm start`): a tools/call whose arguments nest 4,300 levels deep made the
 * process exit shortly after it was answered (JSON.stringify in the trace writer). Now it is refused, the
 * process keeps serving, and both that call and the next one are traced in the embedded database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalGateway, startLocal } from '../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../src/server/options.ts';
import { nestedText } from './helpers/hostile-json.ts';
import { connectClient, ERAS, textOf } from './helpers/mcp-client.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let local: LocalGateway;
let tokenRoot: string;

beforeAll(async () => {
  tokenRoot = mkdtempSync(path.join(tmpdir(), 'raku-local-hostile-'));
  const options = parseRuntimeOptions(
    { RAKU_ROOT: ROOT, RAKU_DATA_DIR: 'memory://', PORT: '0' },
    ['local'],
    tokenRoot,
  );
  local = await startLocal(options, { log: () => {}, revision: 'test' });
}, 180_000);

afterAll(async () => {
  await local?.close();
  rmSync(tokenRoot, { recursive: true, force: true });
});

it.each(ERAS)(
  'refuses a 4,300-deep arguments object in local mode (%s), keeps serving, and traces both calls',
  async (era) => {
    const prisma = local.persistence.db.prisma;
    await local.persistence.traces.flush();
    await prisma.trace.deleteMany({});
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${local.token}`,
      'mcp-protocol-version': era === 'modern' ? '2026-07-28' : '2025-11-25',
    };
    const meta =
      era === 'modern'
        ? ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}'
        : '';
    if (era === 'modern')
      Object.assign(headers, { 'mcp-method': 'tools/call', 'mcp-name': 'petstore.get_pet' });
    const response = await fetch(local.url, {
      method: 'POST',
      headers,
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"petstore.get_pet","arguments":${nestedText(4300)}${meta}}}`,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32602,
        message:
          'Invalid params: the request nests 4302 levels deep; the limit is 128 levels (RAKU_JSON_MAX_DEPTH)',
      },
    });
    // The trace writer runs after the answer: give it its turn, then the process must still serve.
    await local.persistence.traces.flush();
    const client = await connectClient(local.url, era, local.token);
    const next = await client.callTool({ name: 'petstore.get_pet', arguments: { petId: 'seven' } });
    await client.close();
    expect(textOf(next)).toBe('invalid arguments for petstore.get_pet: /petId must be integer');
    await local.persistence.traces.flush();
    const rows = await prisma.trace.findMany({ orderBy: { time: 'asc' } });
    expect(rows.map((r) => [r.tool, r.status, r.args])).toEqual([
      ['petstore.get_pet', 'invalid', { $raku: 'truncated', reason: 'depth', bytes: rows[0]!.argsBytes }],
      ['petstore.get_pet', 'invalid', { petId: 'seven' }],
    ]);
    expect(local.persistence.traces.stats().dropped).toBe(0);
  },
  60_000,
);
