/**
 * importUnlessOverCap: one selection for an import that splits when over the cap. Under the cap it is
 * importOpenApi; over it, it builds nothing and its selection gives the split importOpenApiSplit makes alone.
 */
import { describe, expect, it } from 'vitest';
import { importOpenApi, importUnlessOverCap } from './build-pack.ts';
import { parseDocument } from './openapi-document.ts';
import { importOpenApiSplit } from './split-by-tag.ts';

/** A document of `n` operations over three tags, one deprecated, with a shared schema. */
function document(n: number) {
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    paths[`/items/${i}/{id}`] = {
      get: {
        operationId: `getItem${i}`,
        tags: [`tag${i % 3}`],
        ...(i === 1 ? { deprecated: true } : {}),
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'ok',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } },
          },
        },
      },
    };
  }
  const doc = {
    openapi: '3.0.3',
    info: { title: 'Items', version: '1' },
    servers: [{ url: 'https://api.example.com' }],
    paths,
    components: {
      schemas: { Item: { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } } } },
    },
  };
  return parseDocument(Buffer.from(JSON.stringify(doc)), 'items.json');
}

const options = { name: 'items', owner: 'team', sourceDocument: 'openapi.json', sha256: '0'.repeat(64) };

describe('importUnlessOverCap', () => {
  it('under the cap, gives the pack and report importOpenApi gives', () => {
    const doc = document(40);
    const first = importUnlessOverCap(doc, options);
    expect(first.overCap).toBe(false);
    const { overCap: _, ...made } = first as Extract<typeof first, { overCap: false }>;
    expect(made).toEqual(importOpenApi(doc, options));
  });

  it('over the cap, builds nothing, and its selection gives the split made without it', () => {
    const doc = document(130);
    const first = importUnlessOverCap(doc, { ...options, maxTools: 50 });
    expect(first.overCap).toBe(true);
    if (!first.overCap) return;
    expect(first.selection.selected).toHaveLength(129); // the deprecated one is left out
    const shared = importOpenApiSplit(doc, { ...options, maxTools: 50 }, first.selection);
    const alone = importOpenApiSplit(doc, { ...options, maxTools: 50 });
    expect(shared.packs.length).toBeGreaterThan(1);
    expect(shared).toEqual(alone);
    // The single import it replaces reported the same cap.
    expect(
      importOpenApi(doc, { ...options, maxTools: 50 }).report.skipped.some((s) => s.code === 'over-cap'),
    ).toBe(true);
  });
});
