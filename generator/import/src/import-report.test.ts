/** The text report stays readable for huge documents: long warnings are cut, and say where they are whole. */
import { describe, expect, it } from 'vitest';
import { formatWarnings } from './import-report.ts';

describe('formatWarnings', () => {
  it('prints short warnings whole and cuts a long one at 600 characters, saying where it is whole', () => {
    const long = `tags share packs: ${'pack-a (3 tags: x, y, z); '.repeat(500)}`;
    const lines = formatWarnings(['short one', long]).trimEnd().split('\n');
    expect(lines[0]).toBe('warning: short one');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.startsWith(`warning: ${long.slice(0, 599)}…`)).toBe(true);
    expect(lines[1]).toContain(`(${long.length} characters; whole: --format json, or --report <file>)`);
    expect(lines[1]?.length).toBeLessThan(700);
  });
});
