/**
 * Reads the gateway bundle (RAKU_BUNDLE, mounted from the gateway ConfigMap) and watches it for changes.
 * Kubernetes updates a mounted ConfigMap by swapping a symlink, which fs.watch misses; polling the file's
 * content hash every few seconds catches it reliably and costs one small read.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UserError } from '@raku/config';
import type { CompiledPolicy } from '@raku/policy';
import { BUNDLE_VERSIONS, type GatewayBundle } from '@raku/render';

export interface LoadedBundle {
  bundle: GatewayBundle;
  policy: CompiledPolicy | null;
  hash: string;
}

/** Parses and checks a bundle document; the error names the file and the field. */
export function parseBundle(file: string, text: string): LoadedBundle {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  const b = data as Partial<GatewayBundle>;
  if (b === null || typeof b !== 'object')
    throw new UserError(`${file}: a gateway bundle must be a JSON object`);
  if (!BUNDLE_VERSIONS.includes(b.bundleVersion as number)) {
    throw new UserError(
      `${file}: bundleVersion is ${String(b.bundleVersion)}; this gateway reads versions ${BUNDLE_VERSIONS.join(' and ')}`,
    );
  }
  for (const key of ['zone', 'environment', 'revision'] as const) {
    if (typeof b[key] !== 'string') throw new UserError(`${file}: ${key} must be a string`);
  }
  for (const key of ['tools', 'routes', 'remotes'] as const) {
    if (!Array.isArray(b[key])) throw new UserError(`${file}: ${key} must be an array`);
  }
  if (!b.auth || typeof b.auth !== 'object') throw new UserError(`${file}: auth must be an object`);
  const policy = (b.policies ?? null) as CompiledPolicy | null;
  if (policy !== null && (policy.environment !== b.environment || !Array.isArray(policy.allows))) {
    throw new UserError(`${file}: policies must be the compiled policy of environment ${b.environment}`);
  }
  return { bundle: b as GatewayBundle, policy, hash: createHash('sha256').update(text).digest('hex') };
}

export async function readBundle(file: string): Promise<LoadedBundle> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read the gateway bundle ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  return parseBundle(file, text);
}

/**
 * Calls `onChange` with each new valid version of the bundle; an invalid version is reported and the
 * running one kept. Returns a stop function.
 */
export function watchBundle(
  file: string,
  current: string,
  onChange: (loaded: LoadedBundle) => void,
  onError: (error: Error) => void,
  intervalMs = 5000,
): () => void {
  let last = current;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const loaded = await readBundle(file);
      if (loaded.hash !== last) {
        last = loaded.hash;
        onChange(loaded);
      }
    } catch (err) {
      onError(err as Error);
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
