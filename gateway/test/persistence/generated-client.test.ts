import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const schemaFile = join(repoRoot, 'gateway/prisma/schema.prisma');
const committed = join(repoRoot, 'gateway/src/generated/prisma');
const OUTPUT_LINE = 'output                 = "../src/generated/prisma"';

const outputLine = (path: string) => `output                 = "${path}"`;
/** How a schema line appears inside the generated client's inline copy of the schema (a JSON string). */
const escaped = (line: string) => JSON.stringify(line).slice(1, -1);

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raku-prisma-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The client is committed (npm here runs no install scripts, and the image bundle needs it): it must be what
// `npm run prisma:generate` makes from the committed schema.
it('the committed Prisma Client is generated from the committed schema.prisma', async () => {
  const schema = await readFile(schemaFile, 'utf8');
  expect(schema).toContain(OUTPUT_LINE);
  const out = join(dir, 'out');
  await writeFile(join(dir, 'schema.prisma'), schema.replace(OUTPUT_LINE, outputLine(out)));
  await run(
    process.execPath,
    [
      join(repoRoot, 'node_modules/prisma/build/index.js'),
      'generate',
      '--schema',
      join(dir, 'schema.prisma'),
    ],
    {
      cwd: repoRoot,
      // generate never runs the schema engine, but the CLI wants the path to name a file (it cannot download one here).
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    },
  );
  expect(await files(out)).toEqual(await files(committed));
  for (const file of await files(out)) {
    const fresh = (await readFile(join(out, file), 'utf8')).replace(
      escaped(outputLine(out)),
      escaped(OUTPUT_LINE),
    );
    expect(fresh, `${file} differs: run npm run prisma:generate`).toBe(
      await readFile(join(committed, file), 'utf8'),
    );
  }
});
