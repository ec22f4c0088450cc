import { DEFAULT_JSON_BOUNDS } from '@raku/pack-runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deepJson,
  depthOf,
  hostileJson,
  hostileString,
  hugeString,
  nest,
} from '../../test/helpers/hostile-json.ts';
import {
  markedRow,
  markedRowOf,
  storableJson,
  storableText,
  toTraceRow,
  traceRowBytes,
  w3cTraceId,
} from './trace-row.ts';
import type { TraceRecord } from './types.ts';

function record(extra: Partial<TraceRecord> = {}): TraceRecord {
  return {
    time: new Date(Date.UTC(2026, 0, 1)),
    subject: 'agent:bot',
    subjectKind: 'agent',
    tool: 'widgets.get',
    route: 'pack:widgets',
    target: 'http://widgets/mcp',
    decision: 'allow',
    rule: 'reader',
    revision: 'rev',
    latencyMs: 1,
    status: 'ok',
    args: { id: 'w1' },
    result: { content: [{ type: 'text', text: 'ok' }] },
    ...extra,
  };
}

const isWellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();
/** What Postgres refuses in text: NUL and lone surrogates. */
const storable = (s: string | null) => s === null || (!s.includes('\u0000') && isWellFormed(s));
/** ... and in jsonb also their escapes. */
const storableJsonText = (s: string | null) =>
  storable(s) && (s === null || !/(?<!\\)(\\\\)*\\u(0000|d[89a-f])/i.test(s));

