import type { PathSegment } from '../../diagnostic.ts';
import type { Rule } from './context.ts';

/** Shapes of well-known credentials. Each is anchored on a distinctive prefix, so prose rarely matches. */
const SECRET_SHAPES: [string, RegExp][] = [
  ['private key', /-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----/],
  ['GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})\b/],
  ['OpenAI key', /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/],
  ['Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/],
  ['AWS access key id', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/],
  ['Stripe key', /\b[rs]k_live_[0-9A-Za-z]{16,}\b/],
  ['JSON Web Token', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['credentials in a URL', /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]{3,}@/i],
];

/** Keys whose value, when a literal string, is almost always a secret. */
const SECRET_KEY =
  /(^|[_-])(password|passwd|secret|token|api[_-]?key|apikey|private[_-]?key|client[_-]?secret|credentials?)$/i;

/** One pass that rules out most strings before the individual shapes are tried. */
const ANY_SHAPE = new RegExp(SECRET_SHAPES.map(([, re]) => `(?:${re.source})`).join('|'), 'i');

/** A secret reference looks like { secretRef: {...} }; everything else that looks like a secret value is flagged. */
export function findSecret(key: string | number, value: string): string | undefined {
  if (value.length >= 16 && ANY_SHAPE.test(value)) {
    for (const [what, re] of SECRET_SHAPES) if (re.test(value)) return what;
  }
  if (
    typeof key === 'string' &&
    value.length >= 8 &&
    SECRET_KEY.test(key) &&
    !/\s/.test(value) &&
    entropy(value) >= 3.0
  ) {
    return `a literal value under "${key}"`;
  }
  return undefined;
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** One value met by the walk below: its key and its parent, so a path is built only for a value reported. */
interface Visit {
  value: unknown;
  key: PathSegment | undefined;
  parent: Visit | undefined;
}

/** No secret values in config: anywhere a string looks like a credential, ask for a secretRef instead. */
export const noSecretValues: Rule = (ctx) => {
  const docs = [...ctx.model.packs, ...ctx.model.zones, ...ctx.model.policies, ...ctx.rejectedValues];
  for (const doc of docs) {
    const stack: Visit[] = [{ value: doc.value, key: undefined, parent: undefined }];
    while (stack.length > 0) {
      const visit = stack.pop()!;
      const value = visit.value;
      if (typeof value === 'string') {
        const what = findSecret(keyFor(visit), value);
        if (what) {
          ctx.report(
            doc.file,
            pathOf(visit),
            'no-secret-values',
            `looks like a secret (${what}); commit a reference instead: { secretRef: { name: <secret>, key: <key> } }`,
          );
        }
      } else if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: visit });
      } else if (value !== null && typeof value === 'object') {
        const keys = Object.keys(value);
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i] as string;
          stack.push({ value: (value as Record<string, unknown>)[k], key: k, parent: visit });
        }
      }
    }
  }
};

function pathOf(visit: Visit): PathSegment[] {
  const out: PathSegment[] = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) out.push(v.key);
  return out.reverse();
}

/** The key that names a value: its own, or for `{ name: X, value: … }` entries (environment variables) the name X. */
function keyFor(visit: Visit): string | number {
  const key = visit.key ?? '';
  if (key !== 'value') return key;
  const name = (visit.parent?.value as Record<string, unknown> | undefined)?.['name'];
  return typeof name === 'string' ? name : key;
}
