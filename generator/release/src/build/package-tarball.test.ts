import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageFilesFromTarball, tarballUrl } from './package-tarball.ts';
import { packageFiles } from './prebuilt-runtime.ts';

const run = promisify(execFile);
let work: string;
let server: Server;
let registry: string;
let integrity: string;
let requests = 0;

/** A package as npm installs it (<work>/pkg/package/…) and its tarball served as @acme/db 1.2.3. */
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'raku-tarball-'));
  const pkg = path.join(work, 'pkg/package');
  await mkdir(path.join(pkg, 'dist/deep/er'), { recursive: true });
  await writeFile(path.join(pkg, 'package.json'), '{"name":"@acme/db","version":"1.2.3"}');
  await writeFile(path.join(pkg, 'dist/index.js'), 'export const db = 1;\n');
  await writeFile(path.join(pkg, 'dist/index.js.map'), '{}');
  await writeFile(path.join(pkg, 'dist/deep/er/db.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  const long = `dist/deep/er/${'n'.repeat(120)}.data`; // over ustar's 100 characters: a pax path record
  await writeFile(path.join(pkg, long), 'long name');
  await run('tar', [
    'czf',
    path.join(work, 'db.tgz'),
    '--format=pax',
    '-C',
    path.join(work, 'pkg'),
    'package',
  ]);
  const tgz = await readFile(path.join(work, 'db.tgz'));
  integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/@acme/db/-/db-1.2.3.tgz') res.end(tgz);
    else res.writeHead(404).end();
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

describe('an external package from its npm tarball', () => {
  it('names the tarball as the registry serves it', () => {
    expect(tarballUrl('@electric-sql/pglite', '0.5.16')).toBe(
      'https://registry.npmjs.org/@electric-sql/pglite/-/pglite-0.5.16.tgz',
    );
  });

  it('gives the same layer files as the installed package, then reads them from the cache', async () => {
    const cache = path.join(work, 'cache');
    const env = { npm_config_registry: registry };
    const installed = await packageFiles(path.join(work, 'pkg/package'), '@acme/db');
    const fetched = await packageFilesFromTarball('@acme/db', { version: '1.2.3', integrity }, cache, env);
    const view = (files: typeof installed) =>
      files.map((f) => [f.path, Buffer.from(f.content).toString('hex')]);
    expect(view(fetched)).toEqual(view(installed));
    expect(fetched.some((f) => f.path.endsWith('.map'))).toBe(false);
    expect(fetched.some((f) => f.path.endsWith(`${'n'.repeat(120)}.data`))).toBe(true);
    const before = requests;
    const again = await packageFilesFromTarball('@acme/db', { version: '1.2.3', integrity }, cache, env);
    expect(view(again)).toEqual(view(installed));
    expect(requests).toBe(before);
  });

  it('refuses a tarball whose integrity differs from the pinned one', async () => {
    const wrong = `sha512-${createHash('sha512').update('other').digest('base64')}`;
    await expect(
      packageFilesFromTarball('@acme/db', { version: '1.2.3', integrity: wrong }, undefined, {
        npm_config_registry: registry,
      }),
    ).rejects.toThrow(/does not match the integrity recorded for @acme\/db@1.2.3/);
  });
});
