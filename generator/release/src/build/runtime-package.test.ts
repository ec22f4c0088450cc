import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  listFiles,
  type RuntimeParts,
  readPrebuiltRuntime,
  writePrebuiltRuntime,
} from './prebuilt-runtime.ts';
import { type RuntimePackage, runtimeFromPackage, runtimeIntegrity } from './runtime-package.ts';

const run = promisify(execFile);
const bytes = (s: string) => new TextEncoder().encode(s);
let work: string;
let server: Server;
let registry: string;
const requests: string[] = [];
/** What the fake registry serves: tarball file name → bytes. */
const tarballs = new Map<string, Buffer>();

/** The raku-mcp package: a dist/runtime whose external @acme/db comes from its pinned tarball. */
const PARTS: RuntimeParts = {
  files: [
    { path: 'app/gateway.mjs', content: bytes('import "./chunks/a.mjs"') },
    { path: 'app/chunks/a.mjs', content: bytes('a') },
  ],
  gatewayFiles: [
    { path: 'app/chunks/roles.mjs', content: bytes('roles') },
    { path: 'app/prisma/migrations/1_init/migration.sql', content: bytes('create table t ();') },
  ],
  externalsUsed: ['@acme/db'],
};

/** `npm pack` of a package folder; returns the tarball's bytes. */
async function npmPack(dir: string): Promise<Buffer> {
  const dest = await mkdtemp(path.join(work, 'pack-'));
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], { cwd: dir });
  const [file] = await readdir(dest);
  return readFile(path.join(dest, file ?? ''));
}

const integrityOf = (data: Buffer) => `sha512-${createHash('sha512').update(data).digest('base64')}`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'raku-runtime-package-'));
  const db = path.join(work, 'db');
  await mkdir(path.join(db, 'dist'), { recursive: true });
  await writeFile(path.join(db, 'package.json'), '{"name":"@acme/db","version":"1.2.3"}');
  await writeFile(path.join(db, 'dist/index.js'), 'export const db = 1;\n');
  const dbTgz = await npmPack(db);
  tarballs.set('db-1.2.3.tgz', dbTgz);
  const raku = path.join(work, 'raku');
  await mkdir(raku);
  await writeFile(path.join(raku, 'package.json'), '{"name":"raku-mcp","version":"0.1.0","files":["dist/"]}');
  await writePrebuiltRuntime(path.join(raku, 'dist/runtime'), PARTS, {
    '@acme/db': { version: '1.2.3', integrity: integrityOf(dbTgz) },
  });
  await mkdir(path.join(raku, 'dist/cli'));
  await writeFile(path.join(raku, 'dist/cli/main.mjs'), 'the CLI, not part of the runtime integrity');
  tarballs.set('raku-mcp-0.1.0.tgz', await npmPack(raku));
  // The npm registry protocol: GET /<name> is the packument, whose dist.tarball is where the bytes are.
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const base = `http://${req.headers.host}`;
    const packument = (name: string, version: string, file: string) =>
      res.setHeader('content-type', 'application/json').end(
        JSON.stringify({
          name,
          versions: { [version]: { dist: { tarball: `${base}/tarballs/${file}` } } },
        }),
      );
    if (req.url === '/raku-mcp') packument('raku-mcp', '0.1.0', 'raku-mcp-0.1.0.tgz');
    else if (req.url?.startsWith('/tarballs/') && tarballs.has(req.url.slice(10)))
      res.end(tarballs.get(req.url.slice(10)));
    else if (req.url === '/@acme/db/-/db-1.2.3.tgz') res.end(dbTgz);
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  registry = `http://127.0.0.1:${address.port}/`;
});
afterAll(async () => {
  server?.close();
  await rm(work, { recursive: true, force: true });
});

/** The integrity of the dist/runtime folder the package was packed from, as build:actions records it. */
async function recordedIntegrity(): Promise<string> {
  const dir = path.join(work, 'raku/dist/runtime');
  const rels = await listFiles(dir);
  return runtimeIntegrity(
    await Promise.all(rels.map(async (rel) => ({ path: rel, content: await readFile(path.join(dir, rel)) }))),
  );
}

async function pointerFile(pointer: RuntimePackage): Promise<string> {
  const file = path.join(await mkdtemp(path.join(work, 'actions-')), 'runtime-package.json');
  await writeFile(file, JSON.stringify(pointer));
  return file;
}

