/**
 * Validate must report a value of the wrong type (file, line, rule), never stop with an internal error. A tool's
 * inputSchema and outputSchema are the user's JSON Schemas, which the pack schema leaves open: generated edits
 * of every example pack's tools, one keyword at a time. Then any node of any example file.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { editedExample, exampleFiles } from './repo-fixture.ts';

const PACKS = exampleFiles()
  .map((f) => f.path)
  .filter((p) => p.startsWith('packs/'));
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

  it('reports a wrong-typed value anywhere in any example file, and never fails inside', () => {
    const files = exampleFiles();
    fc.assert(
      fc.property(fc.nat(files.length - 1), fc.nat(), wrong, (which, pick, value) => {
        const file = files[which]!;
        const doc = parseDocument(Buffer.from(file.bytes).toString('utf8'));
        const places = nodePaths(doc.contents, []);
        const place = places[1 + (pick % (places.length - 1))]!; // never the document itself
        doc.setIn(place, value);
        const edited = files.map((f) =>
          f === file ? { path: f.path, bytes: Buffer.from(doc.toString()) } : f,
        );
        const result = validateRepo(edited);
        for (const d of result.diagnostics) expect(d.line).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});

/** The path of every node of a YAML document's tree, the root's (empty) first. */
function nodePaths(node: unknown, at: (string | number)[]): (string | number)[][] {
  const out = [at];
  if (isMap(node))
    for (const pair of node.items)
      out.push(...nodePaths(pair.value, [...at, String((pair.key as { value: unknown }).value)]));
  else if (isSeq(node))
    node.items.forEach((item, i) => {
      out.push(...nodePaths(item, [...at, i]));
    });
  return out;
}
