import { describe, expect, it } from 'vitest';
import { LOGIN_TOKEN_TTL_MS, LoginTokens } from './login-tokens.ts';

describe('one-time login tokens', () => {
  it('accepts a token once', () => {
    const tokens = new LoginTokens();
    const token = tokens.issue();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens.redeem(token)).toBe(true);
    expect(tokens.redeem(token)).toBe(false);
  });

  it('refuses a token after 15 minutes, and one never issued', () => {
    let now = 1_000_000;
    const tokens = new LoginTokens(LOGIN_TOKEN_TTL_MS, () => now);
    const late = tokens.issue();
    const early = tokens.issue();
    now += LOGIN_TOKEN_TTL_MS - 1;
    expect(tokens.redeem(early)).toBe(true);
    now += 1;
    expect(tokens.redeem(late)).toBe(false);
    expect(tokens.redeem('not-issued')).toBe(false);
    expect(tokens.redeem('')).toBe(false);
  });

  it('keeps earlier tokens valid when a new one is issued', () => {
    const tokens = new LoginTokens();
    const first = tokens.issue();
    const second = tokens.issue();
    expect(first).not.toBe(second);
    expect(tokens.redeem(second)).toBe(true);
    expect(tokens.redeem(first)).toBe(true);
  });
});
