import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RAKU_PACKAGE_NAME } from './product.ts';

describe('RAKU_PACKAGE_NAME', () => {
  it('is the name of the package Raku is published as (the root package.json)', () => {
    const root = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
      name: string;
      bin: Record<string, string>;
    };
    expect(root.name).toBe(RAKU_PACKAGE_NAME);
    expect(Object.keys(root.bin)).toEqual(['raku']);
  });
});
