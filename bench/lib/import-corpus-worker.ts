/**
 * One worker of the import corpus run (bench/import-corpus.bench.ts): imports documents one after another as
 * `raku import openapi` would with no options (split by tag when over the cap), fits and validates every
 * pack, and prints one line per document: `start <i>` before it, `result <json>` after. A document that kills
 * the process (out of memory, a hang the parent ends) is the last `start` without a `result`.
 * The selection is made once (importUnlessOverCap), as the command does.
 * Arguments: <list file (JSON array of paths)> <first index>.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../generator/config/src/errors.ts';
import type { Pack } from '../../generator/config/src/model/types.ts';
import { type ImportReport, importUnlessOverCap } from '../../generator/import/src/build-pack.ts';
import { checkPack } from '../../generator/import/src/import-pack.ts';
import { parseDocument } from '../../generator/import/src/openapi-document.ts';
import { importOpenApiSplit } from '../../generator/import/src/split-by-tag.ts';
import { currentThreadId, threadCpuMs } from './thread-cpu.ts';

export interface CorpusResult {
  index: number;
  outcome: 'imported' | 'refused' | 'invalid' | 'crashed';
  /** refused / invalid / crashed: why (the UserError, the first diagnostic, the exception). */
  reason?: string;
  packs: number;
  validPacks: number;
  tools: number;
  operations: number;
  notImportedByCode: Record<string, number>;
  split: boolean;
  /** Wall time of the document (read, parse, import, fit, validate). */
  ms: number;
  /** CPU time of the worker's main thread for it (does not count waiting for a core on a busy machine). */
  cpuMs: number;
}

const tid = currentThreadId();

const [listFile, first] = process.argv.slice(2) as [string, string];
const files = JSON.parse(readFileSync(listFile, 'utf8')) as string[];
for (let index = Number(first); index < files.length; index++) {
  process.stdout.write(`start ${index}\n`);
  process.stdout.write(`result ${JSON.stringify(importOne(index, files[index] as string))}\n`);
}

function importOne(index: number, file: string): CorpusResult {
  const start = performance.now();
  const cpuStart = threadCpuMs(tid) ?? 0;
  const result: CorpusResult = {
    index,
    outcome: 'imported',
    packs: 0,
    validPacks: 0,
    tools: 0,
    operations: 0,
    notImportedByCode: {},
    split: false,
    ms: 0,
    cpuMs: 0,
  };
  try {
    const doc = parseDocument(readFileSync(file), file);
    const options = {
      name: 'corpus',
      owner: 'corpus',
      sourceDocument: 'openapi.json',
      sha256: '0'.repeat(64),
    };
    let packs: Pack[];
    let report: ImportReport;
    const first = importUnlessOverCap(doc, options);
    if (first.overCap) {
      const split = importOpenApiSplit(doc, options, first.selection);
      packs = split.packs.map((p) => p.pack);
      report = split.report;
      result.split = true;
    } else {
      packs = [first.pack];
      report = first.report;
    }
    result.operations = report.operationCount;
    for (const s of report.skipped)
      result.notImportedByCode[s.code] = (result.notImportedByCode[s.code] ?? 0) + 1;
    result.packs = packs.length;
    let firstProblem: string | undefined;
    for (const pack of packs) {
      try {
        const checked = checkPack(pack, `packs/${pack.name}/pack.yaml`, []);
        const error = checked.diagnostics.find((d) => d.severity === 'error');
        if (error) firstProblem ??= `${error.rule}: ${error.path} ${error.message}`;
        else {
          result.validPacks++;
          result.tools += pack.tools.length;
        }
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        firstProblem ??= (err as Error).message;
      }
    }
    if (result.validPacks === 0) {
      result.outcome = 'invalid';
      result.reason = firstProblem ?? 'no pack';
    }
  } catch (err) {
    const e = err as Error;
    result.outcome = err instanceof UserError ? 'refused' : 'crashed';
    result.reason = result.outcome === 'crashed' ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : e.message;
  }
  result.ms = performance.now() - start;
  result.cpuMs = (threadCpuMs(tid) ?? 0) - cpuStart;
  return result;
}
