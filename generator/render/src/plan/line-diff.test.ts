import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './line-diff.ts';

function apply(_a: string[], edits: { op: string; line: string }[]): { a: string[]; b: string[] } {
  return {
    a: edits.filter((e) => e.op !== 'add').map((e) => e.line),
    b: edits.filter((e) => e.op !== 'del').map((e) => e.line),
  };
}

describe('diffLines', () => {
  it('produces edits that rebuild both sides, with the fewest changes', () => {
    const a = ['a', 'b', 'c', 'a', 'b', 'b', 'a'];
    const b = ['c', 'b', 'a', 'b', 'a', 'c'];
    const edits = diffLines(a, b) ?? [];
    expect(apply(a, edits)).toEqual({ a, b });
    expect(edits.filter((e) => e.op !== 'keep').length).toBe(5);
  });

  it('handles empty sides and random inputs', () => {
    expect(diffLines([], ['x'])).toEqual([{ op: 'add', line: 'x', b: 0 }]);
    expect(diffLines(['x'], [])).toEqual([{ op: 'del', line: 'x', a: 0 }]);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % 4;
    };
    for (let t = 0; t < 50; t++) {
      const a = Array.from({ length: rnd() * 5 }, () => String(rnd()));
      const b = Array.from({ length: rnd() * 5 }, () => String(rnd()));
      expect(apply(a, diffLines(a, b) ?? [])).toEqual({ a, b });
    }
  });

  it('gives up past the edit budget', () => {
    const a = Array.from({ length: 100 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 100 }, (_, i) => `b${i}`);
    expect(diffLines(a, b, 10)).toBeUndefined();
  });
});

describe('unifiedDiff', () => {
  it('shows a hunk with context and line numbers', () => {
    const before = 'l1\nl2\nl3\nl4\nl5\nl6\nl7\n';
    const after = 'l1\nl2\nl3\nL4\nl5\nl6\nl7\n';
    expect(unifiedDiff(before, after)).toBe('@@ -2,5 +2,5 @@\n l2\n l3\n-l4\n+L4\n l5\n l6\n');
  });

  it('compares by key but shows each side as written', () => {
    const mask = (rev: string) => (l: string) => l.replace(rev, 'REV');
    const diff = unifiedDiff('rev: r1\nx: 1\n', 'rev: "r2"\nx: 2\n', {
      context: 1,
      keys: { before: mask('r1'), after: mask('"r2"') },
    });
    expect(diff).toBe('@@ -1,2 +1,2 @@\n rev: "r2"\n-x: 1\n+x: 2\n');
  });

  it('is empty for equal text and summarises past the line cap', () => {
    expect(unifiedDiff('a\n', 'a\n')).toBe('');
    const before = Array.from({ length: 200 }, (_, i) => `x${i}`).join('\n');
    const after = Array.from({ length: 200 }, (_, i) => (i % 2 ? `y${i}` : `x${i}`)).join('\n');
    const diff = unifiedDiff(before, after, { maxLines: 10 });
    expect(diff.split('\n').length).toBe(12);
    expect(diff).toMatch(/… \d+ more diff lines\n$/);
  });
});
