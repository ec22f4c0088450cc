/**
 * REDIS_URL wires the tool cache as main.ts starts the gateway role (startGatewayRole, from environment
 * variables and a bundle file): two replicas share entries under `raku:cache:<zone>:`, and the trace the
 * second replica writes to Postgres names the cache as its target.
 */
import path from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayRole } from '../../src/server/gateway-roles.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import { connectClient, textOf } from '../helpers/mcp-client.ts';
import { REDIS, type RedisGatewayRole, setUpRedisGatewayRole } from '../helpers/redis-gateway-role.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

let role: RedisGatewayRole;

beforeAll(async () => {
  role = await setUpRedisGatewayRole('cache', (bundle) => {
    const tool = bundle.tools.find((t) => t.name === 'widgets.get_widget')!;
    tool.definition!.cache = { ttlSeconds: 300 };
  });
}, 60_000);

afterAll(async () => {
  await role?.close();
});

describe('gateway replicas with REDIS_URL', () => {
  it('share the tool cache: replica B answers from the entry replica A stored, and traces it', async () => {
    const options = parseRuntimeOptions(role.env, [], ROOT);
    const replicas = [await startGatewayRole(options, () => {}), await startGatewayRole(options, () => {})];
    const token = await role.parts.issuer.sign({ sub: 'bot', agent: true });
    const clients = await Promise.all(replicas.map((r) => connectClient(r.url, 'modern', token)));
    const redis = createClient({ url: REDIS });
    await redis.connect();
    try {
      for (const client of clients) {
        const result = await client.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
        expect(textOf(result)).toBe('{"id":"w1"}');
      }
      expect(role.parts.upstream.requests).toHaveLength(1);
      expect(await redis.keys(`raku:cache:${role.zone}:*`)).toHaveLength(1);
    } finally {
      await redis.close();
      await Promise.all(clients.map((c) => c.close()));
      for (const r of replicas) await r.close(); // closing flushes the trace sinks
    }
    const db = new pg.Client({ connectionString: role.scratch.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT subject, status, route, target FROM traces ORDER BY time, target DESC',
      );
      expect(rows.map((r) => r.target === 'cache')).toEqual([false, true]);
      expect(rows[1]).toEqual({
        subject: 'agent:bot',
        status: 'ok',
        route: 'pack:widgets@1.0.0',
        target: 'cache',
      });
    } finally {
      await db.end();
    }
  }, 60_000);
});
