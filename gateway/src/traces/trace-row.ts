/**
 * Turns a recorded tool call into the row that is stored: redacted arguments/result, sizes, sanitised text.
 * Pure; the sink calls it off the request path.
 *
 * It never throws, whatever the record holds, so one call can never stop the trace writer (issue 11: a
 * 4,300-deep arguments object made JSON.stringify throw here and the process exit). A payload that cannot be
 * stored as it is (nested past the JSON bounds, larger than them, or not JSON at all: cycles, throwing getters)
 * is replaced by a marker object, `{"$raku":"truncated","reason":"depth","bytes":8601}`, so the trace still
 * says who called what, and that the payload was cut. Every string of the row, inside the JSON payloads too,
 * is made storable: NUL and lone surrogates become U+FFFD (Postgres refuses both in text and jsonb).
 */
import { IMPLICIT_TENANT } from '@raku/config';
import { type BoundViolation, jsonBounds, measureJson, violationMessage } from '@raku/pack-runtime';
import { DEFAULT_REDACTION, type RedactionRules, redact } from './redaction.ts';
import type { TraceRecord } from './types.ts';

export interface TraceRow {
  id: string;
  time: Date;
  subject: string;
  subjectKind: string;
  tool: string;
  route: string | null;
  target: string | null;
  decision: string;
  rule: string | null;
  revision: string;
  latencyMs: number;
  status: string;
  argsBytes: number;
  resultBytes: number;
  /** Redacted arguments as JSON text (null when there were none). */
  args: string | null;
  /** Redacted result as JSON text (null when there was none). */
  result: string | null;
  error: string | null;
  /** Zone of the gateway's bundle (null when the record named none). */
  zone: string | null;
  /** W3C trace id, 32 lowercase hex digits (null when the record named none or it was malformed). */
  traceId: string | null;
  /** The tenant the call was made in (IMPLICIT_TENANT when the record named none): the row's owner. */
  tenant: string;
}

/** Why a payload was replaced: a JSON bound, not JSON, or refused by the database even after sanitising. */
export type TruncationReason = BoundViolation | 'refused' | 'failed';

/** Stands in for a payload that could not be stored as it is. `$raku` is the flag to query on. */
export interface TruncatedMarker {
  $raku: 'truncated';
  reason: TruncationReason;
  /** Size of the payload as JSON (a lower bound when reason is `size`: counting stopped at the limit). */
  bytes: number;
}

export function truncatedMarker(reason: TruncationReason, bytes: number): TruncatedMarker {
  return { $raku: 'truncated', reason, bytes };
}

const wellFormed = (value: string): string =>
  (value as string & { isWellFormed(): boolean }).isWellFormed()
    ? value
    : (value as string & { toWellFormed(): string }).toWellFormed();

/** Text Postgres stores as it is: NUL and lone surrogates become U+FFFD. */
export function storableText(value: string): string {
  return wellFormed(value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value);
}

/**
 * `\u0000` and surrogate escapes after an even run of backslashes (so `\\u0000`, an escaped backslash and
 * then text, is left alone). JSON.stringify writes a lone surrogate as such an escape and a valid pair as it
 * is, so in its output every surrogate escape is a lone one.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;

/** JSON.stringify output that jsonb accepts: NUL and lone-surrogate escapes become `\ufffd`. */
export function storableJson(json: string): string {
  return json.includes('\\u') ? json.replace(UNSTORABLE_ESCAPE, '$1\\ufffd') : json;
}

/** Postgres keeps timestamps from 4713 BC to 294276 AD; JavaScript dates reach further back. */
function storableTime(time: unknown): Date {
  if (!(time instanceof Date)) return new Date();
  const year = time.getUTCFullYear();
  return Number.isNaN(year) || year < -4712 || year > 294_275 ? new Date() : time;
}

function optionalText(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : storableText(String(value));
}

/** Byte length of the value as JSON (0 for undefined), or of what was counted before a bound stopped it. */
export function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  return measureJson(value, { maxDepth: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY }).bytes;
}

interface Payload {
  json: string | null;
  bytes: number;
}

/**
 * A payload's stored JSON and its size. Checked before redaction, which walks values recursively and parses
 * JSON held in strings: a value it could not walk safely is never handed to it.
 */
function payload(
  value: unknown,
  knownBytes: number | undefined,
  schema: Record<string, unknown> | undefined,
  rules: RedactionRules,
): Payload {
  if (value === undefined) return { json: null, bytes: knownBytes ?? 0 };
  const bounds = jsonBounds();
  const measured = measureJson(value, bounds, { jsonInStrings: true });
  const bytes = knownBytes ?? measured.bytes;
  if (value === null) return { json: null, bytes };
  if (!measured.ok) return { json: JSON.stringify(truncatedMarker(measured.reason, bytes)), bytes };
  try {
    const json = JSON.stringify(redact(value, schema, rules));
    return { json: json === undefined ? null : storableJson(json), bytes };
  } catch {
    return { json: JSON.stringify(truncatedMarker('failed', bytes)), bytes };
  }
}

/** The redacted error text; one holding JSON nested past the bounds is not handed to redaction (it parses it). */
function errorText(error: string, rules: RedactionRules): unknown {
  const bounds = jsonBounds();
  const measured = measureJson(error, bounds, { jsonInStrings: true });
  if (!measured.ok) {
    return `[error text not stored: ${violationMessage('it', measured.reason, bounds)}]`;
  }
  return redact(error, undefined, rules);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= 2 ** 31 - 1
    ? value
    : undefined;
}

