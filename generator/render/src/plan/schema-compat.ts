/**
 * Breaking changes between two versions of a tool's input schema, from the caller's side: a call that was
 * valid before must stay valid. Reported: a property that became required, a property removed, a type
 * narrowed (fewer JSON types, number → integer), enum values removed, bounds tightened, a pattern or format
 * added or changed, extra properties no longer allowed. Walks `properties` and `items` recursively.
 */
type Schema = Record<string, unknown>;

export interface SchemaBreak {
  /** Dotted location of the argument, e.g. 'filter.labels[]'; '' for the arguments object itself. */
  at: string;
  message: string;
}

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

export function inputSchemaBreaks(before: unknown, after: unknown): SchemaBreak[] {
  const out: SchemaBreak[] = [];
  compare(asSchema(before), asSchema(after), '', out);
  return out;
}

function asSchema(v: unknown): Schema {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : {};
}

function types(s: Schema): Set<string> | undefined {
  const t = s['type'];
  if (typeof t === 'string')
    return new Set(t === 'integer' ? ['integer'] : t === 'number' ? ['number', 'integer'] : [t]);
  if (Array.isArray(t)) {
    const set = new Set(t.map(String));
    if (set.has('number')) set.add('integer');
    return set;
  }
  return undefined;
}

function name(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

function label(at: string): string {
  return at === '' ? 'the arguments' : `"${at}"`;
}

function compare(a: Schema, b: Schema, at: string, out: SchemaBreak[]): void {
  const ta = types(a);
  const tb = types(b);
  if (tb && (!ta || [...ta].some((t) => !tb.has(t)))) {
    out.push({ at, message: `type of ${label(at)} narrowed from ${fmtType(a)} to ${fmtType(b)}` });
  }
  if (Array.isArray(b['enum'])) {
    const allowed = new Set((b['enum'] as unknown[]).map((v) => JSON.stringify(v)));
    if (!Array.isArray(a['enum']))
      out.push({ at, message: `${label(at)} is now limited to ${JSON.stringify(b['enum'])}` });
    else {
      const removed = (a['enum'] as unknown[]).filter((v) => !allowed.has(JSON.stringify(v)));
      if (removed.length > 0)
        out.push({
          at,
          message: `${label(at)} no longer accepts ${removed.map((v) => JSON.stringify(v)).join(', ')}`,
        });
    }
  }
  if ('const' in b && JSON.stringify(a['const']) !== JSON.stringify(b['const'])) {
    out.push({ at, message: `${label(at)} must now equal ${JSON.stringify(b['const'])}` });
  }
  for (const key of LOWER_BOUNDS) {
    const nb = b[key];
    const na = a[key];
    if (typeof nb === 'number' && (typeof na !== 'number' || nb > na)) {
      out.push({ at, message: `${key} of ${label(at)} raised from ${na ?? 'none'} to ${nb}` });
    }
  }
  for (const key of UPPER_BOUNDS) {
    const nb = b[key];
    const na = a[key];
    if (typeof nb === 'number' && (typeof na !== 'number' || nb < na)) {
      out.push({ at, message: `${key} of ${label(at)} lowered from ${na ?? 'none'} to ${nb}` });
    }
  }
  for (const key of ['pattern', 'format'] as const) {
    if (typeof b[key] === 'string' && b[key] !== a[key]) {
      out.push({
        at,
        message: `${key} of ${label(at)} ${a[key] === undefined ? 'added' : 'changed'}: ${String(b[key])}`,
      });
    }
  }
  if (b['additionalProperties'] === false && a['additionalProperties'] !== false) {
    out.push({ at, message: `${label(at)} no longer accept${at === '' ? '' : 's'} extra properties` });
  }

  const propsA = asSchema(a['properties']);
  const propsB = asSchema(b['properties']);
  const requiredA = new Set(Array.isArray(a['required']) ? (a['required'] as string[]) : []);
  const requiredB = Array.isArray(b['required']) ? (b['required'] as string[]) : [];
  for (const key of requiredB) {
    if (!requiredA.has(key))
      out.push({ at: name(at, key), message: `argument "${name(at, key)}" is now required` });
  }
  for (const key of Object.keys(propsA)) {
    if (!(key in propsB)) {
      out.push({ at: name(at, key), message: `argument "${name(at, key)}" was removed` });
      continue;
    }
    compare(asSchema(propsA[key]), asSchema(propsB[key]), name(at, key), out);
  }
  if (a['items'] !== undefined || b['items'] !== undefined) {
    compare(asSchema(a['items']), asSchema(b['items']), `${at}[]`, out);
  }
}

function fmtType(s: Schema): string {
  const t = s['type'];
  return t === undefined ? 'any' : Array.isArray(t) ? t.join('|') : String(t);
}
