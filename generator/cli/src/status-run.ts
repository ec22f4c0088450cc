import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Zone } from '@raku/config';
import { secretEnvName, UserError } from '@raku/config';
import type { ZoneHealth } from '@raku/release';
import {
  type BuildRecord,
  buildRecordPath,
  deploymentRecords,
  errorRate,
  expectedWorkloads,
  parseBuildRecord,
  postDeploymentRecords,
  readTraceStatuses,
  readZoneObjects,
  selectZones,
  watchZone,
} from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { loadReleaseContext } from './release-context.ts';
import type { StatusOptions } from './status-command.ts';
import { UNHEALTHY_EXIT_CODE } from './status-command.ts';

function formatHealth(h: ZoneHealth): string {
  const lines = [
    `${h.zone} (${h.namespace}): ${h.healthy ? 'healthy' : 'UNHEALTHY'}${h.readySince ? `, ready since ${h.readySince}` : ''}`,
  ];
  for (const w of h.workloads) {
    lines.push(
      `  ${w.deployment.padEnd(22)} ${String(w.ready).padStart(2)}/${w.desired} ready ${String(w.updated).padStart(2)}/${w.desired} updated  ${w.runningDigests.map((d) => d.slice(0, 19)).join(',') || '-'}  ${w.healthy ? 'ok' : w.problems.join('; ')}`,
    );
  }
  lines.push(`  gateway /readyz: ${h.gateway.readyz}${h.gateway.detail ? ` ${h.gateway.detail}` : ''}`);
  if (h.errorRate) {
    const e = h.errorRate;
    lines.push(
      `  tool calls in ${e.window}: ${e.failed} failed of ${e.served} (${(e.rate * 100).toFixed(1)}%)${e.sampled ? ', newest pages only' : ''}`,
    );
  }
  for (const w of h.warnings) lines.push(`  warning ${w.object} ${w.reason} (x${w.count}): ${w.message}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A failure to read the cluster as the user-facing error it is: the API server answered with an HTTP error
 * (client-node's ApiException: a numeric `code`, a multi-line message with the headers), or could not be
 * reached (a system error code). One line naming the zone and the server; anything else stays an internal fault.
 */
export function clusterError(zone: string, server: string | undefined, err: unknown): unknown {
  const e = err as { code?: unknown; body?: unknown; message?: string } | undefined;
  const at = `the Kubernetes API${server ? ` at ${server}` : ''}`;
  if (typeof e?.code === 'number') {
    return new UserError(
      `zone ${zone}: ${at} answered HTTP ${e.code}${statusMessage(e.body)} (check the kubeconfig's credentials and their RBAC in the zone's namespace)`,
      { cause: err },
    );
  }
  if (typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code)) {
    return new UserError(
      `zone ${zone}: cannot reach ${at} (${e.message ?? e.code}); check the kubeconfig (--kubeconfig, the zone's cluster.credentials, KUBECONFIG) and network access to it`,
      { cause: err },
    );
  }
  return err;
}

/** The `message` of a Kubernetes Status body, else the body's first 200 characters. */
function statusMessage(body: unknown): string {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      value = body;
    }
  }
  const message =
    value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string'
      ? (value as { message: string }).message
      : typeof value === 'string'
        ? value
        : '';
  const line = message.replace(/\s+/g, ' ').trim();
  return line ? `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}` : '';
}

/** '90s', '10m', '1h', or plain milliseconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`${option} must be a duration like 90s, 10m or 1h, not "${text}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[unit]!;
}

async function readOptionalRecord(file: string): Promise<BuildRecord | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseBuildRecord(text, file);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/** The zone's kubeconfig: --kubeconfig, else the zone's credentials secret, else the default (KUBECONFIG, ~/.kube/config). */
async function kubeConfigFor(
  zone: Zone,
  env: Readonly<Record<string, string | undefined>>,
  file: string | undefined,
): Promise<KubeConfig> {
  const kc = new KubeConfig();
  try {
    if (file) {
      kc.loadFromString(await readFile(file, 'utf8'));
    } else if (zone.cluster.credentials) {
      const name = secretEnvName(zone.cluster.credentials);
      const value = env[name];
      if (!value) throw new UserError(`zone ${zone.name}: cluster.credentials is set but ${name} is empty`);
      kc.loadFromString(value);
    } else {
      const kubeconfig = env['KUBECONFIG'] ?? path.join(env['HOME'] ?? '', '.kube', 'config');
      kc.loadFromString(await readFile(kubeconfig, 'utf8'));
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`zone ${zone.name}: no usable kubeconfig (${(err as Error).message})`);
  }
  if (zone.cluster.context) {
    if (!kc.getContexts().some((c) => c.name === zone.cluster.context)) {
      throw new UserError(`zone ${zone.name}: kubeconfig has no context "${zone.cluster.context}"`);
    }
    kc.setCurrentContext(zone.cluster.context);
  }
  // A kubeconfig for another cluster must not make a zone look healthy.
  const server = kc.getCurrentCluster()?.server;
  if (
    zone.cluster.server &&
    server &&
    server.replace(/\/+$/, '') !== zone.cluster.server.replace(/\/+$/, '')
  ) {
    throw new UserError(
      `zone ${zone.name}: the kubeconfig points at ${server}, the zone's cluster.server is ${zone.cluster.server}`,
    );
  }
  return kc;
}

