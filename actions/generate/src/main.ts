import path from 'node:path';
import * as core from '@actions/core';
import { listInput, runCli } from '../../../generator/cli/src/run-cli.ts';

interface Inputs {
  root: string;
  zones: string[];
  out: string;
  revision: string;
  builds: string;
}

function readInputs(): Inputs {
  return {
    root: path.resolve(process.env['GITHUB_WORKSPACE'] ?? '.', core.getInput('path') || '.'),
    zones: listInput(core.getInput('zones')),
    out: core.getInput('out') || 'out',
    revision: core.getInput('revision'),
    builds: core.getInput('builds'),
  };
}

interface GenerateReport {
  revision: string;
  zones: {
    zone: string;
    dir: string;
    files: number;
    written: number;
    unchanged: number;
    removed: string[];
  }[];
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const args = ['-C', inputs.root, 'generate', '--format', 'json', '--out', inputs.out];
    for (const z of inputs.zones) args.push('--zone', z);
    if (inputs.revision) args.push('--revision', inputs.revision);
    if (inputs.builds) args.push('--builds', inputs.builds);
    const result = await runCli(args, process.env, inputs.root);
    if (result.code !== 0) {
      core.setFailed(result.stderr.trim() || `raku generate exited with ${result.code}`);
      return;
    }
    const report = JSON.parse(result.stdout) as GenerateReport;
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

await run();
