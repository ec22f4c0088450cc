/**
 * Strict checks of Prometheus Operator objects (ServiceMonitor, PrometheusRule), offline, for tests.
 * @kubernetes-models/prometheus-operator (generated from the Operator's Go API types) validates types, required
 * fields and formats, but lets unknown fields through, which the API server would silently prune. So this
 * file also walks each object against the same package's type declarations: every `declare class` lists all
 * fields of a model (inherited ones too), and a field that no declaration names is an error, the way
 * `kubectl apply --validate=strict` treats it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const require = createRequire(import.meta.url);
const OPERATOR_DIR = path.dirname(require.resolve('@kubernetes-models/prometheus-operator/package.json'));

type TypeExpr =
  | { kind: 'object'; props: Map<string, TypeExpr>; index?: TypeExpr }
  | { kind: 'array'; of: TypeExpr }
  | { kind: 'union'; of: TypeExpr[] }
  | { kind: 'ref'; name: string; file: string }
  | { kind: 'leaf' };

const ROOTS: Record<string, { file: string; model: typeof ServiceMonitor | typeof PrometheusRule }> = {
  ServiceMonitor: { file: 'monitoring.coreos.com/v1/ServiceMonitor.d.ts', model: ServiceMonitor },
  PrometheusRule: { file: 'monitoring.coreos.com/v1/PrometheusRule.d.ts', model: PrometheusRule },
};

/** True for the objects this file checks. */
export function isPrometheusOperatorObject(obj: { apiVersion?: unknown; kind?: unknown }): boolean {
  return obj.apiVersion === 'monitoring.coreos.com/v1' && typeof obj.kind === 'string' && obj.kind in ROOTS;
}

/** Problems of one ServiceMonitor or PrometheusRule, empty when valid. */
export function strictPrometheusOperatorErrors(obj: Record<string, unknown>): string[] {
  const root = ROOTS[String(obj['kind'])];
  if (!root || obj['apiVersion'] !== 'monitoring.coreos.com/v1')
    throw new Error(`no schema for ${String(obj['apiVersion'])} ${String(obj['kind'])}`);
  const errors: string[] = [];
  try {
    new root.model(obj as never).validate();
  } catch (err) {
    errors.push(
      ...String((err as Error).message)
        .split('\n')
        .filter(Boolean),
    );
  }
  walk(obj, modelType(path.join(OPERATOR_DIR, root.file)), '', errors);
  return errors;
}

function walk(value: unknown, type: TypeExpr, at: string, errors: string[]): void {
  if (type.kind === 'ref') {
    walk(value, resolve(type), at, errors);
    return;
  }
  if (type.kind === 'union') {
    const shaped = type.of.map((t) => (t.kind === 'ref' ? resolve(t) : t));
    const fit = shaped.find((t) => (Array.isArray(value) ? t.kind === 'array' : t.kind === 'object'));
    if (fit && value !== null && typeof value === 'object') walk(value, fit, at, errors);
    return;
  }
  if (type.kind === 'array' && Array.isArray(value)) {
    value.forEach((item, i) => {
      walk(item, type.of, `${at}/${i}`, errors);
    });
    return;
  }
  if (type.kind !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const prop = type.props.get(key) ?? type.index;
    if (!prop) errors.push(`${at || '/'}: unknown field "${key}"`);
    else walk(v, prop, `${at}/${key}`, errors);
  }
}

const files = new Map<string, { text: string; imports: Map<string, string> }>();
const resolved = new Map<string, TypeExpr>();

function readDeclarations(file: string): { text: string; imports: Map<string, string> } {
  let entry = files.get(file);
  if (!entry) {
    // Import specifiers by imported name; resolved when a field's type needs them.
    const text = readFileSync(file, 'utf8');
    const imports = new Map<string, string>();
    for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
      for (const name of (m[1] ?? '').split(',')) imports.set(name.trim(), m[2] ?? '');
    }
    entry = { text, imports };
    files.set(file, entry);
  }
  return entry;
}

/** '@scope/name/sub/path' → its .d.ts, from the node_modules folder nearest to the operator package. */
function packageFile(spec: string): string {
  for (let dir = OPERATOR_DIR; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', `${spec}.d.ts`);
    if (existsSync(file)) return file;
  }
  throw new Error(`cannot find the declarations of ${spec}`);
}

/** The type of a model file: the body of its `export declare class`, or a leaf for a type alias. */
function modelType(file: string): TypeExpr {
  let type = resolved.get(file);
  if (type) return type;
  const { text } = readDeclarations(file);
  const body = /^export declare class \w+ extends Model<\w+> implements \w+ (\{\n[\s\S]*?\n\})\n/m.exec(
    text,
  )?.[1];
  type = body === undefined ? { kind: 'leaf' } : new Parser(strip(body), file).type();
  resolved.set(file, type);
  return type;
}

function resolve(ref: Extract<TypeExpr, { kind: 'ref' }>): TypeExpr {
  const spec = readDeclarations(ref.file).imports.get(ref.name);
  if (spec === undefined) return { kind: 'leaf' };
  return modelType(
    spec.startsWith('.')
      ? path.join(path.dirname(ref.file), spec.replace(/\.js$/, '.d.ts'))
      : packageFile(spec),
  );
}

/** Drops comments, statics and the constructor: what remains are the fields. */
function strip(body: string): string {
  return body
    .replace(/\/\*\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => !/^\s*(static |constructor\()/.test(l))
    .join('\n');
}

/** A recursive-descent parser for the type expressions these declarations use. */
class Parser {
  private pos = 0;
  private readonly tokens: string[];
  constructor(
    text: string,
    private readonly file: string,
  ) {
    this.tokens =
      text.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z_$][\w$]*|\[|\]|[{}<>();:|?,]|-?\d+(\.\d+)?/g) ?? [];
  }
  private peek(): string | undefined {
    return this.tokens[this.pos];
  }
  private next(): string {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw new Error(`unexpected end of type in ${this.file}`);
    return t;
  }
  type(): TypeExpr {
    const of = [this.primary()];
    while (this.peek() === '|') {
      this.next();
      of.push(this.primary());
    }
    return of.length === 1 ? (of[0] as TypeExpr) : { kind: 'union', of };
  }
  private primary(): TypeExpr {
    const t = this.next();
    if (t === '(') {
      const inner = this.type();
      this.next();
      return inner;
    }
    if (t === '{') return this.object();
    if (t === 'Array') {
      this.next();
      const of = this.type();
      this.next();
      return { kind: 'array', of };
    }
    if (/^I[A-Z]\w+$/.test(t)) return { kind: 'ref', name: t, file: this.file };
    return { kind: 'leaf' };
  }
  private object(): TypeExpr {
    const props = new Map<string, TypeExpr>();
    let index: TypeExpr | undefined;
    while (this.peek() !== '}') {
      const key = this.next();
      if (key === '[') {
        while (this.next() !== ']');
        this.next();
        index = this.type();
      } else {
        if (this.peek() === '?') this.next();
        this.next();
        props.set(key.replace(/^"|"$/g, ''), this.type());
      }
      if (this.peek() === ';') this.next();
    }
    this.next();
    return { kind: 'object', props, ...(index && { index }) };
  }
}
