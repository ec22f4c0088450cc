/**
 * Redaction of tool arguments and results before they are stored in a trace or shown on an approval request.
 * Pure: values in, new values out.
 *
 * A value is replaced by `[REDACTED]` when
 *  - its key matches the secret-key pattern (password, token, api_key, authorization, cookie, …) or is one of
 *    the secret names given in the options (a pack's API-key header), or
 *  - the tool's input schema marks the property `x-sensitive: true` (followed through `properties`, `items`,
 *    `additionalProperties`, `prefixItems`; `$ref` is not followed).
 * Inside any string, each credential found is replaced and the text around it kept: the credential formats of
 * gitleaks' catalogue (./secret-catalogue.ts, 200+ formats: Stripe, Google, npm, SendGrid, …) and our own
 * (JWTs, PEM private keys, `Bearer`/`Basic` credentials, `user:pass@` in URLs, `password=`/`access_token=`/
 * `sessionid=` assignments); the same search runs on the URL-decoded text, so `Bearer%20eyJ…` is caught.
 * E-mail addresses become `[EMAIL]` (configurable). Strings holding JSON are parsed and redacted as structures,
 * so a secret inside an MCP text content block is caught by its key too.
 */
import { SECRET_CATALOGUE } from './secret-catalogue.ts';

export const REDACTED = '[REDACTED]';
export const EMAIL = '[EMAIL]';
export const TRUNCATED = '[TRUNCATED]';

export interface RedactionOptions {
  /** Extra key patterns (case-insensitive regular-expression sources) treated as secrets. Default none. */
  extraSecretKeys?: string[];
  /**
   * Names whose values are secrets wherever they appear: as a key, and as `Name: value` or `name=value` in
   * text (compared case-insensitively). For the header or query parameter of a pack's `apiKey` auth, which
   * can be any name. Default none.
   */
  secretNames?: string[];
  /** Replace e-mail addresses with `[EMAIL]`. Default true (they are personal data). */
  redactEmails?: boolean;
  /** Strings longer than this are cut (the stored trace keeps the first part). Default 2048; `Infinity` keeps all. */
  maxStringLength?: number;
  /** Nesting deeper than this is replaced by `[TRUNCATED]`. Default 32. */
  maxDepth?: number;
}

/** One way of finding a credential in text: the keywords that must occur, the pattern, the secret's group. */
interface TextRule {
  id: string;
  keywords: readonly string[];
  regex: RegExp;
  group: number;
}

export interface RedactionRules {
  secretKey: RegExp;
  redactEmails: boolean;
  maxStringLength: number;
  maxDepth: number;
  /** Every text rule, and by keyword (lower case) the rules that keyword can start. */
  textRules: readonly TextRule[];
  byKeyword: ReadonlyMap<string, readonly TextRule[]>;
  /** The keywords by their first character, and the length of the longest. */
  byFirstChar: ReadonlyMap<string, readonly string[]>;
  longestKeyword: number;
  /** Matches any keyword (case-insensitively, global): a string without one is left as it is after one scan. */
  prefilter: RegExp;
}

const SECRET_KEY_SOURCES = [
  'pass(word|wd|phrase)?',
  'secret',
  'token$',
  'token[-_]?id$',
  'api[-_]?key',
  'access[-_]?key',
  'private[-_]?key',
  '[-_]key$',
  'auth(orization)?$',
  'cookie',
  'credential',
  'session[-_]?id',
  'sess(ion)?id$',
  '^sid$',
  'signature',
  '^x-api-key$',
];

/** Names of values in assignments (`name=value`, `name: value`) that are secrets. */
const ASSIGNED_NAMES = String.raw`pass(?:word|wd|phrase)?|secret|token|api[-_]?key|apikey|access[-_]?key|private[-_]?key|client[-_]?secret|[a-z]{0,12}sess(?:ion)?[-_]?id|session|sid|signature|sig|credentials?|auth`;
const ASSIGNMENT_SEPARATOR = String.raw`(["']?\s*[=:]\s*["']?)`;
const ASSIGNMENT_VALUE = String.raw`[^\s&"',;]+`;

/**
 * Our own text rules, beside the catalogue. Each finds the secret as its group `group`; no nested
 * quantifiers and no lookbehind (safe-regex2 vouches only for what it can parse), so a test can check each.
 * An assignment's name must start the text or follow a non-alphanumeric: `max_tokens=` is not `token=`.
 */
