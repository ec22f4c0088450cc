import { describe, expect, it } from 'vitest';
import { splitList } from './list-input.ts';

describe('splitList', () => {
  it('splits on commas and newlines, trims, and drops empty items', () => {
    expect(splitList(' dev, staging\nprod\n\n,')).toEqual(['dev', 'staging', 'prod']);
    expect(splitList('')).toEqual([]);
  });
});
