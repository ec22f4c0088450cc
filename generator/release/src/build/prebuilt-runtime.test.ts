import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type RuntimeParts, readPrebuiltRuntime, writePrebuiltRuntime } from './prebuilt-runtime.ts';
import { bundleRuntime } from './runtime-bundle.ts';
import { findRuntime, RUNTIME_PACKAGE_FILE } from './runtime-package.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-prebuilt-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (f: { content: Uint8Array | string }) => Buffer.from(f.content).toString('utf8');

/** A package install: <dir>/node_modules/raku-mcp/dist/runtime and PGlite beside raku. */
async function installed(parts: RuntimeParts): Promise<{ root: string; runtime: string }> {
  const root = await tempDir();
  const runtime = path.join(root, 'node_modules/raku-mcp/dist/runtime');
  await writePrebuiltRuntime(runtime, parts);
  const pglite = path.join(root, 'node_modules/@electric-sql/pglite');
  await mkdir(path.join(pglite, 'dist'), { recursive: true });
  await writeFile(path.join(pglite, 'package.json'), '{"name":"@electric-sql/pglite"}');
  await writeFile(path.join(pglite, 'dist/index.js'), 'export {}');
  await writeFile(path.join(pglite, 'dist/index.js.map'), '{}');
  return { root, runtime };
}

const PARTS: RuntimeParts = {
  files: [
    { path: 'app/gateway.mjs', content: bytes('import "./chunks/a.mjs"') },
    { path: 'app/chunks/a.mjs', content: bytes('a') },
  ],
  gatewayFiles: [
    { path: 'app/chunks/roles.mjs', content: bytes('roles') },
    { path: 'app/node_modules/@electric-sql/pglite/package.json', content: bytes('{}') },
    { path: 'app/prisma/migrations/1_init/migration.sql', content: bytes('create table t ();') },
  ],
  externalsUsed: ['@electric-sql/pglite'],
};

describe('the prebuilt runtime', () => {
  it('reads back the files it was written from, with the external package taken from node_modules', async () => {
    const { runtime } = await installed(PARTS);
    const read = await readPrebuiltRuntime(runtime);
    expect(read.files.map((f) => [f.path, text(f)])).toEqual(PARTS.files.map((f) => [f.path, text(f)]));
    expect(read.gatewayFiles.map((f) => f.path)).toEqual([
      'app/chunks/roles.mjs',
      'app/node_modules/@electric-sql/pglite/dist/index.js',
      'app/node_modules/@electric-sql/pglite/package.json',
      'app/prisma/migrations/1_init/migration.sql',
    ]);
    expect(read.externalsUsed).toEqual(['@electric-sql/pglite']);
  });

  it('is found from a module inside the package (dist/cli/chunks)', async () => {
    const { root, runtime } = await installed(PARTS);
    const chunk = path.join(root, 'node_modules/raku-mcp/dist/cli/chunks/x.mjs');
    expect(findRuntime(pathToFileURL(chunk))).toEqual({ prebuiltDir: runtime });
  });

  it('is named by the actions bundle set, before any dist/runtime a build left in the checkout', async () => {
    const checkout = await tempDir();
    await writeFile(path.join(checkout, 'package.json'), '{"name":"raku-mcp"}');
    await writePrebuiltRuntime(path.join(checkout, 'dist/runtime'), PARTS);
    await mkdir(path.join(checkout, 'actions/dist/chunks'), { recursive: true });
    const pointer = path.join(checkout, 'actions/dist', RUNTIME_PACKAGE_FILE);
    await writeFile(pointer, '{}');
    expect(findRuntime(pathToFileURL(path.join(checkout, 'actions/dist/chunks/y.mjs')))).toEqual({
      packageFile: pointer,
    });
    expect(findRuntime(pathToFileURL(path.join(checkout, 'dist/cli/chunks/x.mjs')))).toEqual({
      prebuiltDir: path.join(checkout, 'dist/runtime'),
    });
  });

  it('is used by bundleRuntime for the default entry, so a config repository needs no Raku sources', async () => {
    const { runtime } = await installed(PARTS);
    const configRepo = await tempDir();
    const bundle = await bundleRuntime({ root: configRepo, prebuiltDir: runtime });
    expect(bundle.files.map((f) => f.path)).toEqual(['app/gateway.mjs', 'app/chunks/a.mjs']);
  });

  it('is not used when the repository holds the runtime source (Raku itself, or a stand-in runtime)', async () => {
    const { runtime } = await installed(PARTS);
    const repo = await tempDir();
    await mkdir(path.join(repo, 'gateway/src'), { recursive: true });
    await writeFile(path.join(repo, 'gateway/src/main.ts'), 'console.log("stand-in runtime");\n');
    const bundle = await bundleRuntime({ root: repo, prebuiltDir: runtime });
    expect(bundle.files.map((f) => f.path)).toEqual(['app/gateway.mjs']);
    expect(text(bundle.files[0]!)).toContain('stand-in runtime');
  });

  it('names the missing package when the external is not installed beside it', async () => {
    const dir = path.join(await tempDir(), 'dist/runtime');
    await writePrebuiltRuntime(dir, PARTS);
    await expect(readPrebuiltRuntime(dir)).rejects.toThrow(/needs the package @electric-sql\/pglite/);
  });

  it('says what is missing when there is neither a prebuilt runtime nor the entry source', async () => {
    const configRepo = await tempDir();
    await expect(bundleRuntime({ root: configRepo, fromSource: true })).rejects.toThrow(
      /runtime entry gateway\/src\/main.ts not found .* no prebuilt runtime/,
    );
  });
});
