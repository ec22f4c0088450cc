import path from 'node:path';
import * as core from '@actions/core';
import { type BuildZonesOptions, buildZones, splitList } from '@raku/release';

/** The build action's inputs, read once; the only place that reads @actions/core inputs and GITHUB_*. */
function readInputs(): BuildZonesOptions {
  const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
  const password = core.getInput('registry-password');
  if (password) core.setSecret(password);
  const builder = core.getInput('builder') || 'oci';
  if (builder !== 'oci' && builder !== 'docker')
    throw new Error(`--builder must be oci or docker, not "${builder}"`);
  const server = process.env['GITHUB_SERVER_URL'];
  const repo = process.env['GITHUB_REPOSITORY'];
  return {
    root,
    zones: splitList(core.getInput('zones')),
    packs: splitList(core.getInput('packs')),
    push: core.getBooleanInput('push'),
    builder,
    platforms: [],
    ...(server && repo ? { source: `${server}/${repo}` } : {}),
    env: {
      ...process.env,
      ...(core.getInput('registry-username')
        ? { RAKU_REGISTRY_USERNAME: core.getInput('registry-username') }
        : {}),
      ...(password ? { RAKU_REGISTRY_PASSWORD: password } : {}),
    },
    cwd: root,
  };
}

export async function run(): Promise<void> {
  try {
    const records = await buildZones(readInputs());
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

/** Splits a list input: one item per line or comma-separated, blanks dropped. */
await run();
