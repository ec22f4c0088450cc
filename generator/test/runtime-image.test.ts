/**
 * The runtime as the images hold it: the real esbuild bundle of gateway/src/main.ts, laid out under <tmp>/app the
 * way `raku build` layers it, started with node like the image's entrypoint. A pack-server image gets only the
 * runtime files (gateway.mjs and its eager chunks) and its pack; the gateway image adds the gateway files (its
 * chunks, PGlite, the SQL migrations). Each role must start and report ready from exactly those files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import { loadRepo } from '../config/src/load/load-repo.ts';
import { bundleRuntime, type RuntimeBundle } from '../release/src/build/runtime-bundle.ts';
import type { LayerFile } from '../release/src/build/tar-layer.ts';
import { buildBundle, serialiseBundle } from '../render/src/bundle/build-bundle.ts';
import { REPO_ROOT } from './helpers/release-repo.ts';

let runtime: RuntimeBundle;
let work: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  runtime = await bundleRuntime({ root: REPO_ROOT });
  work = await mkdtemp(path.join(tmpdir(), 'raku-runtime-image-'));
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(work, { recursive: true, force: true });
});

async function layOut(root: string, files: readonly LayerFile[]): Promise<void> {
  for (const file of files) {
    const target = path.join(root, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
  }
}

/** Starts `node <root>/app/gateway.mjs` and resolves with its base URL once it says it is listening. */
function startRuntime(root: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [path.join(root, 'app/gateway.mjs')], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  return new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/[^/\s]+)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('close', (code) => reject(new Error(`runtime exited with ${code}: ${stderr}`)));
  });
}

describe('the bundled runtime in the image layout', () => {
  it('keeps the gateway role, its database client and PGlite out of what every image carries', () => {
    const paths = (files: readonly LayerFile[]) => files.map((f) => f.path);
    const size = (files: readonly LayerFile[]) => files.reduce((n, f) => n + f.content.length, 0);
    expect(paths(runtime.files)).toContain('app/gateway.mjs');
    expect(paths(runtime.files).every((p) => p === 'app/gateway.mjs' || p.startsWith('app/chunks/'))).toBe(
      true,
    );
    // Prisma's query compiler (megabytes of base64 WebAssembly) is a gateway-only chunk, and so is the MCP
    // client the gateway uses for third-party servers (names are kept in the bundle, so they can be looked for).
    expect(paths(runtime.files).some((p) => p.includes('query_compiler'))).toBe(false);
    const eager = runtime.files.map((f) => Buffer.from(f.content).toString('utf8')).join('\n');
    expect(eager).not.toContain('StreamableHTTPClientTransport');
    expect(eager).not.toContain('PrismaClient');
    expect(
      runtime.gatewayFiles.some((f) => Buffer.from(f.content).includes('StreamableHTTPClientTransport')),
    ).toBe(true);
    expect(paths(runtime.gatewayFiles).some((p) => p.includes('query_compiler'))).toBe(true);
    expect(
      paths(runtime.gatewayFiles).some((p) => p.startsWith('app/node_modules/@electric-sql/pglite/')),
    ).toBe(true);
    expect(paths(runtime.gatewayFiles)).toContain('app/prisma/migrations/20261123233000_init/migration.sql');
    expect(runtime.externalsUsed).toEqual(['@electric-sql/pglite']);
    expect(size(runtime.files)).toBeLessThan(size(runtime.gatewayFiles) / 4);
  });

  it('starts a pack server from the runtime files and its pack alone', async () => {
    const root = path.join(work, 'pack-server');
    const { model } = loadRepo(await readRepoFiles(REPO_ROOT));
    const petstore = model.packs.find((p) => p.value.name === 'petstore')!.value;
    await layOut(root, [
      ...runtime.files,
      { path: 'app/packs/petstore.json', content: `${JSON.stringify(petstore, null, 2)}\n` },
    ]);
    const url = await startRuntime(root, {
      RAKU_ROLE: 'pack-server',
      RAKU_PACKS_DIR: path.join(root, 'app/packs'),
    });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('petstore');
  }, 60_000);

  it('starts the gateway from the runtime and gateway files: its chunks, PGlite and the migrations', async () => {
    const root = path.join(work, 'gateway');
    await layOut(root, [...runtime.files, ...runtime.gatewayFiles]);
    const { model } = loadRepo(await readRepoFiles(REPO_ROOT));
    const bundle = buildBundle(model, 'dev', { revision: 'runtime-image-test' });
    bundle.auth = {
      ...bundle.auth,
      issuer: 'https://issuer.test',
      audience: 'https://gateway.test',
      jwksUrl: 'http://127.0.0.1:9/jwks.json',
    };
    const bundleFile = path.join(root, 'bundle.json');
    await writeFile(bundleFile, serialiseBundle(bundle));
    const url = await startRuntime(root, {
      RAKU_ROLE: 'gateway',
      RAKU_BUNDLE: bundleFile,
      RAKU_DATA_DIR: path.join(root, 'pglite'),
      RAKU_TRACE_RETENTION_DAYS: '0',
    });
    const res = await fetch(`${url}/readyz`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ status: 'ready', zone: 'dev', revision: 'runtime-image-test' });
    expect(String(body['database'])).toContain('pglite');
    // An agent without a token is refused by the bundled authenticator (the gateway role really runs).
    const anonymous = await fetch(`${url}/mcp`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
  }, 120_000);
});
