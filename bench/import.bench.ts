/**
 * Import benchmark: the largest document the importer is tested on, GitHub's REST API description from
 * @octokit/openapi (13 MB JSON, over 1,000 operations), every operation selected (--max-tools 2000).
 * Each mode runs in a fresh process (best of 3) so peak RSS is its own; the baseline, in the same run, is
 * JSON.parse of the same file. Aim: import under 2 s.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib/import-worker.ts');
const document = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');

interface Run {
  ms: number;
  cpuMs: number;
  tools: number;
  maxRssMb: number;
}

function best(mode: 'parse' | 'import' | 'pack'): Run {
  const runs: Run[] = [];
  for (let i = 0; i < 3; i++) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', worker, mode, document], {
      encoding: 'utf8',
    });
    runs.push(JSON.parse(out) as Run);
  }
  return runs.sort((a, b) => a.ms - b.ms)[0] as Run;
}

export default async function importBench(): Promise<void> {
  const mb = statSync(document).size / 1024 / 1024;
  console.log(`document: ${path.basename(document)} (@octokit/openapi), ${mb.toFixed(1)} MiB`);
  const parse = best('parse');
  const imported = best('import');
  const pack = best('pack');
  const line = (label: string, r: Run, extra = '') =>
    console.log(
      `${label.padEnd(48)} ${(r.ms / 1000).toFixed(2).padStart(6)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s)  peak RSS ${r.maxRssMb.toFixed(0).padStart(4)} MiB${extra}`,
    );
  line('baseline: JSON.parse', parse);
  line(
    `import: document → pack (${imported.tools} tools)`,
    imported,
    `  ${(imported.ms / parse.ms).toFixed(1)}x baseline`,
  );
  line(
    'import + fit to one file + serialise + validate',
    pack,
    `  ${(pack.ms / parse.ms).toFixed(1)}x baseline`,
  );
  console.log(
    `aim: import under 2 s — ${imported.ms < 2000 ? 'met' : 'NOT met'} in this run (wall time, best of 3)`,
  );
}
