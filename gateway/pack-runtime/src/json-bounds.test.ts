import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deepJson,
  depthOf,
  hostileJson,
  hostileString,
  nest,
  nestedText,
} from '../../test/helpers/hostile-json.ts';
import {
  DEFAULT_JSON_BOUNDS,
  illFormedEscape,
  jsonBoundsFromEnv,
  measureJson,
  pruneDeepText,
  textDepth,
} from './json-bounds.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const UNBOUNDED = { maxDepth: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

describe('textDepth', () => {
  it('counts the nesting of any JSON text as its parsed value nests', () => {
    fc.assert(
      fc.property(fc.oneof(hostileJson(6), deepJson(0, 200)), (value) => {
        expect(textDepth(bytes(JSON.stringify(value)))).toBe(depthOf(value));
      }),
    );
  });

  it('ignores brackets, quotes and backslashes inside strings', () => {
    expect(textDepth(bytes('{"a":"[[[{{{\\"]]]}}\\\\","b":["\\\\\\"{"]}'))).toBe(2);
  });

  it('stops one level past the limit, however deep the text goes', () => {
    expect(textDepth(bytes(nestedText(100_000)), 128)).toBe(129);
    expect(textDepth(bytes(nestedText(128)), 128)).toBe(128);
  });
});

describe('pruneDeepText', () => {
  it('keeps text within the limit as it is and reports its depth', () => {
    fc.assert(
      fc.property(hostileJson(4), (value) => {
        const text = JSON.stringify(value);
        const pruned = pruneDeepText(bytes(text), 16);
        expect(pruned.text).toBe(text);
        expect(pruned.depth).toBe(depthOf(value));
      }),
    );
  });

  it('replaces what nests past the limit with null, leaving text that parses within the limit', () => {
    fc.assert(
      fc.property(deepJson(20, 400), fc.integer({ min: 1, max: 19 }), (value, limit) => {
        const pruned = pruneDeepText(bytes(JSON.stringify({ id: 7, params: { arguments: value } })), limit);
        const parsed = JSON.parse(pruned.text) as { id: unknown };
        expect(depthOf(parsed)).toBeLessThanOrEqual(limit);
        expect(parsed.id).toBe(7);
        expect(pruned.depth).toBe(depthOf(value) + 2);
      }),
    );
  });

  it('reads the envelope of a 4,300-deep request without parsing the deep part', () => {
    const text = `{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"t","arguments":${nestedText(4300)}}}`;
    const pruned = pruneDeepText(bytes(text), 128);
    expect(pruned.depth).toBe(4302);
    const parsed = JSON.parse(pruned.text) as { id: string; params: { name: string } };
    expect(parsed.id).toBe('x');
    expect(parsed.params.name).toBe('t');
  });
});

describe('measureJson', () => {
  it('gives the byte length JSON.stringify writes for any JSON value', () => {
    fc.assert(
      fc.property(hostileJson(5), (value) => {
        expect(measureJson(value, UNBOUNDED)).toEqual({
          ok: true,
          bytes: Buffer.byteLength(JSON.stringify(value), 'utf8'),
        });
      }),
    );
  });

  it('sizes what JSON.stringify leaves out or converts as it does', () => {
    const value = {
      a: undefined,
      b: () => 1,
      c: [undefined, Number.NaN],
      d: new Date(0),
      e: { toJSON: () => 'x' },
    };
    expect(measureJson(value, UNBOUNDED)).toEqual({
      ok: true,
      bytes: Buffer.byteLength(JSON.stringify(value)),
    });
  });

  it('refuses a value nested past the limit without walking the rest', () => {
    expect(measureJson(nest(1, 10_000), DEFAULT_JSON_BOUNDS)).toMatchObject({ ok: false, reason: 'depth' });
    expect(measureJson(nest(1, 128, 'mixed'), DEFAULT_JSON_BOUNDS)).toMatchObject({ ok: true });
    expect(measureJson(nest(1, 129, 'mixed'), DEFAULT_JSON_BOUNDS)).toMatchObject({
      ok: false,
      reason: 'depth',
    });
  });

  it('refuses cycles, shared subtrees that expand past the size limit, and values whose reading throws', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(measureJson(cyclic, DEFAULT_JSON_BOUNDS)).toMatchObject({ ok: false, reason: 'depth' });
    // 2^60 leaves if expanded.
    let shared: unknown = 'leaf';
    for (let i = 0; i < 60; i++) shared = [shared, shared];
    expect(measureJson(shared, DEFAULT_JSON_BOUNDS)).toMatchObject({ ok: false, reason: 'size' });
    const hostile = {
      get boom() {
        throw new Error('no');
      },
    };
    expect(measureJson(hostile, DEFAULT_JSON_BOUNDS)).toMatchObject({ ok: false, reason: 'value' });
  });

  it('never throws, whatever the value', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true }),
        (value) => {
          const measured = measureJson(value, DEFAULT_JSON_BOUNDS);
          expect(typeof measured.bytes).toBe('number');
        },
      ),
    );
  });
});

describe('illFormedEscape', () => {
  it('finds NUL and lone surrogates in any JSON text, and nothing in well-formed text', () => {
    fc.assert(
      fc.property(hostileString(16), (value) => {
        const text = JSON.stringify({ k: value });
        const found = illFormedEscape(bytes(text));
        const bad =
          value.includes('\u0000') || !(value as string & { isWellFormed(): boolean }).isWellFormed();
        expect(found !== undefined).toBe(bad);
      }),
    );
  });

  it('accepts a surrogate pair written as two escapes and text that only looks like an escape', () => {
    expect(illFormedEscape(bytes('"\\ud83d\\ude00"'))).toBeUndefined();
    expect(illFormedEscape(bytes('"\\\\u0000"'))).toBeUndefined();
    expect(illFormedEscape(bytes('"\\uD800x"'))).toEqual({ offset: 1, escape: '\\uD800' });
  });
});

describe('jsonBoundsFromEnv', () => {
  it('takes the defaults when nothing is set', () => {
    expect(jsonBoundsFromEnv({})).toEqual({ ok: true, bounds: DEFAULT_JSON_BOUNDS });
  });

  it('reads RAKU_JSON_MAX_DEPTH and RAKU_JSON_MAX_BYTES', () => {
    expect(jsonBoundsFromEnv({ RAKU_JSON_MAX_DEPTH: '64', RAKU_JSON_MAX_BYTES: '2048' })).toEqual({
      ok: true,
      bounds: { maxDepth: 64, maxBytes: 2048 },
    });
  });

  it('refuses a depth the runtime cannot serve, naming the variable', () => {
    for (const bad of ['0', '5000', 'deep', '12.5']) {
      const read = jsonBoundsFromEnv({ RAKU_JSON_MAX_DEPTH: bad });
      expect(read.ok).toBe(false);
      expect(!read.ok && read.message).toContain('RAKU_JSON_MAX_DEPTH');
    }
  });
});
