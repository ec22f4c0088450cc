/**
 * Redaction of tool arguments and results before they are stored in a trace. Pure: values in, new values out.
 *
 * A value is replaced by `[REDACTED]` when
 *  - its key matches the secret-key pattern (password, token, api_key, authorization, cookie, …), or
 *  - the tool's input schema marks the property `x-sensitive: true` (followed through `properties`, `items`,
 *    `additionalProperties`, `prefixItems`; `$ref` is not followed), or
 *  - it is a string shaped like a credential (JWT, PEM private key, GitHub/AWS/Slack/OpenAI-style tokens).
 * Inside any string, `Bearer <token>`/`Basic <creds>` keep the scheme and lose the credential, `user:pass@` in URLs
 * is removed, `password=…`/`api_key: …` assignments lose their value, and e-mail addresses become `[EMAIL]` (configurable). Strings holding JSON are parsed and redacted
 * as structures, so a secret inside an MCP text content block is caught by its key too.
 */

export const REDACTED = '[REDACTED]';
export const EMAIL = '[EMAIL]';

export interface RedactionOptions {
  /** Extra key patterns (case-insensitive regular-expression sources) treated as secrets. Default none. */
  extraSecretKeys?: string[];
  /** Replace e-mail addresses with `[EMAIL]`. Default true (they are personal data). */
  redactEmails?: boolean;
  /** Strings longer than this are cut (the stored trace keeps the first part). Default 2048 characters. */
  maxStringLength?: number;
  /** Nesting deeper than this is replaced by `[TRUNCATED]`. Default 32. */
  maxDepth?: number;
}

export interface RedactionRules {
  secretKey: RegExp;
  redactEmails: boolean;
  maxStringLength: number;
  maxDepth: number;
}

const SECRET_KEY_SOURCES = [
  'pass(word|wd|phrase)?',
  'secret',
  'token$',
  'token[-_]?id$',
  'api[-_]?key',
  'access[-_]?key',
  'private[-_]?key',
  'auth(orization)?$',
  'cookie',
  'credential',
  'session[-_]?id',
  'signature',
  '^x-api-key$',
];

/** Whole-string credential shapes. Anchored, no nested quantifiers (linear time). */
const SECRET_SHAPES: RegExp[] = [
  /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$/, // JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/, // PEM private key
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/, // GitHub tokens
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key id
  /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/, // Slack
  /\bsk-[A-Za-z0-9_-]{20,}\b/, // OpenAI-style secret keys
  /\bglpat-[A-Za-z0-9_-]{20,}\b/, // GitLab
];

const JWT_IN_TEXT = /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const AUTH_SCHEME = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi;
/** `password=…`, `api_key: …` inside free text (log lines, error messages, query strings). */
const SECRET_ASSIGNMENT =
  /\b(pass(?:word|wd)?|secret|token|api[-_]?key|access[-_]?key|client[-_]?secret)(["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi;
const EMAIL_ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/**
 * Every pattern above needs one of these (case-insensitively): a JWT 'eyJ', a key-shape prefix, a scheme word,
 * or one of `=` `:` `@` (assignments, URLs, e-mail). A string holding none is kept as it is after one scan
 * instead of a dozen; trace rows are built on the gateway's event loop. Keep it in step with the patterns.
 */
const MAY_HOLD_SECRET =
  /eyJ|-----BEGIN|gh[pousr]_|github_pat_|AKIA|ASIA|xox[abposr]-|sk-|glpat-|bearer|basic|token|[=:@]/i;

export function compileRedaction(options: RedactionOptions = {}): RedactionRules {
  const sources = [...SECRET_KEY_SOURCES, ...(options.extraSecretKeys ?? [])];
  return {
    secretKey: new RegExp(sources.map((s) => `(${s})`).join('|'), 'i'),
    redactEmails: options.redactEmails ?? true,
    maxStringLength: options.maxStringLength ?? 2048,
    maxDepth: options.maxDepth ?? 32,
  };
}

export const DEFAULT_REDACTION: RedactionRules = compileRedaction();

type Schema = Record<string, unknown> | undefined;

/** Returns a redacted copy of `value`. `schema` is the JSON Schema describing it (for `x-sensitive`). */
export function redact(value: unknown, schema: Schema, rules: RedactionRules = DEFAULT_REDACTION): unknown {
  return walk(value, schema, rules, 0);
}

function walk(value: unknown, schema: Schema, rules: RedactionRules, depth: number): unknown {
  if (schema && schema['x-sensitive'] === true) return REDACTED;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return redactString(value.replaceAll('\u0000', '\uFFFD'), rules, depth);
  if (depth >= rules.maxDepth) return '[TRUNCATED]';
  if (Array.isArray(value)) {
    return value.map((item, i) => walk(item, itemSchema(schema, i), rules, depth + 1));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      // NUL is the one character Postgres text/jsonb refuse: one such trace must not poison a batch.
      const safeKey = key.replaceAll('\u0000', '\uFFFD');
      out[safeKey] = rules.secretKey.test(key)
        ? REDACTED
        : walk(item, propertySchema(schema, key), rules, depth + 1);
    }
    return out;
  }
  // undefined, functions, symbols, bigints: not JSON; keep the trace valid JSON.
  return typeof value === 'bigint' ? value.toString() : null;
}

/**
 * The regular expressions below only ever see the kept length plus this margin: it bounds their cost on huge
 * strings (some are quadratic in the worst case), and a secret crossing the cut is still seen whole.
 */
const SCAN_MARGIN = 256;

function redactString(value: string, rules: RedactionRules, depth: number): string {
  const trimmed = value.trimStart();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && value.length <= 1_000_000) {
    const parsed = tryParse(value);
    if (parsed !== undefined) {
      return truncate(JSON.stringify(walk(parsed, undefined, rules, depth + 1)), rules);
    }
  }
  const limit = rules.maxStringLength + SCAN_MARGIN;
  const scanned = value.length > limit ? value.slice(0, limit) : value;
  if (!MAY_HOLD_SECRET.test(scanned)) return truncate(scanned, rules, value.length - scanned.length);
  if (SECRET_SHAPES.some((shape) => shape.test(scanned))) return REDACTED;
  let out = scanned.replace(JWT_IN_TEXT, REDACTED);
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(SECRET_ASSIGNMENT, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
  out = out.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  if (rules.redactEmails && out.includes('@')) out = out.replace(EMAIL_ADDRESS, EMAIL);
  return truncate(out, rules, value.length - scanned.length);
}

/** Cuts to the kept length; `dropped` counts characters already cut before scanning. */
function truncate(out: string, rules: RedactionRules, dropped = 0): string {
  if (out.length <= rules.maxStringLength && dropped === 0) return out;
  const kept = out.slice(0, rules.maxStringLength);
  return `${kept}…[${out.length - kept.length + dropped} more characters]`;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asSchema(value: unknown): Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function propertySchema(schema: Schema, key: string): Schema {
  if (!schema) return undefined;
  const properties = asSchema(schema['properties']);
  if (properties && Object.hasOwn(properties, key)) return asSchema(properties[key]);
  return asSchema(schema['additionalProperties']);
}

function itemSchema(schema: Schema, index: number): Schema {
  if (!schema) return undefined;
  const prefix = schema['prefixItems'];
  if (Array.isArray(prefix) && index < prefix.length) return asSchema(prefix[index]);
  return asSchema(schema['items']);
}
