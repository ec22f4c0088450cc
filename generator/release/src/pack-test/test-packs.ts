import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Pack } from '@raku/config';
import {
  agentCardSha256,
  exposedToolName,
  readFileNoFollow,
  sha256Hex,
  UserError,
  validateRepo,
} from '@raku/config';
import { CARD_SNAPSHOT, type OpenApiDocument, parseDocument } from '@raku/import';
import type { RecordedExample, ToolTestResult } from './run-pack-test.ts';
import { runPackTest } from './run-pack-test.ts';

/** What `raku pack test` asks for, already parsed. */
export interface TestPacksOptions {
  /** Repository root; packs named by name are under <root>/packs. */
  root: string;
  /** Pack names, or pack folders (a name with a slash, relative to `cwd`); empty means every pack of the root. */
  packs: readonly string[];
  /** Folder the pack folders and the reported paths are relative to. */
  cwd: string;
}

/** One pack tested: its results, as they come. */
export interface TestPacksEvents {
  onPack?: (pack: Pack, results: readonly ToolTestResult[]) => void;
}

/** What a pack test run found: one report per pack and the failures, named ("2 tools of petstore"). */
export interface TestPacksResult {
  reports: PackTestReport[];
  failures: string[];
}

/**
 * Tests packs against a mock upstream (runPackTest): every tool called with arguments built from its input
 * schema or its recorded example, the HTTP request checked against the mapping and the answer against the
 * output schema. Throws a UserError when a pack is missing or does not validate; failing tools are reported.
 */
export async function testPacks(
  options: TestPacksOptions,
  events: TestPacksEvents = {},
): Promise<TestPacksResult> {
  const { root, cwd } = options;
  const dirs =
    options.packs.length > 0
      ? options.packs.map((n) => (n.includes('/') ? path.resolve(cwd, n) : path.join(root, 'packs', n)))
      : await allPackDirs(root);
  if (dirs.length === 0) throw new UserError(`no packs under ${path.join(root, 'packs')}`);
  const failures: string[] = [];
  const reports: PackTestReport[] = [];
  for (const dir of dirs) {
    const { pack, results } = await testPackDir(dir, root, cwd);
    events.onPack?.(pack, results);
    reports.push(packTestReport(pack, results));
    const failed = results.filter((r) => r.outcome === 'fail').length;
    if (failed > 0) failures.push(`${failed} tool${failed === 1 ? '' : 's'} of ${path.basename(dir)}`);
  }
  return { reports, failures };
}

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

/** The JSON report of `raku pack test --format json`: totals and one entry per pack. */
export function packTestJson(packs: PackTestReport[]) {
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
  cwd: string,
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
    throw new UserError(`${path.relative(cwd, file)}: no such pack`);
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
  const agentCard = await readAgentCard(read, pack);
  const results = await runPackTest({
    pack,
    ...(document ? { document } : {}),
    ...(agentCard === undefined ? {} : { agentCard }),
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

/** An A2A pack's card snapshot (agent-card.json), only while it is the card the pack's cardSha256 names. */
async function readAgentCard(read: ReadInPack, pack: Pack): Promise<unknown> {
  if (!pack.upstream.a2a) return undefined;
  try {
    const card: unknown = JSON.parse((await read(CARD_SNAPSHOT)).toString('utf8'));
    return agentCardSha256(card) === pack.upstream.a2a.cardSha256 ? card : undefined;
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
