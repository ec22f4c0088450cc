import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Set by the build (esbuild `define`): the built CLI and the action bundles carry the version as a constant. */
declare const RAKU_BUILD_VERSION: string | undefined;

/** The packages whose code decides what a zone renders to, when running from source. */
const RENDERING_PACKAGES = ['render', 'policy', 'config'];

let fingerprint: string | undefined;

/**
 * Which code renders: the built version, else (running from source, where the version stays while the code
 * changes) a digest of the sources of @raku/render, @raku/policy and @raku/config. Salts the render keys kept
 * in output folders (.raku-render), so an upgraded or edited renderer never skips a zone rendered by another.
 */
export function rendererFingerprint(): string {
  if (typeof RAKU_BUILD_VERSION === 'string') return `raku@${RAKU_BUILD_VERSION}`;
  if (fingerprint === undefined) {
    const generator = fileURLToPath(new URL('../../../', import.meta.url));
    const hash = createHash('sha256');
    for (const pkg of RENDERING_PACKAGES) {
      const src = path.join(generator, pkg, 'src');
      const files = (readdirSync(src, { recursive: true }) as string[])
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .sort();
      for (const f of files)
        hash
          .update(`${pkg}/${f}\0`)
          .update(readFileSync(path.join(src, f)))
          .update('\0');
    }
    fingerprint = `source:${hash.digest('hex')}`;
  }
  return fingerprint;
}
