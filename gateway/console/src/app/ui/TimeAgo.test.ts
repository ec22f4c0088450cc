import { describe, expect, it } from 'vitest';
import { ago } from './TimeAgo.tsx';

describe('ago', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  it('says how long ago in the largest whole unit', () => {
    expect(ago(now - 12_000, now)).toBe('12 s ago');
    expect(ago(now - 3 * 60_000 - 5_000, now)).toBe('3 min ago');
    expect(ago(now - 5 * 3_600_000, now)).toBe('5 h ago');
    expect(ago(now - 2 * 86_400_000, now)).toBe('2 d ago');
  });
  it('treats a moment a little ahead (clock skew) as now, and a later one as the future', () => {
    expect(ago(now + 2_000, now)).toBe('just now');
    expect(ago(now + 4 * 60_000, now)).toBe('in 4 min');
  });
});
