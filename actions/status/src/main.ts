import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { parseDuration, splitList, type ZoneStatusOptions, zoneStatus } from '@raku/release';

/** The status action's inputs, read once; the only place that reads @actions/core inputs and GITHUB_* or RUNNER_* variables. */
async function readInputs(): Promise<ZoneStatusOptions> {
  const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
  const kubeconfig = core.getInput('kubeconfig');
  let kubeconfigFile: string | undefined;
  if (kubeconfig) {
    core.setSecret(kubeconfig);
    kubeconfigFile = path.join(process.env['RUNNER_TEMP'] ?? tmpdir(), `raku-kubeconfig-${process.pid}`);
    await writeFile(kubeconfigFile, kubeconfig, { mode: 0o600 });
  }
  const adminToken = core.getInput('admin-token') || process.env['RAKU_ADMIN_TOKEN'] || '';
  if (adminToken) core.setSecret(adminToken);
  const adminUrl = core.getInput('admin-url');
  if (adminUrl && !adminToken) throw new Error('--admin-url needs RAKU_ADMIN_TOKEN');
  return {
    root,
    zones: splitList(core.getInput('zones')),
    ...(kubeconfigFile ? { kubeconfig: kubeconfigFile } : {}),
    timeoutMs: core.getBooleanInput('wait')
      ? parseDuration(core.getInput('timeout') || '10m', '--timeout')
      : 0,
    intervalMs: 10_000,
    ...(adminUrl
      ? { admin: { url: adminUrl, token: adminToken, errorWindow: '15m', errorWindowMs: 900_000 } }
      : {}),
    ...(core.getInput('output') ? { output: path.resolve(root, core.getInput('output')) } : {}),
    env: process.env,
  };
}

export async function run(): Promise<void> {
  try {
    const zones = await zoneStatus(await readInputs(), { onWarning: (text) => core.info(text) });
    const healthy = zones.every((z) => z.healthy);
    core.setOutput('healthy', healthy ? 'true' : 'false');
    core.setOutput('health', JSON.stringify(zones));
    await core.summary
      .addHeading('Raku status', 2)
      .addTable([
        [
          { data: 'zone', header: true },
          { data: 'workload', header: true },
          { data: 'ready', header: true },
          { data: 'running', header: true },
          { data: 'problems', header: true },
        ],
        ...zones.flatMap((z) =>
          z.workloads.map((w) => [
            z.zone,
            w.deployment,
            `${w.ready}/${w.desired}`,
            w.runningDigests.map((d) => d.slice(0, 19)).join(', '),
            escapeHtml(w.problems.join('; ') || 'ok'),
          ]),
        ),
      ])
      .addRaw(zones.map((z) => `<p>${z.zone}: gateway /readyz ${z.gateway.readyz}</p>`).join(''))
      .write();
    if (!healthy)
      core.setFailed(
        `unhealthy: ${zones
          .filter((z) => !z.healthy)
          .map((z) => z.zone)
          .join(', ')}`,
      );
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err));
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Splits a list input: one item per line or comma-separated, blanks dropped. */
await run();
