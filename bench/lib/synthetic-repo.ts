import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The example packs this repository ships (packs/<name>/pack.yaml), copied by {@link copyExampleRepo}. */
const EXAMPLE_PACKS = ['github-issues', 'open-meteo', 'petstore'] as const;

/**
 * Writes a repository like the one issue #15 timed: the repository's own zones/, policies/, tenants/ and example packs,
 * plus `copies` copies of the example packs (in turn), each renamed `<pack>-<n>` in its folder and its `name:`
 * line so it validates. About a third are petstore copies, whose sensitive tool has no approval rule in any
 * policy: one warning each, so the positions of a thousand reports are part of what is timed.
 */
export function copyExampleRepo(
  source: string,
  root: string,
  copies: number,
): { files: number; bytes: number } {
  let bytes = 0;
  let files = 0;
  for (const dir of ['zones', 'policies', 'tenants', 'packs'])
    cpSync(path.join(source, dir), path.join(root, dir), { recursive: true });
  const texts = EXAMPLE_PACKS.map((name) =>
    readFileSync(path.join(source, 'packs', name, 'pack.yaml'), 'utf8'),
  );
  for (let i = 0; i < copies; i++) {
    const k = i % EXAMPLE_PACKS.length;
    const name = `${EXAMPLE_PACKS[k]}-${i}`;
    const text = (texts[k] as string).replace(
      new RegExp(`^name: ${EXAMPLE_PACKS[k]}$`, 'm'),
      `name: ${name}`,
    );
    mkdirSync(path.join(root, 'packs', name), { recursive: true });
    writeFileSync(path.join(root, 'packs', name, 'pack.yaml'), text);
    bytes += Buffer.byteLength(text);
    files++;
  }
  return { files, bytes };
}
