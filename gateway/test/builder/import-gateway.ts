/**
 * A local-mode gateway (startLocal) on a temporary git copy of this repository's packs, zones and policies,
 * for the import API's tests: real HTTP, real config repository (a committed checkout, so a draft's patch can
 * be `git apply`-ed to it), traces in an in-memory PGlite.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalGateway, startLocal } from '../../src/server/local-mode.ts';
import { parseRuntimeOptions } from '../../src/server/options.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface ImportGateway {
  local: LocalGateway;
  root: string;
  base: string;
  /** A call with the local (admin) token; `raw` sends the body as it is. */
  api(
    method: string,
    apiPath: string,
    body?: unknown,
    options?: { raw?: string; token?: string | null },
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

export function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' });
}

/** Copies the config into a fresh git repository (one commit) and starts local mode on it with `env`. */
export async function startImportGateway(env: Record<string, string> = {}): Promise<ImportGateway> {
  const root = mkdtempSync(path.join(tmpdir(), 'raku-import-'));
  for (const dir of ['packs', 'zones', 'policies', 'tenants'])
    cpSync(path.join(ROOT, dir), path.join(root, dir), { recursive: true });
  git(root, 'init', '-q', '-b', 'main');
  git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
  git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'config');
  const runtime = parseRuntimeOptions(
    { RAKU_ROOT: root, RAKU_DATA_DIR: 'memory://', PORT: '0', HOST: '127.0.0.1', ...env },
    ['local'],
    root,
  );
  let local: LocalGateway;
  try {
    local = await startLocal(runtime, { log: () => {}, revision: 'import-test' });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const base = local.url.replace(/\/mcp$/, '');
  return {
    local,
    root,
    base,
    async api(method, apiPath, body, options = {}) {
      const token = options.token === undefined ? local.token : options.token;
      const res = await fetch(`${base}${apiPath}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined && options.raw === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.raw !== undefined
          ? { body: options.raw }
          : body === undefined
            ? {}
            : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: Record<string, unknown>;
      try {
        json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        json = { text };
      }
      return { status: res.status, json };
    },
    async close() {
      await local.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
