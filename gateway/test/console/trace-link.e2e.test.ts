/**
 * The trace view's link to the tracing backend, in real headless Chromium against the local gateway with
 * RAKU_TRACING_URL set: an agent's call carrying W3C trace context is stored with its trace id, and the view
 * shows that id as a link made from the template.
 */
import { randomBytes } from 'node:crypto';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalConsole } from './browser-local-gateway.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

const TEMPLATE = 'https://jaeger.example.test/trace/{traceId}';
const c = useConsoleBrowser(() => startLocalConsole({ env: { RAKU_TRACING_URL: TEMPLATE } }));
const clients: Client[] = [];

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

describe('trace view with RAKU_TRACING_URL (real Chromium)', { timeout: 120_000 }, () => {
  it("links the call's W3C trace id to the tracing backend", async () => {
    const traceId = randomBytes(16).toString('hex');
    const agent = new Client(
      { name: 'raku-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    clients.push(agent);
    await agent.connect(
      new StreamableHTTPClientTransport(new URL(c.lc.local.url), {
        requestInit: {
          headers: {
            authorization: `Bearer ${c.lc.token}`,
            traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
          },
        },
      }),
    );
    await agent.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    const stored = async () => {
      const { json } = await c.lc.api('GET', '/v1/traces?tool=widgets.get_widget&limit=50');
      return (json as { items: { id: string; traceId: string | null }[] }).items.find(
        (t) => t.traceId === traceId,
      );
    };
    await expect.poll(stored, SOON).toBeDefined();
    const trace = await stored();

    const { page, errors } = await c.signedIn(`/traces/${trace?.id}`);
    const link = page.getByRole('link', { name: traceId });
    await link.waitFor(SOON);
    expect(await link.getAttribute('href')).toBe(`https://jaeger.example.test/trace/${traceId}`);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(errors).toEqual([]);
  });
});
