import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '@raku/config';
import type { LayerFile } from './tar-layer.ts';

/** Where an external package of the prebuilt runtime comes from when it is not installed: its npm tarball. */
export interface PackageSource {
  version: string;
  /** Subresource integrity of the tarball, as package-lock.json records it (sha512-…). */
  integrity: string;
}

/** The tarball URL of a package version on the registry (npm_config_registry, else registry.npmjs.org). */
export function tarballUrl(pkg: string, version: string, registry = 'https://registry.npmjs.org/'): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return `${base}${pkg}/-/${pkg.split('/').pop()}-${version}.tgz`;
}

/**
 * An external package's files as layer files (app/node_modules/<pkg>/…, source maps left out, sorted), from its
 * npm tarball: read from `cacheDir` when cached, else downloaded. The integrity is checked either way, so the
 * files are those `npm install` would have written, and the runtime layer (its digest) is the same.
 * Used by the actions, which run without `npm ci`. Throws a UserError naming the package on any failure.
 */
export async function packageFilesFromTarball(
  pkg: string,
  source: PackageSource,
  cacheDir: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LayerFile[]> {
  const url = tarballUrl(pkg, source.version, registryOf(env));
  const tgz = await verifiedTarball(
    pkg,
    source.version,
    async () => url,
    (data) => matches(data, source.integrity),
    cacheDir,
  );
  return untar(gunzipSync(tgz))
    .filter((f) => !f.path.endsWith('.map'))
    .map((f) => ({ path: `app/node_modules/${pkg}/${f.path}`, content: f.content }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The npm registry packages come from: npm_config_registry (npm's own variable, for mirrors), else npmjs.org. */
export function registryOf(env: Readonly<Record<string, string | undefined>>): string {
  const registry = env['npm_config_registry'] || 'https://registry.npmjs.org/';
  return registry.endsWith('/') ? registry : `${registry}/`;
}

/**
 * The tarball URL of a package version as the registry's packument (GET <registry>/<name>) gives it
 * (versions[version].dist.tarball), so mirrors that serve tarballs elsewhere work. Throws a UserError when the
 * registry cannot be reached or does not hold that version.
 */
export async function tarballUrlFromPackument(
  pkg: string,
  version: string,
  registry: string,
): Promise<string> {
  const url = `${registry}${pkg.replace('/', '%2f')}`;
  const response = await fetch(url, { headers: { accept: 'application/json' } }).catch((err: Error) => {
    throw new UserError(`looking up ${pkg}@${version}: GET ${url} failed: ${err.message}`);
  });
  if (!response.ok && response.status !== 404)
    throw new UserError(`looking up ${pkg}@${version}: GET ${url} answered ${response.status}`);
  const packument = (response.ok ? await response.json() : {}) as {
    versions?: Record<string, { dist?: { tarball?: string } }>;
  };
  const tarball = packument.versions?.[version]?.dist?.tarball;
  if (!tarball)
    throw new UserError(
      `${pkg}@${version} is not published on ${registry} (set npm_config_registry to a registry or mirror that holds it)`,
    );
  return tarball;
}

/**
 * A package tarball's bytes, read from `cacheDir` (<cacheDir>/packages/) when cached and still accepted by
 * `verify`, else downloaded from `resolveUrl()`. Only verified bytes are cached. Throws a UserError naming the
 * package and URL when the download fails or `verify` refuses it.
 */
export async function verifiedTarball(
  pkg: string,
  version: string,
  resolveUrl: () => Promise<string>,
  verify: (tgz: Buffer) => boolean,
  cacheDir: string | undefined,
): Promise<Buffer> {
  const cached = cacheDir && path.join(cacheDir, 'packages', `${pkg.replace('/', '+')}-${version}.tgz`);
  const hit = cached ? await readFile(cached).catch(() => undefined) : undefined;
  if (hit && verify(hit)) return hit;
  const url = await resolveUrl();
  const response = await fetch(url).catch((err: Error) => {
    throw new UserError(`downloading ${pkg}@${version} from ${url} failed: ${err.message}`);
  });
  if (!response.ok)
    throw new UserError(`downloading ${pkg}@${version}: GET ${url} answered ${response.status}`);
  const tgz = Buffer.from(await response.arrayBuffer());
  if (!verify(tgz)) {
    throw new UserError(`${url} does not match the integrity recorded for ${pkg}@${version}`);
  }
  if (cached) {
    await mkdir(path.dirname(cached), { recursive: true });
    await writeFile(`${cached}.tmp`, tgz);
    await rename(`${cached}.tmp`, cached);
  }
  return tgz;
}

function matches(data: Buffer, integrity: string): boolean {
  const [algorithm, expected] = integrity.split('-', 2);
  if (algorithm !== 'sha512' || !expected) return false;
  return createHash('sha512').update(data).digest('base64') === expected;
}

/** The regular files of an npm tarball (ustar, pax path records), relative to its top folder ('package/'). */
export function untar(tar: Buffer): { path: string; content: Buffer }[] {
  const files: { path: string; content: Buffer }[] = [];
  let paxPath: string | undefined;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
      continue;
    }
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    paxPath = undefined;
    if (type !== '0') continue;
    const rel = name.split('/').slice(1).join('/'); // drop the top folder (package/)
    if (rel && !rel.split('/').includes('..')) files.push({ path: rel, content: Buffer.from(body) });
  }
  return files;
}