function builtRow(id: string, record: TraceRecord, rules: RedactionRules): TraceRow {
  const latency = Number.isFinite(record.latencyMs) && record.latencyMs >= 0 ? record.latencyMs : 0;
  const args = payload(record.args, count(record.argsBytes), record.inputSchema, rules);
  const result = payload(record.result, count(record.resultBytes), undefined, rules);
  const error = typeof record.error === 'string' ? errorText(record.error, rules) : null;
  return {
    id,
    time: storableTime(record.time),
    subject: storableText(record.subject),
    subjectKind: storableText(record.subjectKind),
    tool: storableText(record.tool),
    route: optionalText(record.route),
    target: optionalText(record.target),
    decision: storableText(record.decision),
    rule: optionalText(record.rule),
    revision: storableText(record.revision),
    latencyMs: latency,
    status: storableText(record.status),
    argsBytes: Math.min(args.bytes, 2 ** 31 - 1),
    resultBytes: Math.min(result.bytes, 2 ** 31 - 1),
    args: args.json,
    result: result.json,
    error: typeof error === 'string' ? storableText(error) : null,
    zone: optionalText(record.zone),
    traceId: w3cTraceId(record.traceId),
    tenant: tenantOf(record.tenant),
  };
}

/** The row's tenant: the record's when it is a non-empty string, else IMPLICIT_TENANT. */
function tenantOf(value: unknown): string {
  return typeof value === 'string' && value !== '' ? storableText(value) : IMPLICIT_TENANT;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

/** A W3C trace id as stored: 32 lowercase hex digits, not all zero (the spec's invalid id); else null. */
export function w3cTraceId(value: unknown): string | null {
  return typeof value === 'string' && TRACE_ID.test(value) && value !== '0'.repeat(32) ? value : null;
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? storableText(value) : fallback;
}

/**
 * The row of a record whose row could not be built, or that the database refused: the call's identity as far
 * as it is plain text, and markers in place of the payloads.
 */
export function markedRow(
  id: string,
  record: TraceRecord,
  reason: TruncationReason,
  /** Sizes already measured (the row that was refused), else the record's own. */
  sizes: Partial<Pick<TraceRow, 'argsBytes' | 'resultBytes'>> = {},
): TraceRow {
  const bytes = (value: unknown) => count(value) ?? 0;
  const marker = (value: unknown, known: unknown) =>
    value === undefined || value === null ? null : JSON.stringify(truncatedMarker(reason, bytes(known)));
  const nullable = (value: unknown) => (typeof value === 'string' ? storableText(value) : null);
  return {
    id,
    time: storableTime(record.time),
    subject: textOr(record.subject, 'anonymous'),
    subjectKind: textOr(record.subjectKind, 'anonymous'),
    tool: textOr(record.tool, ''),
    route: nullable(record.route),
    target: nullable(record.target),
    decision: textOr(record.decision, 'none'),
    rule: nullable(record.rule),
    revision: textOr(record.revision, ''),
    latencyMs: Number.isFinite(record.latencyMs) && record.latencyMs >= 0 ? record.latencyMs : 0,
    status: textOr(record.status, 'error'),
    argsBytes: bytes(sizes.argsBytes ?? record.argsBytes),
    resultBytes: bytes(sizes.resultBytes ?? record.resultBytes),
    args: marker(record.args, sizes.argsBytes ?? record.argsBytes),
    result: marker(record.result, sizes.resultBytes ?? record.resultBytes),
    error: null,
    zone: nullable(record.zone),
    traceId: w3cTraceId(record.traceId),
    tenant: tenantOf(record.tenant),
  };
}

/** The row the database refused, its payloads replaced by markers (the sink keeps rows, not the raw records). */
export function markedRowOf(row: TraceRow, reason: TruncationReason): TraceRow {
  const marker = (json: string | null, bytes: number) =>
    json === null ? null : JSON.stringify(truncatedMarker(reason, bytes));
  return {
    ...row,
    args: marker(row.args, row.argsBytes),
    result: marker(row.result, row.resultBytes),
    error: null,
  };
}

/**
 * What a row takes in memory beside its texts: the object, its id, date and numbers, the sink's slot. 20,000
 * rows of a small call held 1,017 bytes each on Node 20, of which ~200 their texts.
 */
const ROW_OVERHEAD_BYTES = 800;

/**
 * What a row holds in memory, for the sink's byte bound: the length of its texts and JSON payloads (V8 keeps
 * ASCII text at a byte a character; other text takes two, so this is a lower bound there) plus a fixed share.
 */
export function traceRowBytes(row: TraceRow): number {
  let chars = row.subject.length + row.tool.length + row.revision.length;
  for (const text of [row.args, row.result, row.error, row.route, row.target, row.rule, row.zone]) {
    if (text !== null) chars += text.length;
  }
  return chars + ROW_OVERHEAD_BYTES;
}

/** The stored row of a trace. Never throws: what cannot be stored as it is comes out as markers. */
export function toTraceRow(
  id: string,
  record: TraceRecord,
  rules: RedactionRules = DEFAULT_REDACTION,
): TraceRow {
  try {
    return builtRow(id, record, rules);
  } catch {
    return markedRow(id, record, 'failed');
  }
}
