import { describe, expect, it } from 'vitest';
import { checkLiteralHost, isPrivateAddress } from './ssrf-guard.ts';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
    '2002:c0a8:0101::1',
    'not-an-ip',
  ])('treats %s as private', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '140.82.112.6', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'treats %s as public',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(false);
    },
  );
});

describe('checkLiteralHost', () => {
  it('refuses a bracketed private IPv6 literal and lets names through to the DNS check', () => {
    expect(() => checkLiteralHost('[::1]', false)).toThrow('::1 is a private or special address');
    expect(() => checkLiteralHost('[::1]', true)).not.toThrow();
    expect(() => checkLiteralHost('api.github.com', false)).not.toThrow();
  });
});
