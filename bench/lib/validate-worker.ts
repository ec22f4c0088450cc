// One measured run in a fresh process, so peak RSS belongs to this run alone. Prints JSON.
import { parse } from 'yaml';
import { readRepoFiles } from '../../generator/config/src/fs/read-repo.ts';
import { validateRepo } from '../../generator/config/src/validate/validate-repo.ts';

const [mode, dir] = process.argv.slice(2);
// Warm the schema compiler outside the timed region: it is a one-off per process.
validateRepo([]);
const start = performance.now();
const files = await readRepoFiles(dir ?? '.');
let errors = 0;
if (mode === 'parse') {
  for (const f of files) parse(Buffer.from(f.bytes).toString('utf8'));
} else {
  errors = validateRepo(files).diagnostics.filter((d) => d.severity === 'error').length;
}
const ms = performance.now() - start;
const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(JSON.stringify({ ms, files: files.length, errors, maxRssMb }));
