/**
 * Zone lists for .github/workflows/release.yml, printed as GITHUB_OUTPUT lines.
 *   first-hop  → first-hop=["dev"]                   zones without promotion.from (rolled out on every merge)
 *   promotion  → source=dev, targets=["staging"]     the zone whose rollout merged, and the zones promoted from it
 * The promotion source comes from DISPATCH_ZONE, PAYLOAD_ZONE or HEAD_REF (raku/rollout/<zone>); these are
 * untrusted, so only the name of an existing zone is ever printed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRepoFiles } from '../generator/config/src/fs/read-repo.ts';
import { loadRepo } from '../generator/config/src/load/load-repo.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const zones = loadRepo(await readRepoFiles(root)).model.zones.map((z) => z.value);
const mode = process.argv[2];

if (mode === 'first-hop') {
  const names = zones
    .filter((z) => !z.promotion?.from)
    .map((z) => z.name)
    .sort();
  console.log(`first-hop=${JSON.stringify(names)}`);
} else if (mode === 'promotion') {
  const env = process.env;
  const raw =
    env['DISPATCH_ZONE'] || env['PAYLOAD_ZONE'] || (env['HEAD_REF'] ?? '').replace(/^raku\/rollout\//, '');
  const source = zones.find((z) => z.name === raw)?.name;
  const targets = source
    ? zones
        .filter((z) => z.promotion?.from === source)
        .map((z) => z.name)
        .sort()
    : [];
  if (!source) console.error(`no zone named ${JSON.stringify(raw.slice(0, 80))}; nothing to promote`);
  console.log(`source=${source ?? ''}`);
  console.log(`targets=${JSON.stringify(targets)}`);
} else {
  console.error('usage: release-zones.ts first-hop | promotion');
  process.exitCode = 1;
}
