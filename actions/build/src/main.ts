import path from 'node:path';
import * as core from '@actions/core';
import { listInput, runCli } from '../../../generator/cli/src/run-cli.ts';
import type { BuildRecord } from '../../../generator/release/src/build/build-record.ts';

export async function run(): Promise<void> {
  try {
    const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
    const password = core.getInput('registry-password');
    if (password) core.setSecret(password);
    const args = ['-C', root, 'build', '--format', 'json', '--builder', core.getInput('builder') || 'oci'];
    for (const z of listInput(core.getInput('zones'))) args.push('--zone', z);
    for (const p of listInput(core.getInput('packs'))) args.push('--pack', p);
    if (core.getBooleanInput('push')) args.push('--push');
    const server = process.env['GITHUB_SERVER_URL'];
    const repo = process.env['GITHUB_REPOSITORY'];
    if (server && repo) args.push('--source', `${server}/${repo}`);
    const env = {
      ...process.env,
      ...(core.getInput('registry-username')
        ? { RAKU_REGISTRY_USERNAME: core.getInput('registry-username') }
        : {}),
      ...(password ? { RAKU_REGISTRY_PASSWORD: password } : {}),
    };
    const result = await runCli(args, env, root);
    if (result.code !== 0) {
      core.setFailed(result.stderr.trim() || `raku build exited with ${result.code}`);
      return;
    }
    const records = JSON.parse(result.stdout) as BuildRecord[];
    const digests: Record<string, Record<string, string>> = {};
    for (const r of records) {
      digests[r.zone] = Object.fromEntries(
        Object.entries(r.images).map(([w, i]) => [w, `${i.repository}@${i.digest}`]),
      );
    }
    core.setOutput('records', JSON.stringify(records));
    core.setOutput('digests', JSON.stringify(digests));
    await core.summary
      .addHeading('Raku build', 2)
      .addTable([
        [
          { data: 'zone', header: true },
          { data: 'workload', header: true },
          { data: 'image', header: true },
          { data: 'platforms', header: true },
        ],
        ...records.flatMap((r) =>
          Object.entries(r.images).map(([w, i]) => [
            r.zone,
            w,
            `${i.repository}@${i.digest}`,
            i.platforms.join(', '),
          ]),
        ),
      ])
      .write();
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err));
  }
}

await run();