describe('toTraceRow', () => {
  it('stores a 4,300-deep arguments object as a marker with its size, instead of throwing', () => {
    const args = nest('x', 4300) as Record<string, unknown>;
    const row = toTraceRow('id', record({ args }));
    expect(JSON.parse(row.args!)).toEqual({ $raku: 'truncated', reason: 'depth', bytes: expect.any(Number) });
    expect(row.argsBytes).toBeGreaterThan(0);
    expect(row.tool).toBe('widgets.get');
  });

  it('keeps the size the runtime measured when the record carries it', () => {
    const row = toTraceRow('id', record({ args: nest(1, 500), argsBytes: 8601 }));
    expect(JSON.parse(row.args!)).toEqual({ $raku: 'truncated', reason: 'depth', bytes: 8601 });
    expect(row.argsBytes).toBe(8601);
  });

  it('marks cyclic, throwing, shared-exploding and oversized payloads, and converts BigInt', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const throwing = {
      get x() {
        throw new Error('boom');
      },
    };
    let shared: unknown = 'leaf';
    for (let i = 0; i < 64; i++) shared = [shared, shared];
    const huge = { text: 'a'.repeat(DEFAULT_JSON_BOUNDS.maxBytes + 1) };
    const reasons = [cyclic, throwing, shared, huge].map(
      (args) => JSON.parse(toTraceRow('id', record({ args })).args!).reason,
    );
    expect(reasons).toEqual(['depth', 'value', 'size', 'size']);
    expect(JSON.parse(toTraceRow('id', record({ args: { n: 10n } })).args!)).toEqual({ n: '10' });
  });

  it('does not hand redaction a string holding JSON nested past the bounds', () => {
    const text = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const row = toTraceRow('id', record({ result: { content: [{ type: 'text', text }] }, error: text }));
    expect(JSON.parse(row.result!)).toMatchObject({ $raku: 'truncated', reason: 'depth' });
    expect(row.error).toContain('RAKU_JSON_MAX_DEPTH');
  });

  it('replaces NUL and lone surrogates in every column and inside the JSON payloads', () => {
    const bad = 'a\ud800b\u0000c\udfff';
    const row = toTraceRow(
      'id',
      record({
        subject: bad,
        tool: bad,
        route: bad,
        target: bad,
        rule: bad,
        revision: bad,
        args: { [bad]: bad, list: [bad] },
        result: { content: [{ type: 'text', text: bad }] },
        error: bad,
      }),
    );
    const good = 'a\uFFFDb\uFFFDc\uFFFD';
    expect([row.subject, row.tool, row.route, row.target, row.rule, row.revision, row.error]).toEqual(
      Array(7).fill(good),
    );
    expect(JSON.parse(row.args!)).toEqual({ [good]: good, list: [good] });
    expect(JSON.parse(row.result!)).toEqual({ content: [{ type: 'text', text: good }] });
  });

  it('never throws, and builds a storable row within the bounds, whatever the record holds', () => {
    const payloadArb = fc.oneof(
      hostileJson(4),
      deepJson(100, 5000),
      hugeString(64 * 1024),
      fc.anything({
        withBigInt: true,
        withMap: true,
        withSet: true,
        withTypedArray: true,
        withSparseArray: true,
      }),
    );
    fc.assert(
      fc.property(hostileString(), payloadArb, payloadArb, hostileString(), (text, args, result, error) => {
        const row = toTraceRow(
          'id',
          record({ subject: text, tool: text, rule: text, args, result, error, argsBytes: undefined }),
        );
        for (const column of [row.subject, row.tool, row.rule, row.error])
          expect(storable(column)).toBe(true);
        for (const column of [row.args, row.result]) expect(storableJsonText(column)).toBe(true);
        for (const json of [row.args, row.result]) {
          if (json !== null)
            expect(depthOf(JSON.parse(json))).toBeLessThanOrEqual(DEFAULT_JSON_BOUNDS.maxDepth);
        }
        expect(Number.isSafeInteger(row.argsBytes) && row.argsBytes >= 0).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('survives a record whose fields are not what the type says', () => {
    const broken = { ...record(), subject: Symbol('s'), time: 'yesterday', latencyMs: Number.NaN } as unknown;
    const row = toTraceRow('id', broken as TraceRecord);
    expect(row).toMatchObject({ id: 'id', subject: 'anonymous', latencyMs: 0, tool: 'widgets.get' });
    expect(row.time).toBeInstanceOf(Date);
  });
});

describe('storable text', () => {
  it('leaves well-formed text and escaped backslashes alone', () => {
    expect(storableText('plain é 😀')).toBe('plain é 😀');
    expect(storableJson(JSON.stringify({ k: '\\u0000 and \\ud800' }))).toBe(
      JSON.stringify({ k: '\\u0000 and \\ud800' }),
    );
  });

  it('gives JSON whose parse equals the value made well-formed, for any string', () => {
    fc.assert(
      fc.property(hostileString(32), (value) => {
        const stored = JSON.parse(storableJson(JSON.stringify(value))) as string;
        expect(stored).toBe(storableText(value));
        expect(storableJsonText(storableJson(JSON.stringify(value)))).toBe(true);
      }),
    );
  });

  it('marks both payloads of a refused row and keeps its identity', () => {
    const row = markedRow('id', record({ argsBytes: 12 }), 'refused');
    expect(JSON.parse(row.args!)).toEqual({ $raku: 'truncated', reason: 'refused', bytes: 12 });
    expect(JSON.parse(row.result!)).toMatchObject({ $raku: 'truncated', reason: 'refused' });
    expect(row).toMatchObject({ subject: 'agent:bot', tool: 'widgets.get', error: null });
  });

  it('marks the payloads of a built row the database refused with the sizes it measured', () => {
    const built = toTraceRow('id', record({ args: { q: 'x'.repeat(40) }, result: null, error: 'boom' }));
    const row = markedRowOf(built, 'refused');
    expect(JSON.parse(row.args!)).toEqual({ $raku: 'truncated', reason: 'refused', bytes: built.argsBytes });
    expect(row.result).toBeNull();
    expect(row).toEqual({ ...built, args: row.args, error: null });
  });
});

describe('traceRowBytes', () => {
  it('grows with the payloads and texts a row holds (as stored: redaction cuts long strings first)', () => {
    const small = traceRowBytes(toTraceRow('id', record()));
    const large = traceRowBytes(
      toTraceRow('id', record({ result: { items: Array.from({ length: 100 }, () => 'y'.repeat(100)) } })),
    );
    const failed = traceRowBytes(toTraceRow('id', record({ error: 'e'.repeat(1_500) })));
    expect(small).toBeGreaterThan(0);
    expect(large - small).toBeGreaterThanOrEqual(10_000);
    expect(failed - small).toBeGreaterThanOrEqual(1_500);
  });
});

describe('w3cTraceId', () => {
  it('keeps 32 lowercase hex digits and stores anything else as null', () => {
    expect(w3cTraceId('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(w3cTraceId('4BF92F3577B34DA6A3CE929D0E0E4736')).toBeNull();
    expect(w3cTraceId('0'.repeat(32))).toBeNull();
    expect(w3cTraceId('4bf92f3577b34da6')).toBeNull();
    expect(w3cTraceId(undefined)).toBeNull();
    expect(w3cTraceId(42)).toBeNull();
  });
});
