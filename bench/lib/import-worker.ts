/**
 * One measured run of the import benchmark, in a fresh process so peak RSS belongs to it alone.
 * Modes: 'parse' (baseline: JSON.parse of the document), 'import' (parse + document → pack object),
 * 'pack' (import + fit into one file + serialise + validate, i.e. everything `raku import openapi` does
 * between reading the file and writing the pack). Prints { ms, tools, maxRssMb } as JSON.
 */
import { readFileSync } from 'node:fs';
import { importOpenApi } from '../../generator/src/import/build-pack.ts';
import { checkPack } from '../../generator/src/import/import-pack.ts';
import { parseDocument } from '../../generator/src/import/openapi-document.ts';

const [mode, file] = process.argv.slice(2) as [string, string];
const bytes = readFileSync(file);
const start = performance.now();
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
process.stdout.write(JSON.stringify({ ms, tools, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
