import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { type OpenApiDocument, parseDocument } from '../import/openapi-document.ts';
import { sha256Hex } from '../model/hash.ts';
import type { Pack } from '../model/types.ts';
import { formatPackTest, type RecordedExample, runPackTest } from '../pack-test/run-pack-test.ts';
import { validateRepo } from '../validate/validate-repo.ts';
import type { CliContext } from './context.ts';
import { globalOptions } from './main.ts';

export function registerPackTest(program: Command, ctx: CliContext): void {
  const packCmd =
    program.commands.find((c) => c.name() === 'pack') ??
    program.command('pack').description('Work with one pack.');
  packCmd
    .command('test')
    .description(
      "Call every tool of a pack against a mock upstream: arguments built from the input schema (or examples/<tool>.json), the HTTP request checked against the mapping, the answer (recorded example, the source document's example, or built from the output schema) checked against the output schema.",
    )
    .argument(
      '[packs...]',
      'pack names (packs/<pack>/pack.yaml) or pack folders; default: every pack of the repository',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every tool passed (skips allowed), 1 a tool failed or a pack is invalid, 2 internal fault.',
    )
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
      const dirs =
        names.length > 0
          ? names.map((n) => (n.includes('/') ? path.resolve(ctx.cwd, n) : path.join(root, 'packs', n)))
          : await allPackDirs(root);
      if (dirs.length === 0) throw new UserError(`no packs under ${path.join(root, 'packs')}`);
      const failures: string[] = [];
      for (const dir of dirs) {
        const failed = await testPackDir(dir, ctx);
        if (failed > 0) failures.push(`${failed} tool${failed === 1 ? '' : 's'} of ${path.basename(dir)}`);
      }
      if (failures.length > 0) throw new UserError(`${failures.join(', ')} failed`);
    });
}

async function allPackDirs(root: string): Promise<string[]> {
  const entries = await readdir(path.join(root, 'packs'), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(root, 'packs', e.name))
    .sort();
}

/** Tests one pack folder; returns how many tools failed. */
async function testPackDir(dir: string, ctx: CliContext): Promise<number> {
  const file = path.join(dir, 'pack.yaml');
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new UserError(`${path.relative(ctx.cwd, file)}: no such pack`);
  }
  const rel = `packs/${path.basename(dir)}/pack.yaml`;
  const checked = validateRepo([{ path: rel, bytes }]);
  const pack = checked.model.packs[0]?.value as Pack | undefined;
  if (!pack) {
    throw new UserError(
      `${rel} does not validate: ${checked.diagnostics[0]?.message ?? 'unknown problem'} (run raku validate)`,
    );
  }
  const document = await readSourceDocument(dir, pack);
  const results = await runPackTest({
    pack,
    ...(document ? { document } : {}),
    examples: await readExamples(dir),
  });
  ctx.stdout(formatPackTest(pack, results));
  return results.filter((r) => r.outcome === 'fail').length;
}

async function readSourceDocument(dir: string, pack: Pack): Promise<OpenApiDocument | undefined> {
  const doc = pack.source?.document;
  if (!doc || /^https?:/i.test(doc) || doc.includes('..')) return undefined;
  try {
    const bytes = await readFile(path.join(dir, doc));
    return sha256Hex(bytes) === pack.source?.sha256 ? parseDocument(bytes, doc) : undefined;
  } catch {
    return undefined;
  }
}

async function readExamples(dir: string): Promise<Map<string, RecordedExample>> {
  const out = new Map<string, RecordedExample>();
  let files: string[];
  try {
    files = await readdir(path.join(dir, 'examples'));
  } catch {
    return out;
  }
  for (const f of files.filter((x) => x.endsWith('.json')).sort()) {
    const text = await readFile(path.join(dir, 'examples', f), 'utf8');
    try {
      out.set(f.slice(0, -5), JSON.parse(text) as RecordedExample);
    } catch (err) {
      throw new UserError(`${path.join(dir, 'examples', f)}: not JSON: ${(err as Error).message}`);
    }
  }
  return out;
}
