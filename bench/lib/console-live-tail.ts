/**
 * The console's live tail under load (issue #13, `npm run bench console`): a local gateway (`npm start`'s
 * startLocal on a temporary copy of the config, traces in PGlite), its traces view open in real headless
 * Chromium, and the official MCP client firing calls at a fixed rate (default ~1,000 calls/s) for N seconds.
 * Reports the calls made, the trace events the gateway sent, the events the browser received (counted by a
 * listener on the page's own EventSource, installed as an init script, so the console is unchanged), the events
 * the gateway dropped for the slow reader (its /metrics counter and the `dropped` events the page got), and the
 * dropped count the page shows in its top bar. Dropped events must be counted and shown, never silently lost:
 * `unaccounted` is sent − received − dropped and should be 0.
 *
 *   const report = await measureLiveTail({ seconds: 10, rate: 1000 });
 *   console.log(formatLiveTail(report));
 */
import type { Client } from '@modelcontextprotocol/client';
import { startLocalConsole } from '../../gateway/test/console/browser-local-gateway.ts';
import { ensureConsoleBuilt, launchBrowser, newContext } from '../../gateway/test/helpers/browser.ts';
import { connectClient } from '../../gateway/test/helpers/mcp-client.ts';

export interface LiveTailOptions {
  /** How long calls are fired. Default 10. */
  seconds?: number;
  /** Calls per second aimed at. Default 1000. */
  rate?: number;
  /** MCP client connections the calls are spread over. Default 8. */
  clients?: number;
  /** Calls in flight at most (the rate falls short when the gateway cannot keep up). Default 256. */
  maxInFlight?: number;
  /** After the last call, how long to wait at most for the page to catch up. Default 60 s. */
  settleMs?: number;
}

export interface LiveTailReport {
  seconds: number;
  targetRate: number;
  callsMade: number;
  callsFailed: number;
  /** Calls completed per second of firing. */
  achievedRate: number;
  /** Traces the gateway wrote, and dropped before writing (its trace queue). */
  tracesWritten: number;
  tracesDropped: number;
  /** Trace events the gateway wrote to the page's stream (raku_events_sent_total{type="trace"}). */
  eventsSent: number;
  /** Trace events the page's EventSource received. */
  browserReceived: number;
  /** Events dropped for the page: the gateway's counter, the sum of `dropped` events the page got, its top bar. */
  droppedByGateway: number;
  droppedReportedToPage: number;
  droppedShownByPage: number;
  /** Replay gaps the page was told to refetch over (`reset` events). */
  resets: number;
  /** sent − received − dropped reported: events lost without being counted (should be 0). */
  unaccounted: number;
  /** Milliseconds after the last call until the page had received everything it would. */
  catchUpMs: number;
}

/** Counts the page's stream events on its own EventSource (an init script: not subject to the page's CSP). */
const COUNT_EVENTS = `(() => {
  const Native = window.EventSource;
  const stats = { trace: 0, dropped: 0, reset: 0 };
  window.__rakuLiveTail = stats;
  window.EventSource = class extends Native {
    constructor(url, init) {
      super(url, init);
      this.addEventListener('trace', () => { stats.trace++; });
      this.addEventListener('dropped', (e) => {
        try { stats.dropped += Number(JSON.parse(e.data).count) || 0; } catch {}
      });
      this.addEventListener('reset', () => { stats.reset++; });
    }
  };
})();`;

/** Sum of a Prometheus counter's samples (all label sets, or those matching `labels`). */
function counter(metrics: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.e+-]+)$/.exec(line);
    if (m?.[1] === name && (m[2] ?? '').includes(labels)) sum += Number(m[3]);
  }
  return sum;
}