const view = (parts: RuntimeParts) => ({
  files: parts.files.map((f) => [f.path, Buffer.from(f.content).toString('hex')]),
  gatewayFiles: parts.gatewayFiles.map((f) => [f.path, Buffer.from(f.content).toString('hex')]),
  externalsUsed: parts.externalsUsed,
});

describe('the runtime from Raku’s npm package, as the build action gets it', () => {
  it('gives the parts of the installed package’s runtime, then reads the tarball from the cache', async () => {
    const file = await pointerFile({
      name: 'raku-mcp',
      version: '0.1.0',
      runtimeIntegrity: await recordedIntegrity(),
    });
    const cache = path.join(work, 'cache');
    const env = { npm_config_registry: registry };
    const installed = path.join(work, 'installed');
    await mkdir(path.join(installed, 'node_modules/@acme'), { recursive: true });
    await writePrebuiltRuntime(path.join(installed, 'node_modules/raku-mcp/dist/runtime'), PARTS);
    await mkdir(path.join(installed, 'node_modules/@acme/db/dist'), { recursive: true });
    await writeFile(
      path.join(installed, 'node_modules/@acme/db/package.json'),
      '{"name":"@acme/db","version":"1.2.3"}',
    );
    await writeFile(path.join(installed, 'node_modules/@acme/db/dist/index.js'), 'export const db = 1;\n');
    const fromInstall = await readPrebuiltRuntime(path.join(installed, 'node_modules/raku-mcp/dist/runtime'));

    requests.length = 0;
    const fromPackage = await runtimeFromPackage(file, cache, env);
    expect(view(fromPackage)).toEqual(view(fromInstall));
    expect(requests).toEqual(['/raku-mcp', '/tarballs/raku-mcp-0.1.0.tgz', '/@acme/db/-/db-1.2.3.tgz']);
    requests.length = 0;
    expect(view(await runtimeFromPackage(file, cache, env))).toEqual(view(fromInstall));
    expect(requests).toEqual([]);
  });

  it('takes the pinned version of an external package when npm install put another beside the runtime', async () => {
    const installed = path.join(work, 'installed-other');
    const runtime = path.join(installed, 'node_modules/raku-mcp/dist/runtime');
    await writePrebuiltRuntime(runtime, PARTS, {
      '@acme/db': {
        version: '1.2.3',
        integrity: integrityOf(tarballs.get('db-1.2.3.tgz') ?? Buffer.alloc(0)),
      },
    });
    const db = path.join(installed, 'node_modules/@acme/db');
    await mkdir(path.join(db, 'dist'), { recursive: true });
    await writeFile(path.join(db, 'package.json'), '{"name":"@acme/db","version":"1.2.4"}');
    await writeFile(path.join(db, 'dist/index.js'), 'export const db = 2;\n');
    requests.length = 0;
    const cache = path.join(work, 'cache-pinned');
    const parts = await readPrebuiltRuntime(runtime, cache, { npm_config_registry: registry });
    expect(requests).toEqual(['/@acme/db/-/db-1.2.3.tgz']);
    const index = parts.gatewayFiles.find((f) => f.path === 'app/node_modules/@acme/db/dist/index.js');
    expect(Buffer.from(index?.content ?? []).toString()).toBe('export const db = 1;\n');
  });

  it('refuses a package whose runtime differs from the recorded integrity, and caches nothing', async () => {
    const file = await pointerFile({
      name: 'raku-mcp',
      version: '0.1.0',
      runtimeIntegrity: runtimeIntegrity([{ path: 'runtime.json', content: bytes('{}') }]),
    });
    const cache = path.join(work, 'cache-refused');
    await expect(runtimeFromPackage(file, cache, { npm_config_registry: registry })).rejects.toThrow(
      /prebuilt runtime of raku-mcp@0\.1\.0 \(recorded in .*runtime-package\.json\): http:\/\/127\.0\.0\.1:\d+\/tarballs\/raku-mcp-0\.1\.0\.tgz does not match the integrity recorded/,
    );
    await expect(readdir(cache)).rejects.toThrow(/ENOENT/);
  });

  it('says which registry lacks the version, and how to point at a mirror', async () => {
    const file = await pointerFile({ name: 'raku-mcp', version: '9.9.9', runtimeIntegrity: 'sha512-x' });
    await expect(runtimeFromPackage(file, undefined, { npm_config_registry: registry })).rejects.toThrow(
      `raku-mcp@9.9.9 is not published on ${registry} (set npm_config_registry`,
    );
  });
});
