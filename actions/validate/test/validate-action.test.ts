import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../generator/config/src/diagnostic.ts';
import {
  addedLines,
  chooseAnnotations,
  renderSummary,
} from '../../../generator/config/src/validate/annotations.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BUNDLE = path.join(ROOT, 'actions/validate/dist/index.mjs');

const diag = (file: string, line: number, severity: Diagnostic['severity'] = 'error'): Diagnostic => ({
  file,
  line,
  column: 1,
  path: 'x',
  rule: 'schema',
  message: `problem at ${line}`,
  severity,
});

describe('annotation planning', () => {
  it('reads added lines from a unified diff', () => {
    const patch =
      '@@ -1,3 +1,4 @@\n name: a\n-old: 1\n+new: 1\n+more: 2\n same: 3\n@@ -10,2 +11,2 @@\n x\n+y';
    expect([...addedLines(patch)]).toEqual([2, 3, 12]);
  });

  it('puts problems on changed lines first and caps each severity at 10', () => {
    const list = [
      ...Array.from({ length: 15 }, (_, i) => diag('zones/a.yaml', i + 1)),
      diag('zones/b.yaml', 7),
      ...Array.from({ length: 12 }, (_, i) => diag('zones/a.yaml', 100 + i, 'warning')),
    ];
    const changed = new Map([['zones/b.yaml', new Set([7])]]);
    const { annotations, omitted } = chooseAnnotations(list, changed);
    expect(annotations[0]).toEqual(diag('zones/b.yaml', 7));
    expect(annotations.filter((d) => d.severity === 'error')).toHaveLength(10);
    expect(annotations.filter((d) => d.severity === 'warning')).toHaveLength(10);
    expect(omitted).toBe(list.length - 20);
  });

  it('escapes config text in the summary table', () => {
    const summary = renderSummary([{ ...diag('a.yaml', 1), message: 'bad <script>|x' }], 1, 0);
    expect(summary).toContain('bad &lt;script&gt;&#124;x');
    expect(summary).not.toContain('<script>');
  });
});

describe('the bundled action', () => {
  let repo: string;
  let api: Server;
  let apiUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    repo = mkdtempSync(path.join(tmpdir(), 'raku-action-'));
    for (const dir of ['packs', 'zones', 'policies', 'tenants'])
      cpSync(path.join(ROOT, dir), path.join(repo, dir), { recursive: true });
    // 12 errors in one file: more than GitHub shows, so the summary must carry the rest.
    const bad = readFileSync(path.join(repo, 'zones/dev.yaml'), 'utf8').replace(
      'namespace: raku-dev',
      'namespace: Raku_Dev',
    );
    writeFileSync(path.join(repo, 'zones/dev.yaml'), bad);
    writeFileSync(
      path.join(repo, 'policies/extra.yaml'),
      `name: extra\nroles:\n${Array.from({ length: 12 }, (_, i) => `  - { name: r${i}, tools: ["x.${i}"], bogus${i}: 1 }`).join('\n')}\n`,
    );
    api = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/repos/acme/config/pulls/7/files')) {
        const lines = readFileSync(path.join(repo, 'zones/dev.yaml'), 'utf8').split('\n');
        const at = lines.indexOf('namespace: Raku_Dev') + 1;
        const patch = `@@ -${at - 1},3 +${at - 1},3 @@\n ${lines[at - 2]}\n-namespace: raku-dev\n+namespace: Raku_Dev\n ${lines[at]}`;
        res.end(JSON.stringify([{ filename: 'zones/dev.yaml', patch }]));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    api.close();
    rmSync(repo, { recursive: true, force: true });
  });

  it('annotates changed lines first, writes the summary and outputs, and fails the step', async () => {
    const event = path.join(repo, 'event.json');
    const summary = path.join(repo, 'summary.md');
    const output = path.join(repo, 'output.txt');
    writeFileSync(
      event,
      JSON.stringify({
        pull_request: { number: 7 },
        repository: { name: 'config', owner: { login: 'acme' } },
      }),
    );
    writeFileSync(summary, '');
    writeFileSync(output, '');
    const env = {
      PATH: process.env['PATH'],
      GITHUB_WORKSPACE: repo,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: 'acme/config',
      GITHUB_API_URL: apiUrl,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      INPUT_PATH: '.',
      'INPUT_GITHUB-TOKEN': 'test-token',
      'INPUT_FAIL-ON-WARNINGS': 'false',
    };
    const result = await promisify(execFile)(process.execPath, [BUNDLE], { env }).catch(
      (e: { code: number; stdout: string }) => e,
    );
    const stdout = (result as { stdout: string }).stdout;
    expect(process.exitCode ?? 0).toBe(0);
    expect((result as { code?: number }).code).toBe(1);
    expect(seen).toContain('GET /repos/acme/config/pulls/7/files?per_page=100');
    const annotations = stdout
      .split('\n')
      .filter((l) => l.startsWith('::error') || l.startsWith('::warning'));
    const nsLine =
      readFileSync(path.join(repo, 'zones/dev.yaml'), 'utf8').split('\n').indexOf('namespace: Raku_Dev') + 1;
    expect(annotations[0]).toMatch(new RegExp(`^::error .*file=zones/dev\\.yaml,line=${nsLine},`));
    expect(annotations.filter((l) => l.startsWith('::error'))).toHaveLength(10);
    const text = readFileSync(summary, 'utf8');
    expect(text).toContain('## Raku validate');
    expect(text).toMatch(/13 errors/);
    expect(text).toMatch(/3 problems are listed here only/);
    expect(readFileSync(output, 'utf8')).toMatch(/errors<<.*\n13\n/);
  });
});
