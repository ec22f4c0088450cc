import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { listInput, runCli } from '../../../generator/cli/src/run-cli.ts';
import type { ZoneHealth } from '../../../generator/release/src/status/assess-zone.ts';

export async function run(): Promise<void> {
  try {
    const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
    const args = ['-C', root, 'status', '--format', 'json'];
    for (const z of listInput(core.getInput('zones'))) args.push('--zone', z);
    if (core.getBooleanInput('wait')) args.push('--wait', '--timeout', core.getInput('timeout') || '10m');
    if (core.getInput('output')) args.push('--output', path.resolve(root, core.getInput('output')));
    const kubeconfig = core.getInput('kubeconfig');
    if (kubeconfig) {
      core.setSecret(kubeconfig);
      const file = path.join(process.env['RUNNER_TEMP'] ?? tmpdir(), `raku-kubeconfig-${process.pid}`);
      await writeFile(file, kubeconfig, { mode: 0o600 });
      args.push('--kubeconfig', file);
    }
    const adminToken = core.getInput('admin-token');
    if (adminToken) core.setSecret(adminToken);
    if (core.getInput('admin-url')) args.push('--admin-url', core.getInput('admin-url'));
    const env = { ...process.env, ...(adminToken ? { RAKU_ADMIN_TOKEN: adminToken } : {}) };
    const result = await runCli(args, env, root);
    // Exit code 3 is "unhealthy": the JSON is still there and is published before failing the step.
    if (result.code !== 0 && result.code !== 3) {
      core.setFailed(result.stderr.trim() || `raku status exited with ${result.code}`);
      return;
    }
    const zones = JSON.parse(result.stdout) as ZoneHealth[];
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

await run();
