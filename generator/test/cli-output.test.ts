import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../config/src/diagnostic.ts';
import { formatDiagnostics } from '../config/src/validate/format.ts';
import { copyExampleRepo, runRaku } from './repo-fixture.ts';

/** Everything a terminal, a log viewer or Unicode takes as the end of a line. */
const LINE_BREAK = /[\n\r\v\f\u0085\u2028\u2029]/;
/** What may not reach the output raw: control characters and bidirectional overrides. */
const RAW_CONTROL =
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const hostileChar = fc.oneof(
  fc.constantFrom(
    '\n',
    '\r',
    '\r\n',
    '\v',
    '\f',
    '\u0085',
    '\u2028',
    '\u2029',
    '\u001b[2K',
    '\u202e',
    '\t',
    '\0',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileText = fc.string({ unit: hostileChar, maxLength: 40 });

const diagnostic = (file: string, over: Partial<Diagnostic> = {}): Diagnostic => ({
  file,
  line: 3,
  column: 5,
  path: 'tools[0].name',
  rule: 'schema',
  message: 'must be a string',
  severity: 'error',
  ...over,
});

describe('diagnostics in text and GitHub formats', () => {
  it('print one line per diagnostic whatever the file is called', () => {
    fc.assert(
      fc.property(hostileText, (name) => {
        const file = `zones/${name}.yaml`;
        const text = formatDiagnostics([diagnostic(file)], 'text', 1);
        const [line, summary, rest] = text.split('\n');
        expect(rest).toBe('');
        expect(summary).toBe('1 file checked: 1 error, 0 warnings');
        expect(line).not.toMatch(LINE_BREAK);
        expect(line).not.toMatch(RAW_CONTROL);
        const github = formatDiagnostics([diagnostic(file)], 'github', 1);
        expect(github.split('\n')).toHaveLength(2);
        expect(github.slice(0, -1)).not.toMatch(LINE_BREAK);
        expect(github.slice(0, -1)).not.toMatch(RAW_CONTROL);
      }),
      { numRuns: 500 },
    );
  });

  it('print one line per diagnostic whatever its path, message and rule hold', () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, (fieldPath, message, rule) => {
        const text = formatDiagnostics(
          [diagnostic('zones/a.yaml', { path: fieldPath, message, rule })],
          'text',
          1,
        );
        const [line, , rest] = text.split('\n');
        expect(rest).toBe('');
        expect(line).not.toMatch(RAW_CONTROL);
      }),
      { numRuns: 300 },
    );
  });

  it('show a newline in a file name as \\n, so the name stays readable', () => {
    const text = formatDiagnostics([diagnostic('zones/a\nb\u001b.yaml')], 'text', 1);
    expect(text.split('\n')[0]).toBe(
      'zones/a\\nb\\u001b.yaml:3:5: error tools[0].name: must be a string [schema]',
    );
  });

  it('keep JSON exact: the file name is the real one', () => {
    const list = JSON.parse(formatDiagnostics([diagnostic('zones/a\nb.yaml')], 'json', 1)) as Diagnostic[];
    expect(list[0]?.file).toBe('zones/a\nb.yaml');
  });
});

describe('raku validate on a file whose name holds a newline', () => {
  let repo: string;
  const forged = 'x\nforged.yaml:1:1: error forged line [schema]\n';
  beforeAll(() => {
    repo = copyExampleRepo('raku-names-');
    mkdirSync(path.join(repo, 'zones'), { recursive: true });
    writeFileSync(path.join(repo, 'zones', `${forged}.yaml`), 'name: 12\n');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('prints the name escaped on the line of its diagnostics and forges no line', async () => {
    const r = await runRaku(['validate', '-C', repo]);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('forged.yaml'))).toEqual([]);
    expect(
      lines.some((l) => l.startsWith('zones/x\\nforged.yaml:1:1: error forged line [schema]\\n.yaml:')),
    ).toBe(true);
    for (const line of lines) expect(line).not.toMatch(RAW_CONTROL);
  });

  it('prints workflow commands that each stay on their line', async () => {
    const r = await runRaku(['validate', '-C', repo, '--format', 'github']);
    for (const line of r.out.trimEnd().split('\n')) expect(line).toMatch(/^::(error|warning) file=/);
  });
});
