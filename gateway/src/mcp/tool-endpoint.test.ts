import { describe, expect, it } from 'vitest';
import { encodeCursor, pageOf } from './tool-endpoint.ts';

const tools = ['a.x', 'b.y', 'c.z', 'd.w', 'e.v'].map((name) => ({ name }));

describe('pageOf', () => {
  it('walks a sorted list in pages and ends without a cursor', () => {
    const first = pageOf(tools, undefined, 2);
    expect(first.items.map((t) => t.name)).toEqual(['a.x', 'b.y']);
    const second = pageOf(tools, first.nextCursor, 2);
    expect(second.items.map((t) => t.name)).toEqual(['c.z', 'd.w']);
    const last = pageOf(tools, second.nextCursor, 2);
    expect(last).toEqual({ items: [{ name: 'e.v' }] });
  });

  it('resumes after the last name seen even when that tool disappeared', () => {
    const page = pageOf(tools, encodeCursor('b.zzz'), 10);
    expect(page.items.map((t) => t.name)).toEqual(['c.z', 'd.w', 'e.v']);
  });

  it('rejects a cursor it did not issue', () => {
    expect(() => pageOf(tools, 'garbage!', 2)).toThrow('invalid cursor');
  });
});
