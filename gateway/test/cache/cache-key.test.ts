import { describe, expect, it } from 'vitest';
import { type CacheKeyParts, cacheKey } from '../../src/cache/cache-key.ts';

const BASE: CacheKeyParts = {
  tool: 'widgets.get_widget',
  pack: 'widgets',
  version: '1.0.0',
  args: { id: 'w1', filter: { color: 'red', size: 2 } },
  caller: { subject: 'user:carol', kind: 'user', claims: { iss: 'https://issuer.test', groups: ['a'] } },
};

describe('cacheKey', () => {
  it('is a sha256 hex digest that does not depend on the order of argument keys', () => {
    const key = cacheKey(BASE);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey({ ...BASE, args: { filter: { size: 2, color: 'red' }, id: 'w1' } })).toBe(key);
  });

  it.each<[string, Partial<CacheKeyParts>]>([
    ['another tool', { tool: 'widgets.list_widgets' }],
    ['another pack version', { version: '1.0.1' }],
    ['another pack', { pack: 'gadgets' }],
    ['another argument value', { args: { id: 'w2', filter: { color: 'red', size: 2 } } }],
    ['a nested value of another type', { args: { id: 'w1', filter: { color: 'red', size: '2' } } }],
    ['another subject', { caller: { ...BASE.caller, subject: 'user:dave' } }],
    ['another kind of the same subject', { caller: { ...BASE.caller, kind: 'agent' } }],
    ['another issuer', { caller: { ...BASE.caller, claims: { iss: 'https://other.test' } } }],
    ['the same subject acting in another tenant', { caller: { ...BASE.caller, tenant: 'acme' } }],
  ])('differs for %s', (_what, change) => {
    expect(cacheKey({ ...BASE, ...change })).not.toBe(cacheKey(BASE));
  });

  it('is the same for the same subject whatever its groups and other claims (the policy decided already)', () => {
    const caller = { ...BASE.caller, claims: { iss: 'https://issuer.test', groups: ['b'], team: 'x' } };
    expect(cacheKey({ ...BASE, caller })).toBe(cacheKey(BASE));
  });

  it('reads a caller with no tenant as the implicit tenant', () => {
    expect(cacheKey({ ...BASE, caller: { ...BASE.caller, tenant: 'default' } })).toBe(cacheKey(BASE));
  });
});
