/**
 * The import analysis of the GitHub REST description (12 MB, about 1,200 operations), phase by phase, and the
 * whole request as a client sees it (issue #14: at most 2 s on the server). Run: npx tsx bench/import-analysis.ts
 * [runs]. Prints the median and the range of each phase over the runs, after one warm-up.
 *
 *  - body: express.json's work on the request body (the depth and string checks, then JSON.parse)
 *  - parse: @raku/import's parseDocument of the document text (as the route does)
 *  - analysis: analyzeImport (analyzeOpenApi and the answer's shape)
 *  - serialise: JSON.stringify of the answer
 *  - request: POST /v1/imports/openapi/analysis over HTTP to a local gateway (`npm start`'s main.ts in its own
 *    process, on a temporary copy of the config, RAKU_AUTH=none), until the answer is read
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { jsonBodyProblem } from '../gateway/src/admin/request-validation.ts';
import { analyzeImport } from '../gateway/src/builder/import-analysis.ts';
import { readImportSource } from '../gateway/src/builder/import-source.ts';

const runs = Number(process.argv[2] ?? 5);
const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
const document = readFileSync(file, 'utf8');
const body = Buffer.from(JSON.stringify({ document, name: 'github' }));
const settings = { fetchUrls: false, allowPrivateNetworks: false };

const phases: Record<string, number[]> = { body: [], parse: [], analysis: [], serialise: [], request: [] };
const time = async <T>(phase: string, run: () => T | Promise<T>, keep: boolean): Promise<T> => {
  const start = performance.now();
  const value = await run();
  if (keep) phases[phase]?.push(performance.now() - start);
  return value;
};

let operations = 0;
let answerBytes = 0;
for (let i = 0; i <= runs; i++) {
  const keep = i > 0;
  const parsed = await time(
    'body',
    () => {
      if (jsonBodyProblem(body)) throw new Error('body refused');
      return JSON.parse(body.toString('utf8')) as { document: string; name: string };
    },
    keep,
  );
  const read = await time('parse', () => readImportSource(parsed, settings), keep);
  const analysis = await time('analysis', () => analyzeImport(read, []), keep);
  const text = await time('serialise', () => JSON.stringify(analysis), keep);
  operations = analysis.operations.length;
  answerBytes = text.length;
}

const root = mkdtempSync(path.join(tmpdir(), 'raku-import-bench-'));
const repo = path.resolve(import.meta.dirname, '..');
for (const dir of ['packs', 'zones', 'policies'])
  cpSync(path.join(repo, dir), path.join(root, dir), { recursive: true });
const child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'gateway/src/main.ts'), 'local'], {
  env: {
    PATH: process.env['PATH'],
    RAKU_ROOT: root,
    RAKU_DATA_DIR: 'memory://',
    PORT: '0',
    RAKU_AUTH: 'none',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /MCP endpoint\s+(http\S+)\/mcp/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before listening:\n${out}`)));
  });
  for (let i = 0; i <= runs; i++) {
    await time(
      'request',
      async () => {
        const res = await fetch(`${base}/v1/imports/openapi/analysis`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        return res.json();
      },
      i > 0,
    );
  }
} finally {
  child.kill();
  rmSync(root, { recursive: true, force: true });
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
console.log(
  `GitHub REST description: ${(document.length / 1e6).toFixed(1)} MB, ${operations} operations; answer ${(answerBytes / 1e6).toFixed(1)} MB; ${runs} runs after a warm-up`,
);
for (const [phase, values] of Object.entries(phases)) {
  console.log(
    `${phase.padEnd(10)} median ${median(values).toFixed(0).padStart(5)} ms  (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`,
  );
}
