/**
 * The committed client types (gateway/client/src/schema.generated.ts) are exactly what the generator makes from
 * the gateway's current OpenAPI document: a changed endpoint that was not regenerated fails here, with the
 * command that fixes it.
 */
import { describe, expect, it } from 'vitest';
import { readClientSchema, renderClientSchema } from '../scripts/generate.ts';

/** 1-based line where two texts first differ, with both lines, for the failure message. */
function firstDifference(committed: string, expected: string): string {
  const a = committed.split('\n');
  const b = expected.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? a.length : line;
  return `first difference at line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  expected:  ${b[at] ?? '(end of file)'}`;
}

describe('@raku/client types', () => {
  it('match the OpenAPI document the gateway serves', async () => {
    const expected = await renderClientSchema();
    const committed = readClientSchema();
    if (committed !== expected) {
      expect.fail(
        'gateway/client/src/schema.generated.ts is out of date with gateway/src/admin/openapi.ts: ' +
          'run `npm run client` and commit gateway/client/src/schema.generated.ts with your endpoint.\n' +
          firstDifference(committed, expected),
      );
    }
    expect(committed).toContain('export interface paths');
  });
});
