/**
 * Finds the import specifiers of a TypeScript module without a compiler: a small tokenizer that skips
 * comments, strings, template literals and regular expressions, then reads the specifier that follows
 * `import`, `import(`, `from` (import … from / export … from) and `require(`. TypeScript 7 here is native and
 * has no compiler API, so a tokenizer is the robust option: a regular expression over raw text sees imports
 * inside comments and strings, and misses them after a regular expression holding a quote.
 */

/** How a module depends on another: at load time, on demand, or for types only (erased at run time). */
export type ImportKind = 'static' | 'dynamic' | 'type';

export interface ImportRef {
  specifier: string;
  /** 1-based line of the specifier. */
  line: number;
  kind: ImportKind;
}

interface Token {
  /** 'id' for words, 'str' for string literals (and templates without substitutions), 'punct' otherwise. */
  type: 'id' | 'str' | 'punct';
  value: string;
  line: number;
}

/** After these, a '/' starts a regular expression rather than a division. */
const REGEX_AFTER_WORDS = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'instanceof',
  'yield',
  'await',
]);

/** Tokens before `import(` that put it in a type position (`typeof import('x')`, `x: import('y').T`). */
const TYPE_POSITION = new Set(['typeof', ':', '<', '|', '&', 'extends']);

/** What a module depends on: its import specifiers, and the lines that read `process.env`. */
export interface ModuleScan {
  imports: ImportRef[];
  envReads: number[];
}

/** Scans one module's source text (comments, strings and regular expressions are skipped). */
export function scanModule(source: string): ModuleScan {
  const tokens = tokenize(source);
  const envReads = tokens.flatMap((t, i) =>
    t.value === 'process' && tokens[i + 1]?.value === '.' && tokens[i + 2]?.value === 'env' ? [t.line] : [],
  );
  return { imports: importsOf(tokens), envReads };
}

/** Every import specifier of `source`, in order, with its line and kind. */
export function scanImports(source: string): ImportRef[] {
  return importsOf(tokenize(source));
}

function importsOf(tokens: readonly Token[]): ImportRef[] {
  const out: ImportRef[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const prev = tokens[i - 1];
    if (t.type !== 'id' || prev?.value === '.') continue;
    const next = tokens[i + 1];
    const after = tokens[i + 2];
    if (t.value === 'import' && next?.type === 'str') {
      out.push({ specifier: next.value, line: next.line, kind: 'static' });
    } else if (
      (t.value === 'import' || t.value === 'require') &&
      next?.value === '(' &&
      after?.type === 'str'
    ) {
      const typePosition = t.value === 'import' && prev !== undefined && TYPE_POSITION.has(prev.value);
      out.push({ specifier: after.value, line: after.line, kind: typePosition ? 'type' : 'dynamic' });
    } else if (t.value === 'from' && next?.type === 'str') {
      out.push({ specifier: next.value, line: next.line, kind: typeOnly(tokens, i) ? 'type' : 'static' });
    }
  }
  return out;
}

/** Whether the `import`/`export` statement ending at the `from` token at `fromIndex` brings in types only. */
function typeOnly(tokens: readonly Token[], fromIndex: number): boolean {
  let start = fromIndex - 1;
  while (start >= 0 && !['import', 'export'].includes((tokens[start] as Token).value)) start--;
  const head = tokens.slice(start + 1, fromIndex);
  // `import type X from` / `export type { X } from`, but not a default import named `type`.
  if (head[0]?.value === 'type' && head.length > 1) return true;
  if (head[0]?.value !== '{' || head.at(-1)?.value !== '}') return false;
  // `{ type A, type B }`: every name is marked as a type.
  const names = head.slice(1, -1);
  const groups: Token[][] = [[]];
  for (const tok of names) {
    if (tok.value === ',') groups.push([]);
    else groups.at(-1)?.push(tok);
  }
  const nonEmpty = groups.filter((g) => g.length > 0);
  return nonEmpty.length > 0 && nonEmpty.every((g) => g[0]?.value === 'type' && g.length > 1);
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  /** Open `${` of template literals: the brace depth at which each one closes. */
  const templates: number[] = [];
  let depth = 0;
  let line = 1;
  let i = 0;
  const push = (type: Token['type'], value: string, at: number) => tokens.push({ type, value, line: at });

  /** Reads a template body from `i` (after '`' or '}'); returns after the closing '`' or an opening '${'. */
  const templateBody = (startLine: number): void => {
    let text = '';
    let substituted = false;
    while (i < src.length) {
      const c = src[i] as string;
      if (c === '\\') {
        text += src[i + 1] ?? '';
        if (src[i + 1] === '\n') line++;
        i += 2;
      } else if (c === '`') {
        i++;
        if (!substituted) push('str', text, startLine);
        else push('punct', '`', line);
        return;
      } else if (c === '$' && src[i + 1] === '{') {
        i += 2;
        substituted = true;
        push('punct', '${', line);
        templates.push(depth);
        depth++;
        return;
      } else {
        if (c === '\n') line++;
        text += c;
        i++;
      }
    }
  };

  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      for (let k = i; k < stop; k++) if (src[k] === '\n') line++;
      i = stop;
    } else if (c === "'" || c === '"') {
      const startLine = line;
      let text = '';
      i++;
      while (i < src.length && src[i] !== c && src[i] !== '\n') {
        if (src[i] === '\\') {
          text += src[i + 1] ?? '';
          i += 2;
        } else text += src[i++];
      }
      i++;
      push('str', text, startLine);
    } else if (c === '`') {
      i++;
      templateBody(line);
    } else if (c === '/' && startsRegex(tokens.at(-1))) {
      let inClass = false;
      i++;
      while (i < src.length && src[i] !== '\n') {
        const r = src[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < src.length && /[a-z]/i.test(src[i] as string)) i++;
      push('punct', '/regex/', line);
    } else if (/[A-Za-z_$0-9]/.test(c)) {
      let word = '';
      while (i < src.length && /[A-Za-z_$0-9]/.test(src[i] as string)) word += src[i++];
      push('id', word, line);
    } else if (c === '{') {
      depth++;
      push('punct', c, line);
      i++;
    } else if (c === '}') {
      depth--;
      i++;
      if (templates.at(-1) === depth) {
        templates.pop();
        push('punct', '}', line);
        templateBody(line);
      } else push('punct', c, line);
    } else {
      push('punct', c, line);
      i++;
    }
  }
  return tokens;
}

function startsRegex(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.type === 'str') return false;
  if (prev.type === 'id') return REGEX_AFTER_WORDS.has(prev.value);
  return prev.value !== ')' && prev.value !== ']' && prev.value !== '/regex/';
}
