/**
 * The route table tells of changes to its report (the source of `routes` events): a breaker that moves, a
 * pack server's health that flips; not a health check that finds what it found before.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteTable } from '../../src/routing/route-table.ts';
import { widgetsPack } from '../helpers/test-pack.ts';
import { testBundle, testModel } from '../helpers/test-zone.ts';

let ready = 200;
let server: http.Server;
let packUrl: string;

beforeAll(async () => {
  // A pack server's /readyz whose answer the test sets.
  server = http.createServer((_req, res) => {
    res.writeHead(ready).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  packUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function table(onChange: () => void): RouteTable {
  const { bundle } = testBundle(
    testModel(widgetsPack('http://upstream.test'), 'http://partner.test/mcp'),
    packUrl,
  );
  return new RouteTable({
    bundle,
    secrets: () => undefined,
    breaker: { failureThreshold: 1 },
    healthIntervalMs: 0,
    onChange,
  });
}

describe('route table changes', () => {
  it('tells when a breaker opens and closes again', async () => {
    let changes = 0;
    const routes = table(() => changes++);
    const breaker = routes.breaker(packUrl);
    expect(changes).toBe(0);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(changes).toBe(1);
    await routes.close();
  });

  it('tells when a health check flips, not when it finds the same again', async () => {
    let changes = 0;
    const routes = table(() => changes++);
    ready = 200;
    await routes.checkHealth();
    expect(changes).toBe(1); // first result: from 'not checked' to healthy
    await routes.checkHealth();
    expect(changes).toBe(1);
    ready = 503;
    await routes.checkHealth();
    expect(changes).toBe(2);
    const report = routes.report() as {
      routes: { targets: { target: string; health: { healthy: boolean } }[] }[];
    };
    const health = report.routes.flatMap((r) => r.targets).filter((t) => t.target === packUrl);
    expect(health.length).toBeGreaterThan(0);
    expect(health.every((t) => !t.health.healthy)).toBe(true);
    await routes.checkHealth();
    expect(changes).toBe(2);
    await routes.close();
  });
});
