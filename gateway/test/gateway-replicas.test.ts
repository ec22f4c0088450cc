/**
 * REDIS_URL in the gateway role (issue 11, item 4): two replicas started as main.ts starts them
 * (startGatewayRole, from environment variables and a bundle file) against one real Redis share one rate
 * limit, and an unreachable Redis fails the start with one line saying what to do (exit 1 as a process).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUserError } from '../../generator/config/src/errors.ts';
import { startGatewayRole } from '../src/server/gateway-roles.ts';
import { parseRuntimeOptions } from '../src/server/options.ts';
import type { FakeUpstream } from './helpers/fake-upstream.ts';
import type { testIssuer } from './helpers/jwt.ts';
import { connectClient, textOf } from './helpers/mcp-client.ts';
import { type RedisGatewayRole, setUpRedisGatewayRole } from './helpers/redis-gateway-role.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

let upstream: FakeUpstream;
let issuer: Awaited<ReturnType<typeof testIssuer>>;
let role: RedisGatewayRole;
let env: Record<string, string>;

beforeAll(async () => {
  role = await setUpRedisGatewayRole('replicas');
  ({ upstream, issuer } = role.parts);
  env = role.env;
}, 60_000);

afterAll(async () => {
  await role?.close();
});

/**
 * Returns once the current window of a `windowSeconds` rate limit has at least `needMs` left, waiting for the
 * next window if need be. The limiter counts in fixed windows aligned to the epoch on the machine's clock
 * (startGatewayRole, as main.ts starts it, takes no other): calls made across the turn of a window are counted
 * in two, and the call that should be refused passes.
 */
async function windowWithTimeLeft(windowSeconds: number, needMs: number): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe('gateway replicas with REDIS_URL', () => {
  it('share one rate limit through Redis: the third call is refused whichever replica gets it', async () => {
    const log = () => {};
    const options = parseRuntimeOptions(env, [], ROOT);
    const replicas = [await startGatewayRole(options, log), await startGatewayRole(options, log)];
    const token = await issuer.sign({ sub: 'spammer', agent: true });
    const clients = await Promise.all(replicas.map((r) => connectClient(r.url, 'modern', token)));
    try {
      // TEST_POLICY's spam-guard: at most 2 calls per 3600 s for agent:spammer.
      await windowWithTimeLeft(3600, 20_000);
      const texts: string[] = [];
      for (const i of [0, 1, 0, 1]) {
        texts.push(
          textOf(await clients[i]!.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } })),
        );
      }
      expect(texts).toEqual([
        '{"id":"w1"}',
        '{"id":"w1"}',
        'rate limit exceeded: at most 2 calls per 3600 s (test/rateLimits/spam-guard)',
        'rate limit exceeded: at most 2 calls per 3600 s (test/rateLimits/spam-guard)',
      ]);
      expect(upstream.requests).toHaveLength(2);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      for (const r of replicas) await r.close();
    }
  }, 90_000);

  it('refuses to start when Redis cannot be reached, with one line saying what to do', async () => {
    const options = parseRuntimeOptions({ ...env, REDIS_URL: 'redis://127.0.0.1:1' }, [], ROOT);
    const err = await startGatewayRole(options, () => {}).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect((err as Error).message).toBe(
      'REDIS_URL: cannot connect to Redis (connect ECONNREFUSED 127.0.0.1:1): start Redis or correct REDIS_URL, or unset it to count rate limits per replica',
    );
  });

  it('exits 1 with that line and no stack when the gateway process cannot reach Redis', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gateway/src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'], ...env, REDIS_URL: 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('close', r)).finally(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      / error: REDIS_URL: cannot connect to Redis \(connect ECONNREFUSED 127\.0\.0\.1:1\): /,
    );
  }, 60_000);
});
