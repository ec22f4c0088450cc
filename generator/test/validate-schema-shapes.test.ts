/**
 * A tool's inputSchema and outputSchema are the user's JSON Schemas: any keyword may hold a value of the wrong
 * type. Validate must report such a schema (file, line, rule), never stop with an internal error: generated
 * edits of every example pack's tools, one keyword at a time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { YAMLSeq } from 'yaml';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { editedExample } from './repo-fixture.ts';

const PACKS = [
  'packs/github-issues/pack.yaml',
  'packs/petstore/pack.yaml',
  'packs/open-meteo/pack.yaml',
  'packs/currency-agent/pack.yaml',
  'packs/payments-crm/pack.yaml',
  'packs/support-crm/pack.yaml',
];
/** `property` stands for the schema of the tool's first property (or a new one). */
const KEYWORDS = [
  'properties',
  'required',
  'type',
  'items',
  'enum',
  'additionalProperties',
  '$defs',
  'description',
  'property',
];

const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null));
const wrong = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), scalar, { maxKeys: 2 }),
);

describe('validate on tool schemas of any shape', () => {
  it('reports a wrong-typed schema keyword with its place, and never fails inside', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PACKS),
        fc.nat(),
        fc.constantFrom('inputSchema', 'outputSchema'),
        fc.constantFrom(...KEYWORDS),
        wrong,
        (file, pick, where, keyword, value) => {
          const files = editedExample(file, (doc) => {
            const tools = doc.get('tools') as YAMLSeq;
            const i = pick % tools.items.length;
            if (keyword !== 'property') return doc.setIn(['tools', i, where, keyword], value);
            const props = doc.getIn(['tools', i, where, 'properties'], true) as {
              items?: { key: unknown }[];
            };
            const first = props?.items?.[0]?.key;
            const name =
              first && typeof first === 'object' && 'value' in first ? String(first.value) : 'extra';
            doc.setIn(['tools', i, where, 'properties', name], value);
          });
          const result = validateRepo(files);
          const paths = new Set(files.map((f) => f.path));
          for (const d of result.diagnostics) {
            expect(paths.has(d.file)).toBe(true);
            expect(d.line).toBeGreaterThanOrEqual(0);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
