import { readFileSync } from 'node:fs';

let version: string | undefined;

/**
 * The version of raku, from the package.json next to `generator/`. Read on first use only (`raku --version`),
 * so no other command pays for it and the action bundles do not carry the manifest.
 */
export function rakuVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return version;
}
