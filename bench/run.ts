/**
 * `npm run bench [name…]`: runs every bench/<name>.bench.ts (or only those named). Each module's default export
 * is an async function that measures its subject against a baseline in the same run and prints its own figures.
 * Speed goals live here, never in tests: these machines are shared and noisy.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
let ran = 0;
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const mod = (await import(pathToFileURL(path.join(here, file)).href)) as { default: () => Promise<void> };
  await mod.default();
  ran++;
}
if (ran === 0) {
  console.error(
    `no benchmark matched ${wanted.join(', ')}; available: ${files.map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')}`,
  );
  process.exitCode = 1;
}
