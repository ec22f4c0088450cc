import packSchema from '@raku/schema/pack.schema.json' with { type: 'json' };
import policySchema from '@raku/schema/policy.schema.json' with { type: 'json' };
import tenantSchema from '@raku/schema/tenant.schema.json' with { type: 'json' };
import zoneSchema from '@raku/schema/zone.schema.json' with { type: 'json' };
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { PathSegment } from '../diagnostic.ts';
import type { DocumentKind } from '../model/types.ts';
import { pack, policy, tenant, zone } from './schema-validators.generated.js';

export const SCHEMAS: Record<DocumentKind, Record<string, unknown>> = {
  pack: packSchema,
  zone: zoneSchema,
  policy: policySchema,
  tenant: tenantSchema,
};

const VALIDATORS: Record<DocumentKind, ValidateFunction> = { pack, zone, policy, tenant };

/**
 * The config validators (one per document kind). They are precompiled from the schemas by `npm run schema-validators`
 * (scripts/schema-validators.ts, Ajv standalone code, strict mode: a schema typo fails the generator), so no
 * schema is compiled at run time; generator/test/schema-validators.test.ts keeps them in step with the schemas.
 */
export function schemaValidators(): Record<DocumentKind, ValidateFunction> {
  return VALIDATORS;
}

/** One schema problem, translated from ajv into the words a config author needs. */
export interface SchemaProblem {
  path: PathSegment[];
  /** Point at the key rather than the value (unknown properties). */
  atKey: boolean;
  message: string;
}

/** Turns ajv errors into problems with paths into `data`; drops the noise of failed anyOf/oneOf branches. */
export function explainSchemaErrors(errors: readonly ErrorObject[], data: unknown): SchemaProblem[] {
  const branchRoots = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => `${e.schemaPath}/`);
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (branchRoots.some((root) => e.schemaPath.startsWith(root))) continue;
    const path = instancePath(e.instancePath, data);
    let atKey = false;
    let message = e.message ?? 'is invalid';
    const params = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const prop = String(params['additionalProperty']);
        path.push(prop);
        atKey = true;
        const allowed = Object.keys((e.parentSchema?.['properties'] as object | undefined) ?? {});
        const hint = closest(prop, allowed);
        message = `unknown property "${prop}"${hint ? ` (did you mean "${hint}"?)` : allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
        break;
      }
      case 'required':
        message = `missing required property "${String(params['missingProperty'])}"`;
        break;
      case 'enum':
        message = `must be one of: ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'oneOf':
      case 'anyOf': {
        const branches = (e.schema as Record<string, unknown>[] | undefined) ?? [];
        const requiredOnly = branches.every(
          (b) => Object.keys(b).length === 1 && Array.isArray(b['required']),
        );
        message = requiredOnly
          ? `must have ${e.keyword === 'oneOf' ? 'exactly' : 'at least'} one of: ${branches.map((b) => (b['required'] as string[]).join(' + ')).join(', ')}`
          : `does not match any allowed form${e.parentSchema?.['description'] ? ` (${String(e.parentSchema['description'])})` : ''}`;
        break;
      }
      case 'pattern': {
        const desc = e.parentSchema?.['description'];
        message = `must match pattern ${String(params['pattern'])}${typeof desc === 'string' ? ` (${desc})` : ''}`;
        break;
      }
    }
    const key = `${path.join('\u0000')}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, atKey, message });
  }
  return out;
}

function instancePath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** The allowed name closest to a misspelt one, when it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 99;
}
