import { readFileSync } from 'node:fs';

/** Set by the build (esbuild `define`): the built CLI and the action bundles carry the version as a constant. */
declare const RAKU_BUILD_VERSION: string | undefined;

let version: string | undefined;

/**
 * The version of raku: the constant the build wrote into the bundle, else (running from source) read from the
 * package.json next to `generator/` on first use only (`raku --version`), so no other command pays for it.
 */
export function rakuVersion(): string {
  if (typeof RAKU_BUILD_VERSION === 'string') return RAKU_BUILD_VERSION;
  version ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return version;
}
