import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Pack } from '@raku/config';
import { exposedToolName, readFileNoFollow, sha256Hex, UserError, validateRepo } from '@raku/config';
import { type OpenApiDocument, parseDocument } from '@raku/import';
import { formatPackTest, type RecordedExample, runPackTest, type ToolTestResult } from '@raku/release';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { globalOptions } from './options.ts';

/** One pack in `raku pack test --format json`: a stable shape, documented in docs/import.md. */
export interface PackTestReport {
  pack: string;
  version: string;
  passed: number;
  failed: number;
  skipped: number;
  tools: {
    /** Exposed name, as agents and policies see it. */
    tool: string;
    outcome: ToolTestResult['outcome'];
    /** Where the mock upstream's answer came from. */
    answer: ToolTestResult['responseFrom'];
    problems: string[];
  }[];
}

function packTestReport(pack: Pack, results: readonly ToolTestResult[]): PackTestReport {
  const count = (o: ToolTestResult['outcome']) => results.filter((r) => r.outcome === o).length;
  return {
    pack: pack.name,
    version: pack.version,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    tools: results.map((r) => ({
      tool: exposedToolName(pack, r.tool),
      outcome: r.outcome,
      answer: r.responseFrom,
      problems: r.problems,
    })),
  };
}

function jsonReport(packs: PackTestReport[]) {
  const sum = (key: 'passed' | 'failed' | 'skipped') => packs.reduce((n, p) => n + p[key], 0);
  return {
    ok: sum('failed') === 0,
    passed: sum('passed'),
    failed: sum('failed'),
    skipped: sum('skipped'),
    packs,
  };
}

async function allPackDirs(root: string): Promise<string[]> {
  const entries = await readdir(path.join(root, 'packs'), { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(root, 'packs', e.name))
    .sort();
}

/**
 * Tests one pack folder. Files are read without following symbolic links below the repository root (or, for a
 * folder named by path, below its parent), as `raku validate` reads them.
 */
async function testPackDir(
  dir: string,
  root: string,
  ctx: CliContext,
): Promise<{ pack: Pack; results: ToolTestResult[] }> {
  const file = path.join(dir, 'pack.yaml');
  const inRoot = !path.relative(root, dir).startsWith('..') && !path.isAbsolute(path.relative(root, dir));
  const base = inRoot ? root : path.dirname(dir);
  const read = (rel: string) => readFileNoFollow(base, path.relative(base, path.join(dir, rel)));
  let bytes: Buffer;
  try {
    bytes = await read('pack.yaml');
  } catch (err) {
    if (err instanceof UserError) throw err;
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
  const document = await readSourceDocument(read, pack);
  const results = await runPackTest({
    pack,
    ...(document ? { document } : {}),
    examples: await readExamples(dir, read),
  });
  return { pack, results };
}

type ReadInPack = (rel: string) => Promise<Buffer>;

async function readSourceDocument(read: ReadInPack, pack: Pack): Promise<OpenApiDocument | undefined> {
  const doc = pack.source?.document;
  if (!doc || /^https?:/i.test(doc) || doc.includes('..')) return undefined;
  try {
    const bytes = await read(doc);
    return sha256Hex(bytes) === pack.source?.sha256 ? parseDocument(bytes, doc) : undefined;
  } catch {
    return undefined;
  }
}

async function readExamples(dir: string, read: ReadInPack): Promise<Map<string, RecordedExample>> {
  const out = new Map<string, RecordedExample>();
  let files: string[];
  try {
    files = await readdir(path.join(dir, 'examples'));
  } catch {
    return out;
  }
  for (const f of files.filter((x) => x.endsWith('.json')).sort()) {
    const text = (await read(`examples/${f}`)).toString('utf8');
    try {
      out.set(f.slice(0, -5), JSON.parse(text) as RecordedExample);
    } catch (err) {
      throw new UserError(`${path.join(dir, 'examples', f)}: not JSON: ${(err as Error).message}`);
    }
  }
  return out;
}

export async function runPackTestCommand(
  names: string[],
  opts: { format: string },
  cmd: Command,
  ctx: CliContext,
): Promise<void> {
  if (opts.format !== 'text' && opts.format !== 'json')
    throw new UserError(`--format must be text or json, not "${opts.format}"`);
  const root = path.resolve(ctx.cwd, globalOptions(cmd).root);
  const dirs =
    names.length > 0
      ? names.map((n) => (n.includes('/') ? path.resolve(ctx.cwd, n) : path.join(root, 'packs', n)))
      : await allPackDirs(root);
  if (dirs.length === 0) throw new UserError(`no packs under ${path.join(root, 'packs')}`);
  const failures: string[] = [];
  const reports: PackTestReport[] = [];
  for (const dir of dirs) {
    const { pack, results } = await testPackDir(dir, root, ctx);
    if (opts.format === 'text') ctx.stdout(formatPackTest(pack, results));
    reports.push(packTestReport(pack, results));
    const failed = results.filter((r) => r.outcome === 'fail').length;
    if (failed > 0) failures.push(`${failed} tool${failed === 1 ? '' : 's'} of ${path.basename(dir)}`);
  }
  if (opts.format === 'json') ctx.stdout(`${JSON.stringify(jsonReport(reports), null, 2)}\n`);
  if (failures.length > 0) throw new UserError(`${failures.join(', ')} failed`);
}
