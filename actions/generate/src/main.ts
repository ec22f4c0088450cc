import path from 'node:path';
import * as core from '@actions/core';
import { type GenerateOptions, generateToDir, splitList } from '@raku/release';

/** The generate action's inputs, read once; the only place that reads @actions/core inputs and GITHUB_*. */
function readInputs(): GenerateOptions {
  const root = path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.');
  return {
    root,
    ...(core.getInput('revision') ? { revision: core.getInput('revision') } : {}),
    zones: splitList(core.getInput('zones')),
    out: core.getInput('out') || 'out',
    ...(core.getInput('builds') ? { builds: core.getInput('builds') } : {}),
    cwd: root,
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const report = await generateToDir(inputs);
    core.setOutput('path', path.resolve(inputs.root, inputs.out));
    core.setOutput(
      'files',
      report.zones.reduce((n, z) => n + z.files, 0),
    );
    core.setOutput('zones', JSON.stringify(report.zones));
    await core.summary
      .addHeading('Raku generate', 2)
      .addRaw(`Config revision <code>${report.revision.replace(/[<>&"]/g, '')}</code>`, true)
      .addTable([
        [
          { data: 'zone', header: true },
          { data: 'files', header: true },
          { data: 'written', header: true },
          { data: 'removed', header: true },
        ],
        ...report.zones.map((z) => [z.zone, String(z.files), String(z.written), String(z.removed.length)]),
      ])
      .write();
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err));
  }
}

/** Splits a list input: one item per line or comma-separated, blanks dropped. */
await run();
