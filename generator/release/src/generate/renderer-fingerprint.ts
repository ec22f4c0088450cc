import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Set by the builds (esbuild `define`, scripts/build.ts and scripts/build-actions.ts): the version and the digest
 * of the rendering sources the bundle was built from. The version alone is not enough: action bundles are rebuilt
 * at every commit while the version stays, and a kept `.raku-render` would then skip a zone the new code renders
 * differently.
 */
declare const RAKU_RENDERER_FINGERPRINT: string | undefined;

/** The packages whose code decides what a zone renders to. */
const RENDERING_PACKAGES = ['render', 'policy', 'config'];

let fingerprint: string | undefined;

/**
 * Which code renders: the fingerprint the build recorded, else (running from source) a digest of the sources of
 * @raku/render, @raku/policy and @raku/config, read once per process. Salts the render keys kept in output
 * folders (.raku-render), so an upgraded or edited renderer never skips a zone rendered by another.
 */
export function rendererFingerprint(): string {
  if (typeof RAKU_RENDERER_FINGERPRINT === 'string') return RAKU_RENDERER_FINGERPRINT;
  fingerprint ??= `source:${renderingSourcesDigest(fileURLToPath(new URL('../../../', import.meta.url)))}`;
  return fingerprint;
}

/** sha256 of the rendering packages' sources under `generatorDir` (the builds record it; see above). */
export function renderingSourcesDigest(generatorDir: string): string {
  const hash = createHash('sha256');
  for (const pkg of RENDERING_PACKAGES) {
    const src = path.join(generatorDir, pkg, 'src');
    const files = (readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .sort();
    for (const f of files)
      hash
        .update(`${pkg}/${f}\0`)
        .update(readFileSync(path.join(src, f)))
        .update('\0');
  }
  return hash.digest('hex');
}
