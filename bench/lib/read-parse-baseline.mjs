// The baseline process of the validate bench: walks the same config files as raku validate (packs/*/pack.yaml,
// zones/*.yaml, policies/*.yaml), reads each and yaml.parse()s it, nothing else. Plain JavaScript, so it pays
// no TypeScript loader: the start-up it pays is Node's and the yaml package's.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = process.argv[2] ?? '.';
let files = 0;
for (const dir of ['packs', 'zones', 'policies']) {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const file =
      dir === 'packs' ? path.join(root, dir, entry.name, 'pack.yaml') : path.join(root, dir, entry.name);
    if (dir !== 'packs' && !/\.ya?ml$/.test(entry.name)) continue;
    parse(readFileSync(file, 'utf8'));
    files++;
  }
}
process.stdout.write(`${files}\n`);
