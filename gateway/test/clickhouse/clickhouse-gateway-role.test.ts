/**
 * RAKU_CLICKHOUSE_URL in the gateway role, started as main.ts starts it (startGatewayRole, from environment
 * variables and a bundle file): a tool call's trace reaches ClickHouse as well as Postgres. The persistence
 * tests open the stores directly; this one proves the role hands the settings to them.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayRole } from '../../src/server/gateway-roles.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';
import { ALL_TENANTS } from '../../src/tenancy/scope.ts';
import type { ClickHouseStore } from '../../src/traces/clickhouse-store.ts';
import { connectClient, textOf } from '../helpers/mcp-client.ts';
import { type RedisGatewayRole, setUpRedisGatewayRole } from '../helpers/redis-gateway-role.ts';
import { openTestStore, startClickHouse, type TestClickHouse } from './helpers/clickhouse-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

let clickhouse: TestClickHouse;
let role: RedisGatewayRole;
let store: ClickHouseStore | undefined;

beforeAll(async () => {
  [clickhouse, role] = await Promise.all([startClickHouse(), setUpRedisGatewayRole('ch-role')]);
}, 120_000);

afterAll(async () => {
  await store?.close();
  await role?.close();
  await clickhouse?.stop();
});

describe('the gateway role with RAKU_CLICKHOUSE_URL', () => {
  it('writes each call’s trace to ClickHouse as well as Postgres (RAKU_TRACE_STORE defaults to both)', async () => {
    const database = `raku_role_${randomBytes(4).toString('hex')}`;
    const env = { ...role.env, RAKU_CLICKHOUSE_URL: clickhouse.url, RAKU_CLICKHOUSE_DATABASE: database };
    const options = parseRuntimeOptions(env, [], ROOT);
    expect(options.traceStore).toBe('both');
    const gateway = await startGatewayRole(options, () => {});
    // TEST_POLICY lets agent:spammer call the widgets tool (twice an hour).
    const token = await role.parts.issuer.sign({ sub: 'spammer', agent: true });
    const client = await connectClient(gateway.url, 'modern', token);
    try {
      const answer = await client.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(textOf(answer)).toBe('{"id":"w1"}');
    } finally {
      await client.close();
      await gateway.close(); // flushes the trace sink into both stores
    }
    store = await openTestStore(clickhouse.url, database);
    const page = await store.reader.list(ALL_TENANTS, { zone: role.zone });
    expect(page.items.map((t) => [t.tool, t.status, t.subject])).toEqual([
      ['widgets.get_widget', 'ok', 'agent:spammer'],
    ]);
  }, 120_000);
});