const OWN_RULES: readonly {
  id: string;
  keywords: string[];
  pattern: string;
  flags: string;
  group: number;
}[] = [
  {
    id: 'jwt',
    keywords: ['eyj'],
    pattern: String.raw`\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`,
    flags: 'g',
    group: 0,
  },
  {
    id: 'pem-private-key',
    keywords: ['-----begin'],
    pattern: String.raw`-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|$)`,
    flags: 'g',
    group: 0,
  },
  {
    id: 'github-token',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    pattern: String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`,
    flags: 'g',
    group: 0,
  },
  {
    id: 'aws-access-key-id',
    keywords: ['akia', 'asia'],
    pattern: String.raw`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`,
    flags: 'g',
    group: 0,
  },
  {
    id: 'slack-token',
    keywords: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxs-', 'xoxr-'],
    pattern: String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
    flags: 'g',
    group: 0,
  },
  { id: 'sk-key', keywords: ['sk-'], pattern: String.raw`\bsk-[A-Za-z0-9_-]{20,}`, flags: 'g', group: 0 },
  {
    id: 'gitlab-token',
    keywords: ['glpat-'],
    pattern: String.raw`\bglpat-[A-Za-z0-9_-]{20,}`,
    flags: 'g',
    group: 0,
  },
  {
    id: 'auth-scheme',
    keywords: ['bearer', 'basic', 'token', 'digest', 'negotiate'],
    pattern: String.raw`\b(?:Bearer|Basic|Token|Digest|Negotiate)\s+([A-Za-z0-9._~+/=-]{8,})`,
    flags: 'gi',
    group: 1,
  },
  {
    id: 'url-userinfo',
    keywords: ['://'],
    pattern: String.raw`\b[a-z][a-z0-9+.-]*:\/\/([^\s/@:]+:[^\s/@]+)@`,
    flags: 'gi',
    group: 1,
  },
  {
    id: 'secret-assignment',
    keywords: ['pass', 'secret', 'token', 'key', 'sess', 'sid', 'sig', 'credential', 'auth'],
    pattern: String.raw`(?:^|[^A-Za-z0-9])(?:${ASSIGNED_NAMES})${ASSIGNMENT_SEPARATOR}(${ASSIGNMENT_VALUE})`,
    flags: 'gi',
    group: 2,
  },
];

const EMAIL_ADDRESS = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

export function compileRedaction(options: RedactionOptions = {}): RedactionRules {
  const names = (options.secretNames ?? []).filter((n) => n.length > 0);
  const sources = [
    ...SECRET_KEY_SOURCES,
    ...(options.extraSecretKeys ?? []),
    ...names.map((n) => `^${escapeRegExp(n)}$`),
  ];
  const specs = [...OWN_RULES, ...SECRET_CATALOGUE];
  if (names.length > 0) {
    specs.push({
      id: 'declared-secret-name',
      keywords: names.map((n) => n.toLowerCase()),
      pattern: `(?:^|[^A-Za-z0-9_-])(?:${names.map(escapeRegExp).join('|')})${ASSIGNMENT_SEPARATOR}(${ASSIGNMENT_VALUE})`,
      flags: 'gi',
      group: 2,
    });
  }
  const textRules = specs.map((spec) => ({
    id: spec.id,
    keywords: spec.keywords,
    regex: new RegExp(spec.pattern, `${spec.flags}d`),
    group: spec.group,
  }));
  const byKeyword = new Map<string, TextRule[]>();
  for (const rule of textRules) {
    for (const keyword of rule.keywords) byKeyword.set(keyword, [...(byKeyword.get(keyword) ?? []), rule]);
  }
  // Longest first, so a keyword that contains another is reported as itself.
  const keywords = [...byKeyword.keys()].sort((a, b) => b.length - a.length);
  const byFirstChar = new Map<string, string[]>();
  for (const keyword of keywords)
    byFirstChar.set(keyword[0]!, [...(byFirstChar.get(keyword[0]!) ?? []), keyword]);
  return {
    secretKey: new RegExp(sources.map((s) => `(${s})`).join('|'), 'i'),
    redactEmails: options.redactEmails ?? true,
    maxStringLength: options.maxStringLength ?? 2048,
    maxDepth: options.maxDepth ?? 32,
    textRules,
    byKeyword,
    byFirstChar,
    longestKeyword: keywords[0]?.length ?? 0,
    prefilter: new RegExp(trieSource(keywords), 'gi'),
  };
}

type Trie = Map<string, Trie> & { end?: boolean };

/**
 * One pattern for many keywords, factored by common prefix (`b(?:earer|asic)`): V8 runs that several times
 * faster than a flat alternation of 250 literals. A keyword that extends a shorter one is left out: the
 * prefilter only has to stop where some keyword starts.
 */
function trieSource(keywords: readonly string[]): string {
  const root: Trie = new Map();
  for (const keyword of keywords) {
    let node = root;
    for (const char of keyword) {
      const next: Trie = node.get(char) ?? new Map();
      node.set(char, next);
      node = next;
    }
    node.end = true;
  }
  const emit = (node: Trie): string => {
    if (node.end) return '';
    const branches = [...node].map(([char, next]) => escapeRegExp(char) + emit(next));
    return branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
  };
  return emit(root) || '(?!)';
}

export const DEFAULT_REDACTION: RedactionRules = compileRedaction();

type Schema = Record<string, unknown> | undefined;

/** What a redaction changed, as JSON Pointers (RFC 6901) into the value. */
export interface RedactionReport {
  /** Values replaced, or strings with a part replaced, because they held a secret. */
  masked: string[];
  /** Values cut short, with how many characters (of the string, or of the JSON of a cut subtree) are not shown. */
  truncated: { path: string; omittedCharacters: number }[];
}

interface Walk {
  rules: RedactionRules;
  /** Present when the caller wants to know what changed. */
  report?: RedactionReport;
}

/** Returns a redacted copy of `value`. `schema` is the JSON Schema describing it (for `x-sensitive`). */
export function redact(value: unknown, schema: Schema, rules: RedactionRules = DEFAULT_REDACTION): unknown {
  return walk(value, schema, { rules }, 0, '');
}

/** Like `redact`, and says where it masked or cut something. */
export function redactWithReport(
  value: unknown,
  schema: Schema,
  rules: RedactionRules = DEFAULT_REDACTION,
): { value: unknown; report: RedactionReport } {
  const report: RedactionReport = { masked: [], truncated: [] };
  return { value: walk(value, schema, { rules, report }, 0, ''), report };
}

const pointer = (parent: string, key: string | number) =>
  `${parent}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`;

function masked(ctx: Walk, path: string): string {
  ctx.report?.masked.push(path);
  return REDACTED;
}

function walk(value: unknown, schema: Schema, ctx: Walk, depth: number, path: string): unknown {
  if (schema && schema['x-sensitive'] === true) return masked(ctx, path);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return redactString(value.replaceAll('\u0000', '\uFFFD'), ctx, depth, path);
  if (depth >= ctx.rules.maxDepth) {
    ctx.report?.truncated.push({ path, omittedCharacters: jsonLength(value) });
    return TRUNCATED;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => walk(item, itemSchema(schema, i), ctx, depth + 1, pointer(path, i)));
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      // NUL is the one character Postgres text/jsonb refuse: one such trace must not poison a batch. A key
      // can hold a secret too (a token used as a map key); two keys masked alike stay apart.
      const at = ctx.report ? pointer(path, key) : '';
      const cleaned = key.replaceAll('\u0000', '\uFFFD');
      // Keys are mostly short names: only one as long as a credential is searched.
      const maskedKey = cleaned.length >= SECRET_KEY_LENGTH ? maskSecrets(cleaned, ctx.rules) : cleaned;
      if (maskedKey !== cleaned) ctx.report?.masked.push(at);
      let safeKey = maskedKey;
      for (let n = 2; Object.hasOwn(out, safeKey); n++) safeKey = `${maskedKey} (${n})`;
      const redacted = ctx.rules.secretKey.test(key)
        ? masked(ctx, at)
        : walk(item, propertySchema(schema, key), ctx, depth + 1, at);
      // A "__proto__" key (JSON.parse makes it an own property) stays data, not a prototype: defineProperty for
      // it alone, since it costs ten times a plain assignment.
      if (safeKey === '__proto__') {
        Object.defineProperty(out, safeKey, {
          value: redacted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[safeKey] = redacted;
    }
    return out;
  }
  // undefined, functions, symbols, bigints: not JSON; keep the trace valid JSON.
  return typeof value === 'bigint' ? value.toString() : null;
}

/** The shortest key searched for credentials (tokens used as map keys are longer). */
const SECRET_KEY_LENGTH = 16;

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return -1; // too deep to measure: say so rather than guess
  }
}

/**
 * The text rules only ever see the kept length plus this margin: it bounds their cost on huge strings, and a
 * secret crossing the cut is still seen whole.
 */
const SCAN_MARGIN = 256;

function redactString(value: string, ctx: Walk, depth: number, path: string): string {
  const { rules } = ctx;
  const trimmed = value.trimStart();
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && value.length <= 1_000_000) {
    const parsed = tryParse(value);
    if (parsed !== undefined) {
      // Redacted as a structure; kept as written (formatting and all) when nothing inside was a secret.
      const inner: Walk = { rules, report: { masked: [], truncated: [] } };
      const out = walk(parsed, undefined, inner, depth + 1, '');
      const { masked: maskedInside, truncated: cutInside } = inner.report!;
      if (maskedInside.length > 0) ctx.report?.masked.push(path);
      if (cutInside.length > 0) {
        const omittedCharacters = cutInside.reduce((sum, cut) => sum + Math.max(0, cut.omittedCharacters), 0);
        ctx.report?.truncated.push({ path, omittedCharacters });
      }
      const changed = maskedInside.length > 0 || cutInside.length > 0;
      return truncate(changed ? JSON.stringify(out) : value, ctx, path);
    }
  }
  const limit = rules.maxStringLength + SCAN_MARGIN;
  const scanned = value.length > limit ? value.slice(0, limit) : value;
  const dropped = value.length - scanned.length;
  let out = maskSecrets(scanned, rules);
  if (out !== scanned) ctx.report?.masked.push(path);
  if (rules.redactEmails && out.includes('@')) out = out.replace(EMAIL_ADDRESS, EMAIL);
  return truncate(out, ctx, path, dropped);
}

/** Replaces every credential the text rules find in `text`, also where the text is URL-encoded. */
export function maskSecrets(text: string, rules: RedactionRules = DEFAULT_REDACTION): string {
  const ranges = findSecrets(text, rules);
  if (/%[0-9A-Fa-f]{2}|\+/.test(text)) {
    // The same search on the decoded text, each finding mapped back onto the encoded characters.
    let view = { text, at: [...Array(text.length + 1).keys()] };
    for (let round = 0; round < 3; round++) {
      const decoded = urlDecoded(view.text);
      if (decoded.text === view.text) break;
      const at = decoded.at.map((i) => view.at[i]!);
      view = { text: decoded.text, at };
      for (const [start, end] of findSecrets(view.text, rules)) ranges.push([view.at[start]!, view.at[end]!]);
    }
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  let out = '';
  let cursor = 0;
  for (const [start, end] of merged) {
    out += text.slice(cursor, start) + REDACTED;
    cursor = end;
  }
  return out + text.slice(cursor);
}

/** The shortest text any rule finds a secret in (`sid=x`): shorter strings are not scanned. */
const SHORTEST_SECRET_TEXT = 5;

/**
 * [start, end) of each secret the text rules find. One scan with the keyword prefilter finds every position
 * where a keyword starts (stepping one character on, so overlapping keywords are all seen); only the rules
 * of the keywords found are run.
 */
function findSecrets(text: string, rules: RedactionRules): [number, number][] {
  if (text.length < SHORTEST_SECRET_TEXT) return [];
  const scan = rules.prefilter;
  scan.lastIndex = 0;
  let hit = scan.exec(text);
  if (!hit) return [];
  const run = new Set<TextRule>();
  while (hit) {
    const at = hit.index;
    const head = text.slice(at, at + rules.longestKeyword).toLowerCase();
    for (const keyword of rules.byFirstChar.get(head[0] ?? '') ?? []) {
      if (head.startsWith(keyword)) for (const rule of rules.byKeyword.get(keyword) ?? []) run.add(rule);
    }
    scan.lastIndex = at + 1;
    hit = scan.exec(text);
  }
  const ranges: [number, number][] = [];
  for (const rule of run) {
    rule.regex.lastIndex = 0;
    for (const match of text.matchAll(rule.regex)) {
      const span = match.indices?.[rule.group] ?? match.indices?.[0];
      if (span && span[1] > span[0]) ranges.push([span[0], span[1]]);
    }
  }
  return ranges;
}

/** Percent-decodes ASCII (`%20`) and `+`, keeping for each decoded character the index it came from. */
function urlDecoded(text: string): { text: string; at: number[] } {
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text[i] === '%' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-7][0-9A-Fa-f]$/.test(hex)) {
      out += String.fromCharCode(Number.parseInt(hex, 16));
      at.push(i);
      i += 2;
    } else {
      out += text[i] === '+' ? ' ' : text[i];
      at.push(i);
    }
  }
  at.push(text.length);
  return { text: out, at };
}

/** Cuts to the kept length; `dropped` counts characters already cut before scanning. */
function truncate(out: string, ctx: Walk, path: string, dropped = 0): string {
  const max = ctx.rules.maxStringLength;
  if (out.length <= max && dropped === 0) return out;
  const kept = out.slice(0, max);
  const omitted = out.length - kept.length + dropped;
  ctx.report?.truncated.push({ path, omittedCharacters: omitted });
  return `${kept}…[${omitted} more characters]`;
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
