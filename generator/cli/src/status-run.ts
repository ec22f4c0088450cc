import path from 'node:path';
import { UserError } from '@raku/config';
import { parseDuration, type ZoneHealth, zoneStatus } from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { UNHEALTHY_EXIT_CODE } from './exit-codes.ts';
import { rootOption } from './options.ts';

export interface StatusOptions {
  zone: string[];
  wait?: boolean;
  timeout: string;
  interval: string;
  builds?: string;
  kubeconfig?: string;
  output?: string;
  adminUrl?: string;
  revision?: string;
  errorWindow: string;
  format: string;
}

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

/** `raku status`: reads the options, checks the zones, prints their health; exit 3 when one is unhealthy. */
export async function runStatus(opts: StatusOptions, cmd: Command, ctx: CliContext): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json') throw new UserError('--format must be text or json');
  const timeoutMs = opts.wait ? parseDuration(opts.timeout, '--timeout') : 0;
  const intervalMs = parseDuration(opts.interval, '--interval');
  const errorWindowMs = parseDuration(opts.errorWindow, '--error-window');
  const adminToken = ctx.env['RAKU_ADMIN_TOKEN'];
  if (opts.adminUrl && !adminToken) throw new UserError('--admin-url needs RAKU_ADMIN_TOKEN');
  const results = await zoneStatus(
    {
      root: rootOption(cmd, ctx),
      ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
      zones: opts.zone,
      ...(opts.builds !== undefined ? { builds: opts.builds } : {}),
      ...(opts.kubeconfig ? { kubeconfig: path.resolve(ctx.cwd, opts.kubeconfig) } : {}),
      timeoutMs,
      intervalMs,
      ...(opts.adminUrl && adminToken
        ? { admin: { url: opts.adminUrl, token: adminToken, errorWindow: opts.errorWindow, errorWindowMs } }
        : {}),
      ...(opts.output ? { output: path.resolve(ctx.cwd, opts.output) } : {}),
      env: ctx.env,
    },
    {
      onCheck: (zone, h) => {
        if (opts.wait && !h.healthy && opts.format === 'text')
          ctx.stderr(`${zone}: waiting — ${h.problems[0] ?? ''}\n`);
      },
      onWarning: (text) => ctx.stderr(`${text}\n`),
    },
  );
  if (opts.format === 'json') ctx.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else for (const h of results) ctx.stdout(formatHealth(h));
  const unhealthy = results.filter((h) => !h.healthy).map((h) => h.zone);
  if (unhealthy.length > 0) {
    throw new UserError(`unhealthy: ${unhealthy.join(', ')}`, { exitCode: UNHEALTHY_EXIT_CODE });
  }
}
