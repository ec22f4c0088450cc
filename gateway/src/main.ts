/**
 * Entry point of the runtime (`node /app/gateway.mjs` in the image, `npm start` locally). The only module
 * that reads process.env and argv: it parses them into RuntimeOptions and starts the role (the gateway and
 * local roles from ./server/gateway-roles.ts, imported on demand).
 *
 *   RAKU_ROLE=pack-server  serve the packs in RAKU_PACKS_DIR
 *   RAKU_ROLE=gateway      serve agents from the bundle at RAKU_BUNDLE
 *   RAKU_ROLE=local        both in one process from the repository (npm start)
 */
import { readPacksDir } from '@raku/pack-runtime';
import { serverErrorLogger } from './server/error-log.ts';
import { registerSpanDrops } from './server/metrics.ts';
import { parseRuntimeOptions, type RuntimeOptions } from './server/options.ts';
import { type RunningServer, startPackServer } from './server/pack-server.ts';
import { configureJsonBounds, installProcessGuard } from './server/process-guard.ts';
import { startupFailure } from './server/startup-error.ts';
import { type MetricsExporting, startMetricsExport } from './telemetry/metrics-otlp.ts';
import { startTracing, type Tracing, tracingStats } from './telemetry/tracing.ts';

const log = (message: string) => process.stderr.write(`${new Date().toISOString()} ${message}\n`);

async function start(options: RuntimeOptions): Promise<RunningServer> {
  if (options.role === 'pack-server') {
    const packs = await readPacksDir(options.packsDir);
    const server = await startPackServer({
      packs,
      environment: options.environment,
      secrets: options.secrets,
      allowPrivateNetworks: options.allowPrivateNetworks,
      mcpHotPath: options.mcpHotPath,
      port: options.port,
      host: options.host,
      onerror: serverErrorLogger(log),
    });
    log(
      `pack server for ${packs.map((p) => `${p.name}@${p.version}`).join(', ')} listening on ${server.url}`,
    );
    return server;
  }
  // Loaded only by the roles that need it: the database client (Prisma with its query compiler), pg-boss,
  // Redis and the policy engine stay out of pack servers, and the image builder puts them in the gateway
  // image only (the bundle splits at this import).
  const roles = await import('./server/gateway-roles.ts');
  return options.role === 'gateway'
    ? roles.startGatewayRole(options, log)
    : roles.startLocalRole(options, log);
}

async function main(): Promise<void> {
  let server: RunningServer;
  let tracing: Tracing | undefined;
  let metricsExport: MetricsExporting | undefined;
  try {
    configureJsonBounds(process.env);
    const options = parseRuntimeOptions(process.env, process.argv.slice(2), process.cwd());
    tracing = startTracing(options.telemetry);
    if (tracing && options.telemetry.traces) {
      const { url, protocol } = options.telemetry.traces;
      log(
        `tracing: spans of ${options.telemetry.serviceName} exported to ${url} (${protocol}, sampler ${options.telemetry.sampler.name})`,
      );
    }
    server = await start(options);
    registerSpanDrops(server.metrics, () => tracingStats().dropped);
    metricsExport = startMetricsExport(server.metrics.registry, options.telemetry, log);
    if (metricsExport && options.telemetry.metrics) {
      const { url, protocol, exportIntervalMillis } = options.telemetry.metrics;
      log(`metrics: /metrics also exported to ${url} (${protocol}, every ${exportIntervalMillis / 1000} s)`);
    }
  } catch (err) {
    void tracing?.shutdown();
    const failure = startupFailure(err);
    log(failure.message);
    process.exitCode = failure.exitCode;
    // Whatever the failed start left open (a pool, a timer) must not keep a process that failed alive.
    setTimeout(() => process.exit(), 5000).unref();
    return;
  }
  installProcessGuard(log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    // The spans still queued, and the last figures, are exported before the process ends.
    server.close().then(
      async () => {
        await metricsExport
          ?.shutdown()
          .catch((err: unknown) => log(`metrics: last export failed: ${(err as Error)?.message ?? err}`));
        await tracing
          ?.shutdown()
          .catch((err: unknown) => log(`tracing: last export failed: ${(err as Error)?.message ?? err}`));
        process.exitCode = 0;
      },
      (err: unknown) => {
        log(`shutdown failed: ${(err as Error)?.message ?? err}`);
        process.exitCode = 2;
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
