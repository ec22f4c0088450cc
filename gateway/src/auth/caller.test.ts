import { describe, expect, it } from 'vitest';
import { callerKindOf } from './caller.ts';

describe('callerKindOf', () => {
  it.each(['user', 'agent', 'service', 'anonymous'] as const)('keeps the stored kind %s', (kind) => {
    expect(callerKindOf(kind)).toBe(kind);
  });

  it.each(['', 'admin', 'User', 'group'])(
    'reads an unknown stored kind %j as anonymous, which no grant names',
    (kind) => {
      expect(callerKindOf(kind)).toBe('anonymous');
    },
  );
});