export async function runStatus(opts: StatusOptions, cmd: Command, ctx: CliContext): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') throw new UserError('--format must be text or json');
  const timeoutMs = opts.wait ? parseDuration(opts.timeout, '--timeout') : 0;
  const intervalMs = parseDuration(opts.interval, '--interval');
  const errorWindowMs = parseDuration(opts.errorWindow, '--error-window');
  const adminToken = ctx.env['RAKU_ADMIN_TOKEN'];
  if (opts.adminUrl && !adminToken) throw new UserError('--admin-url needs RAKU_ADMIN_TOKEN');
  const release = await loadReleaseContext(cmd, ctx, opts.revision);
  const zones = selectZones(release.model, opts.zone);
  const buildsDir = path.resolve(release.root, opts.builds ?? 'out/builds');
  const results: ZoneHealth[] = [];
  for (const name of zones) {
    const zone = release.model.zones.find((z) => z.value.name === name)!.value;
    const record = await readOptionalRecord(path.join(buildsDir, path.basename(buildRecordPath(name))));
    const current = record !== undefined && record.revision === release.revision;
    if (record && !current) {
      ctx.stderr(
        `${name}: the build record is of commit ${record.revision}, this checkout is ${release.revision}: digests are checked against the record, the config revision is not checked\n`,
      );
    }
    const expected = expectedWorkloads(release.model, name, record, release.revision);
    const kc = await kubeConfigFor(
      zone,
      ctx.env,
      opts.kubeconfig ? path.resolve(ctx.cwd, opts.kubeconfig) : undefined,
    );
    const read = () =>
      readZoneObjects(kc, zone.namespace).catch((err: unknown) => {
        throw clusterError(zone.name, kc.getCurrentCluster()?.server, err);
      });
    const health = await watchZone(zone, expected, read, {
      timeoutMs,
      intervalMs,
      onCheck: (h) => {
        if (opts.wait && !h.healthy && opts.format === 'text')
          ctx.stderr(`${name}: waiting — ${h.problems[0] ?? ''}\n`);
      },
    });
    if (opts.adminUrl && adminToken) {
      try {
        const read = await readTraceStatuses(opts.adminUrl, adminToken, new Date(Date.now() - errorWindowMs));
        health.errorRate = errorRate(read.statuses, opts.errorWindow, read.sampled);
      } catch (err) {
        ctx.stderr(`${name}: error rate not read: ${(err as Error).message}\n`);
      }
    }
    health.checkedAt = new Date().toISOString();
    if (current) health.sourceRevision = release.revision;
    results.push(health);
    if (opts.output) {
      const dir = path.resolve(ctx.cwd, opts.output);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(health, null, 2)}\n`);
    }
    if (opts.adminUrl && adminToken) {
      await postDeploymentRecords(
        opts.adminUrl,
        adminToken,
        deploymentRecords(health, expected, release.revision),
      ).catch((err: unknown) => {
        throw new UserError(`recording deployments: ${(err as Error).message}`);
      });
    }
  }
  if (opts.format === 'json') ctx.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else for (const h of results) ctx.stdout(formatHealth(h));
  const unhealthy = results.filter((h) => !h.healthy).map((h) => h.zone);
  if (unhealthy.length > 0) {
    throw new UserError(`unhealthy: ${unhealthy.join(', ')}`, { exitCode: UNHEALTHY_EXIT_CODE });
  }
}
