/** The console's variables as parseRuntimeOptions reads them (docs/gateway.md, "Console"). */
import { randomBytes } from 'node:crypto';
import { UserError } from '@raku/config';
import { describe, expect, it } from 'vitest';
import { parseRuntimeOptions } from '../../src/server/options.ts';

const parse = (env: Record<string, string>) => parseRuntimeOptions(env, ['gateway'], '/x');

describe('console options', () => {
  it('reads RAKU_CONSOLE_SESSION_KEY as 32 bytes of base64url, and leaves it unset by default', () => {
    const key = randomBytes(32);
    expect(parse({ RAKU_CONSOLE_SESSION_KEY: key.toString('base64url') }).consoleSessionKey).toEqual(
      new Uint8Array(key),
    );
    expect(parse({}).consoleSessionKey).toBeUndefined();
  });

  it('refuses a session key of another length or alphabet with one line that does not echo it', () => {
    for (const bad of [
      randomBytes(16).toString('base64url'),
      randomBytes(33).toString('base64url'),
      `${randomBytes(30).toString('base64')}+/`,
    ]) {
      let error: unknown;
      try {
        parse({ RAKU_CONSOLE_SESSION_KEY: bad });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/^RAKU_CONSOLE_SESSION_KEY must be 32 bytes in base64url/);
      expect((error as Error).message).not.toContain(bad);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('reads the OIDC client and the public URL', () => {
    const options = parse({
      RAKU_CONSOLE_OIDC_CLIENT_ID: 'raku-console',
      RAKU_CONSOLE_OIDC_CLIENT_SECRET: 's3cret',
      RAKU_CONSOLE_OIDC_SCOPES: 'openid, offline_access',
      RAKU_CONSOLE_URL: 'https://raku.example.com/',
    });
    expect(options.consoleOidc).toEqual({
      clientId: 'raku-console',
      clientSecret: 's3cret',
      scopes: ['openid', 'offline_access'],
    });
    expect(options.consoleUrl).toBe('https://raku.example.com');
    expect(parse({}).consoleOidc).toBeUndefined();
  });

  it('refuses a console URL with a path or another scheme', () => {
    for (const bad of ['https://raku.example.com/console/', 'ftp://raku.example.com', 'raku.example.com']) {
      expect(() => parse({ RAKU_CONSOLE_URL: bad })).toThrow(
        /^RAKU_CONSOLE_URL must be the gateway's public origin/,
      );
    }
  });
});
