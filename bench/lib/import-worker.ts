/**
 * One measured run of the import benchmark, in a fresh process so peak RSS belongs to it alone.
 * Modes: 'parse' (baseline: JSON.parse of the document), 'import' (parse + document → pack object),
 * 'pack' (import + fit into one file + serialise + validate, i.e. everything `raku import openapi` does
 * between reading the file and writing the pack). Prints { ms, cpuMs, tools, maxRssMb } as JSON.
 */
import { readFileSync } from 'node:fs';
import { importOpenApi } from '../../generator/import/src/build-pack.ts';
import { checkPack } from '../../generator/import/src/import-pack.ts';
import { parseDocument } from '../../generator/import/src/openapi-document.ts';

const [mode, file] = process.argv.slice(2) as [string, string];
const bytes = readFileSync(file);
const start = performance.now();
const cpuStart = process.cpuUsage();
let tools = 0;
if (mode === 'parse') {
  const doc = JSON.parse(bytes.toString('utf8')) as { paths: object };
  tools = Object.keys(doc.paths).length;
} else {
  const doc = parseDocument(bytes, file);
  const { pack } = importOpenApi(doc, {
    name: 'github',
    owner: 'bench',
    sourceDocument: 'openapi.json',
    sha256: '0'.repeat(64),
    maxTools: 2000,
  });
  tools = pack.tools.length;
  if (mode === 'pack') {
    const checked = checkPack(pack, 'packs/github/pack.yaml', []);
    if (checked.diagnostics.some((d) => d.severity === 'error'))
      throw new Error('the benchmark pack does not validate');
  }
}
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
// CPU time (user + system, all threads) is printed too: on a shared machine it varies less than wall time.
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(JSON.stringify({ ms, cpuMs, tools, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
