/** The GitHub settings of the config repository, as parseRuntimeOptions reads them from the environment. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRuntimeOptions } from '../../src/server/options.ts';

// A key made for this run (no key material in the repository), in the PKCS#1 PEM GitHub gives for an App.
const KEY = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const parse = (env: Record<string, string>) => parseRuntimeOptions(env, ['local'], '/tmp').configGitHub;

describe('config repository settings', () => {
  it('none set: no GitHub', () => {
    expect(parse({})).toBeUndefined();
  });

  it('a token: the repository, branch main, api.github.com', () => {
    expect(parse({ RAKU_CONFIG_REPOSITORY: 'acme/raku-config', RAKU_GITHUB_TOKEN: 'ghp_x' })).toEqual({
      repository: 'acme/raku-config',
      branch: 'main',
      apiUrl: 'https://api.github.com',
      auth: { kind: 'token', token: 'ghp_x' },
    });
  });

  it('a GitHub App on Enterprise, the key with literal \\n as environment files carry it', () => {
    expect(
      parse({
        RAKU_CONFIG_REPOSITORY: 'acme/config',
        RAKU_CONFIG_BRANCH: 'release/config',
        RAKU_GITHUB_APP_ID: '12345',
        RAKU_GITHUB_APP_PRIVATE_KEY: KEY.replaceAll('\n', '\\n'),
        RAKU_GITHUB_APP_INSTALLATION_ID: '678',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      }),
    ).toEqual({
      repository: 'acme/config',
      branch: 'release/config',
      apiUrl: 'https://ghe.example.com/api/v3',
      auth: { kind: 'app', appId: '12345', privateKey: KEY, installationId: 678 },
    });
  });

  it.each([
    [{ RAKU_GITHUB_TOKEN: 't' }, 'RAKU_GITHUB_TOKEN is set but RAKU_CONFIG_REPOSITORY is not'],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme', RAKU_GITHUB_TOKEN: 't' },
      'RAKU_CONFIG_REPOSITORY must be owner/name (e.g. acme/raku-config), not "acme"',
    ],
    [{ RAKU_CONFIG_REPOSITORY: 'acme/a/b', RAKU_GITHUB_TOKEN: 't' }, 'must be owner/name'],
    [{ RAKU_CONFIG_REPOSITORY: 'acme/..', RAKU_GITHUB_TOKEN: 't' }, 'must be owner/name'],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c' },
      'RAKU_CONFIG_REPOSITORY is set but no credentials are: set RAKU_GITHUB_TOKEN, or RAKU_GITHUB_APP_ID and RAKU_GITHUB_APP_PRIVATE_KEY',
    ],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c', RAKU_GITHUB_APP_ID: '1' },
      'RAKU_GITHUB_APP_ID is set without RAKU_GITHUB_APP_PRIVATE_KEY',
    ],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c', RAKU_GITHUB_APP_PRIVATE_KEY: KEY },
      'RAKU_GITHUB_APP_PRIVATE_KEY is set without RAKU_GITHUB_APP_ID',
    ],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c', RAKU_GITHUB_APP_ID: 'my-app', RAKU_GITHUB_APP_PRIVATE_KEY: KEY },
      'RAKU_GITHUB_APP_ID must be the App\'s number, not "my-app"',
    ],
    [
      {
        RAKU_CONFIG_REPOSITORY: 'acme/c',
        RAKU_GITHUB_APP_ID: '1',
        RAKU_GITHUB_APP_PRIVATE_KEY: 'secret-text',
      },
      "RAKU_GITHUB_APP_PRIVATE_KEY must be the App's private key in PEM",
    ],
    [
      {
        RAKU_CONFIG_REPOSITORY: 'acme/c',
        RAKU_GITHUB_APP_ID: '1',
        RAKU_GITHUB_APP_PRIVATE_KEY: KEY,
        RAKU_GITHUB_APP_INSTALLATION_ID: 'x',
      },
      'RAKU_GITHUB_APP_INSTALLATION_ID must be a number, not "x"',
    ],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c', RAKU_GITHUB_TOKEN: 't', RAKU_GITHUB_APP_ID: '1' },
      'give a token or a GitHub App, not both',
    ],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c', RAKU_GITHUB_TOKEN: 't', RAKU_CONFIG_BRANCH: '../main' },
      'RAKU_CONFIG_BRANCH must be a branch name',
    ],
    [
      { RAKU_CONFIG_REPOSITORY: 'acme/c', RAKU_GITHUB_TOKEN: 't', GITHUB_API_URL: 'ftp://x' },
      'GITHUB_API_URL must be the REST API root',
    ],
  ])('refuses %j at start: %s', (env, message) => {
    expect(() => parse(env as Record<string, string>)).toThrow(message);
  });

  it('never echoes a token or a key in its messages', () => {
    let message = '';
    try {
      parse({
        RAKU_CONFIG_REPOSITORY: 'acme/c',
        RAKU_GITHUB_APP_ID: '1',
        RAKU_GITHUB_APP_PRIVATE_KEY: 'super-secret-value',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('super-secret-value');
  });
});
