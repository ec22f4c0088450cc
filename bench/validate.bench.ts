/**
 * Validate benchmark: a generated repository of 1,000 packs, 50 zones and 50 policies.
 * Reports files/s and peak memory of `raku validate`'s library path (read + parse + schema + rules), each run
 * in a fresh process, against a baseline in the same run: reading and parsing the same files with yaml.parse.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticRepo } from './lib/synthetic-repo.ts';

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib/validate-worker.ts');

interface Run {
  ms: number;
  files: number;
  errors: number;
  maxRssMb: number;
}

function runWorker(mode: 'validate' | 'parse', dir: string): Run {
  const out = execFileSync(process.execPath, ['--import', 'tsx', worker, mode, dir], { encoding: 'utf8' });
  return JSON.parse(out) as Run;
}

export default async function validateBench(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'raku-bench-validate-'));
  try {
    const { files, bytes } = writeSyntheticRepo(dir, { packs: 1000, zones: 50, policies: 50 });
    console.log(`repository: ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
    const best = (mode: 'validate' | 'parse') => {
      const runs = [runWorker(mode, dir), runWorker(mode, dir), runWorker(mode, dir)];
      return runs.sort((a, b) => a.ms - b.ms)[0] as Run;
    };
    const parse = best('parse');
    const validate = best('validate');
    if (validate.errors > 0) throw new Error(`synthetic repository has ${validate.errors} validation errors`);
    const rate = (r: Run) => Math.round((r.files / r.ms) * 1000);
    console.log(
      `baseline  read + yaml.parse:          ${parse.ms.toFixed(0)} ms  ${rate(parse)} files/s  peak RSS ${parse.maxRssMb} MiB`,
    );
    console.log(
      `raku validate (parse+schema+rules):  ${validate.ms.toFixed(0)} ms  ${rate(validate)} files/s  peak RSS ${validate.maxRssMb} MiB`,
    );
    console.log(
      `ratio validate / baseline: ${(validate.ms / parse.ms).toFixed(2)}x time, ${(validate.maxRssMb / parse.maxRssMb).toFixed(2)}x memory`,
    );
    console.log(`goal ≥ 2000 files/s: ${rate(validate) >= 2000 ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
