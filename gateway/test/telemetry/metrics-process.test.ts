/**
 * The OTLP metrics export as the container runs it: `main.ts` in its own process (pack-server role, the
 * lightest), configured only by OTEL_* variables, pushing its registry to a receiver started here on its
 * interval and once more on SIGTERM; and a bad OTEL_* value stopping the start with one line naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../helpers/mcp-client.ts';
import {
  startPackServerProcess,
  startWidgetsPacksDir,
  type WidgetsPacksDir,
} from '../helpers/pack-server-process.ts';
import {
  type MetricsReceiver,
  seriesOfExport,
  seriesOfScrape,
  startMetricsReceiver,
} from './metrics-otlp-receiver.ts';

const WAIT = { timeout: 30_000, interval: 50 };
const CALLS =
  'raku_tool_calls_total{pack="widgets",pack_version="1.0.0",status="ok",tool="widgets.get_widget",zone=""}';

let packs: WidgetsPacksDir;
let receiver: MetricsReceiver;

const startMain = (env: Record<string, string>) => startPackServerProcess(packs.dir, env);

beforeAll(async () => {
  packs = await startWidgetsPacksDir();
  receiver = await startMetricsReceiver();
});

afterAll(async () => {
  await receiver?.close();
  await packs?.close();
});

describe('main.ts with OTEL_* set', () => {
  it('pushes the registry over OTLP on its interval and on SIGTERM, as /metrics serves it', async () => {
    const main = startMain({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url.replace(/\/v1\/metrics$/, ''),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRIC_EXPORT_INTERVAL: '200',
      OTEL_SERVICE_NAME: 'widgets-pack-server',
    });
    try {
      // The metrics line is written after the listening line, in a write of its own: wait for it.
      await expect
        .poll(() => main.stderr(), WAIT)
        .toContain(`metrics: /metrics also exported to ${receiver.url} (http/protobuf, every 0.2 s)`);
      const url = /listening on (http:\/\/\S+\/mcp)/.exec(main.stderr())![1]!;
      const client = await connectClient(url, 'modern');
      await client.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      await client.close();
      const mine = () => receiver.exports.filter((e) => e.resource['service.name'] === 'widgets-pack-server');
      await expect.poll(() => mine().some((e) => seriesOfExport(e).get(CALLS) === 1), WAIT).toBe(true);

      const scraped = seriesOfScrape(await (await fetch(url.replace(/\/mcp$/, '/metrics'))).text());
      expect(scraped.get(CALLS)).toBe(1);
      expect(scraped.get('raku_otel_spans_dropped_total{}')).toBe(0);
      expect(seriesOfExport(mine().at(-1)!).get('raku_otel_spans_dropped_total{}')).toBe(0);

      const before = mine().length;
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      // The last figures went out on the way down: the scrape above is counted in them.
      expect(mine().length).toBeGreaterThan(before);
      expect(
        seriesOfExport(mine().at(-1)!).get(
          'raku_http_requests_total{method="GET",route="/metrics",status="200"}',
        ),
      ).toBe(1);
    } finally {
      if (main.child.exitCode === null) main.child.kill('SIGKILL');
    }
  }, 60_000);

  it.each([
    ['OTEL_METRIC_EXPORT_INTERVAL', 'soon', 'OTEL_METRIC_EXPORT_INTERVAL must be an integer between 1 and'],
    ['OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'grpc', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL must be one of'],
    [
      'OTEL_METRICS_EXPORTER',
      'prometheus',
      'OTEL_METRICS_EXPORTER must be "otlp" or "none", not "prometheus"',
    ],
  ])(
    'refuses to start on %s=%s, naming the variable',
    async (name, value, message) => {
      const main = startMain({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', [name]: value });
      expect(await main.exited).toBe(1);
      expect(main.stderr()).toContain(message);
      expect(main.stderr()).not.toContain('listening on');
    },
    60_000,
  );
});
