/**
 * Turns a recorded tool call into the row that is stored: redacted arguments/result, sizes, sanitised text.
 * Pure; the sink calls it off the request path.
 */
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
}

/** Postgres text refuses NUL; everything else is stored as given. */
function text(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

function optionalText(value: string | null | undefined): string | null {
  return value === null || value === undefined ? null : text(value);
}

/** Byte length of the value as JSON (0 for undefined). */
export function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  const json = JSON.stringify(value);
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

function redactedJson(value: unknown, schema: Record<string, unknown> | undefined, rules: RedactionRules) {
  if (value === undefined || value === null) return null;
  return JSON.stringify(redact(value, schema, rules));
}

export function toTraceRow(
  id: string,
  record: TraceRecord,
  rules: RedactionRules = DEFAULT_REDACTION,
): TraceRow {
  const latency = Number.isFinite(record.latencyMs) && record.latencyMs >= 0 ? record.latencyMs : 0;
  const error = record.error ? (redact(record.error, undefined, rules) as string) : null;
  return {
    id,
    time: Number.isNaN(record.time.getTime()) ? new Date() : record.time,
    subject: text(record.subject),
    subjectKind: text(record.subjectKind),
    tool: text(record.tool),
    route: optionalText(record.route),
    target: optionalText(record.target),
    decision: text(record.decision),
    rule: optionalText(record.rule),
    revision: text(record.revision),
    latencyMs: latency,
    status: text(record.status),
    argsBytes: record.argsBytes ?? jsonBytes(record.args),
    resultBytes: record.resultBytes ?? jsonBytes(record.result),
    args: redactedJson(record.args, record.inputSchema, rules),
    result: redactedJson(record.result, undefined, rules),
    error,
  };
}