export async function measureLiveTail(options: LiveTailOptions = {}): Promise<LiveTailReport> {
  const seconds = options.seconds ?? 10;
  const rate = options.rate ?? 1000;
  const maxInFlight = options.maxInFlight ?? 256;
  await ensureConsoleBuilt();
  const lc = await startLocalConsole();
  const browser = await launchBrowser();
  const clients: Client[] = [];
  try {
    const metrics = async () => (await fetch(`${lc.base}/metrics`)).text();
    const context = await newContext(browser);
    await context.addInitScript({ content: COUNT_EVENTS });
    const page = await context.newPage();
    const token = lc.local.console?.issueLoginToken();
    if (!token) throw new Error('the local gateway serves no console (is it built?)');
    await page.goto(`${lc.base}/console/traces#login=${token}`);
    await page.getByRole('heading', { level: 1, name: 'Traces' }).waitFor({ timeout: 60_000 });
    await page.getByRole('status').filter({ hasText: /^Live/ }).waitFor({ timeout: 60_000 });
    const pageStats = async () =>
      (await page.evaluate('window.__rakuLiveTail')) as { trace: number; dropped: number; reset: number };

    for (let i = 0; i < (options.clients ?? 8); i++)
      clients.push(await connectClient(lc.local.url, 'modern', lc.token));
    const before = await metrics();

    let launched = 0;
    let inFlight = 0;
    let failed = 0;
    const pending = new Set<Promise<void>>();
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate) - launched;
      for (let i = 0; i < due && inFlight < maxInFlight; i++) {
        const client = clients[launched % clients.length]!;
        launched++;
        inFlight++;
        const call: Promise<void> = client
          .callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } })
          .then(
            (r) => {
              if (r.isError) failed++;
            },
            () => {
              failed++;
            },
          )
          .finally(() => {
            inFlight--;
            pending.delete(call);
          });
        pending.add(call);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(pending);
    const fired = (performance.now() - start) / 1000;
    await lc.local.persistence.traces.flush();

    // Wait for the page to have everything the gateway sent it (received or reported dropped), or the ceiling.
    const settled = performance.now();
    const settleMs = options.settleMs ?? 60_000;
    let after = await metrics();
    let seen = await pageStats();
    for (;;) {
      const sent =
        counter(after, 'raku_events_sent_total', 'type="trace"') -
        counter(before, 'raku_events_sent_total', 'type="trace"');
      if (seen.trace + seen.dropped >= sent && sent >= launched - failed) break;
      if (performance.now() - settled > settleMs) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await metrics();
      seen = await pageStats();
    }
    const catchUpMs = performance.now() - settled;
    const shownText = (await page.locator('.live-dropped').allInnerTexts()).join(' ');
    const shown = Number(/([\d,]+)\s+events dropped/.exec(shownText)?.[1]?.replaceAll(',', '') ?? 0);
    const delta = (name: string, labels = '') => counter(after, name, labels) - counter(before, name, labels);
    const eventsSent = delta('raku_events_sent_total', 'type="trace"');
    await context.close();
    return {
      seconds: fired,
      targetRate: rate,
      callsMade: launched,
      callsFailed: failed,
      achievedRate: (launched - failed) / fired,
      tracesWritten: delta('raku_trace_written_total'),
      tracesDropped: delta('raku_trace_dropped_total'),
      eventsSent,
      browserReceived: seen.trace,
      droppedByGateway: delta('raku_events_dropped_total'),
      droppedReportedToPage: seen.dropped,
      droppedShownByPage: shown,
      resets: seen.reset,
      unaccounted: eventsSent - seen.trace - seen.dropped,
      catchUpMs,
    };
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
    await browser.close();
    await lc.close();
  }
}

/** The report as the bench prints it. */
export function formatLiveTail(r: LiveTailReport): string {
  const rows: [string, string][] = [
    ['calls fired', `${r.callsMade} in ${r.seconds.toFixed(1)} s (${r.callsFailed} failed)`],
    ['rate', `${r.achievedRate.toFixed(0)} calls/s completed (aim ${r.targetRate})`],
    ['traces written', `${r.tracesWritten} (${r.tracesDropped} dropped by the trace queue)`],
    ['trace events sent to the page', String(r.eventsSent)],
    ['received by the browser', String(r.browserReceived)],
    [
      'dropped for the slow reader',
      `gateway ${r.droppedByGateway}, reported to the page ${r.droppedReportedToPage}, shown ${r.droppedShownByPage}`,
    ],
    ['reset events', String(r.resets)],
    ['unaccounted (sent - received - dropped)', String(r.unaccounted)],
    ['page caught up after the last call', `${(r.catchUpMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}
