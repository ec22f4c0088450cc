import { describe, expect, it } from 'vitest';
import type { Pack, Tool } from '../../config/src/model/types.ts';
import { countValues, fitToLimits } from './fit-limits.ts';

const tool = (i: number): Tool => ({
  name: `tool_${i}`,
  title: `Tool ${i}`,
  description: `Does thing ${i}. ${'Long explanation. '.repeat(40)}`,
  inputSchema: {
    type: 'object',
    properties: { q: { type: 'string', description: 'A query. '.repeat(30) } },
  },
  outputSchema: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } },
  http: { method: 'GET', path: `/t${i}` },
});
const pack = (n: number): Pack => ({
  name: 'big',
  version: '0.1.0',
  description: 'd',
  owner: 'o',
  upstream: { baseUrls: { dev: 'https://x.example.com' } },
  tools: Array.from({ length: n }, (_, i) => tool(i)),
});

describe('fitToLimits', () => {
  it('leaves a pack that fits untouched', () => {
    const p = pack(3);
    const before = structuredClone(p);
    expect(fitToLimits(p).warnings).toEqual([]);
    expect(p).toEqual(before);
  });

  it('drops output schemas, then shortens descriptions, reporting each step, until the pack fits', () => {
    const p = pack(40);
    const { yaml, warnings } = fitToLimits(p, { maxBytes: 40_000, maxNodes: 100_000 });
    expect(Buffer.byteLength(yaml)).toBeLessThanOrEqual(36_000);
    expect(warnings[0]).toBe('the pack is too large for one file (40 tools): output schemas left out');
    expect(warnings.length).toBeGreaterThan(1);
    expect(p.tools.every((t) => t.outputSchema === undefined)).toBe(true);
    expect(p.tools.every((t) => t.description.length <= 400)).toBe(true);
  });

  it('fails with a hint to select fewer operations when even the shortest form does not fit', () => {
    expect(() => fitToLimits(pack(40), { maxBytes: 2_000, maxNodes: 100_000 })).toThrow(
      /40 tools do not fit in one pack .* select fewer operations with --include tag:<tag>/,
    );
    expect(() => fitToLimits(pack(40), { maxBytes: 10_000_000, maxNodes: 50 })).toThrow(/values/);
  });

  it('counts values the way the YAML loader does: every map, list and scalar', () => {
    expect(countValues({ a: [1, 2], b: { c: 'x' } })).toBe(6);
  });
});
