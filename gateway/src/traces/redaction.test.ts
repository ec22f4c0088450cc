import { describe, expect, it } from 'vitest';
import { compileRedaction, EMAIL, REDACTED, redact } from './redaction.ts';

const JWT =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyOmFubiIsImF1ZCI6InJha3UifQ.c2lnbmF0dXJlLWJ5dGVz';

describe('redact: keys', () => {
  // [key, value, expected]: a truth table of key names.
  const table: [string, unknown, unknown][] = [
    ['password', 'hunter2', REDACTED],
    ['Password', 'hunter2', REDACTED],
    ['db_passwd', 'x', REDACTED],
    ['client_secret', 'x', REDACTED],
    ['apiKey', 'x', REDACTED],
    ['api-key', 'x', REDACTED],
    ['X-Api-Key', 'x', REDACTED],
    ['access_token', 'x', REDACTED],
    ['refreshToken', 'x', REDACTED],
    ['authorization', 'anything', REDACTED],
    ['Cookie', 'a=b', REDACTED],
    ['privateKey', 'x', REDACTED],
    ['aws_access_key_id', 'x', REDACTED],
    ['credentials', { user: 'a' }, REDACTED],
    ['sessionId', 'abc', REDACTED],
    ['token', 12345, REDACTED],
    // Not secrets: must survive unchanged.
    ['max_tokens', 512, 512],
    ['author', 'ann', 'ann'],
    ['title', 'a title', 'a title'],
    ['owner', 'acme', 'acme'],
    ['state', 'open', 'open'],
    ['count', 3, 3],
  ];
  it.each(table)('key %s', (key, value, expected) => {
    expect(redact({ [key]: value }, undefined)).toEqual({ [key]: expected });
  });

  it('redacts secret keys at any depth and inside arrays', () => {
    expect(redact({ a: [{ b: { password: 'p', keep: 1 } }] }, undefined)).toEqual({
      a: [{ b: { password: REDACTED, keep: 1 } }],
    });
  });

  it('takes extra key patterns from the options', () => {
    const rules = compileRedaction({ extraSecretKeys: ['^ssn$'] });
    expect(redact({ ssn: '123', ssnote: 'x' }, undefined, rules)).toEqual({ ssn: REDACTED, ssnote: 'x' });
  });
});

describe('redact: value shapes', () => {
  const table: [string, string, string][] = [
    ['a JWT', JWT, REDACTED],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', REDACTED],
    ['a fine-grained GitHub token', 'github_pat_11ABCDEFG0abcdefghijklmnop', REDACTED],
    ['an AWS key id', 'AKIAIOSFODNN7EXAMPLE', REDACTED],
    ['an AWS temporary key id', 'ASIAIOSFODNN7EXAMPLE', REDACTED],
    ['a GitLab token', 'glpat-abcdefghijklmnopqrstu', REDACTED],
    ['a Slack token', 'xoxb-1234567890-abcdefghij', REDACTED],
    ['an sk- key', 'sk-proj-abcdefghijklmnopqrstuvwx', REDACTED],
    [
      'a PEM private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----',
      REDACTED,
    ],
    ['a JWT inside prose', `the token was ${JWT} yesterday`, `the token was ${REDACTED} yesterday`],
    ['a bearer header value', 'Bearer abcdefghijklmnop', `Bearer ${REDACTED}`],
    ['a bearer token inside prose', 'use bearer abc.def-ghi_jkl now', `use bearer ${REDACTED} now`],
    ['basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', `Basic ${REDACTED}`],
    ['a token scheme in capitals', 'TOKEN abcdefghijklmnop', `TOKEN ${REDACTED}`],
    ['the shortest password assignment', 'pass=x', `pass=${REDACTED}`],
    ['the shortest e-mail address', 'a@b.co', EMAIL],
    ['userinfo in a URL', 'see https://bob:s3cret@example.com/x', `see https://${REDACTED}@example.com/x`],
    [
      'a password assignment in a log line',
      'login failed password=hunter2 user=ann',
      `login failed password=${REDACTED} user=ann`,
    ],
    ['an api key in a query string', 'GET /x?api_key=abc123&q=1', `GET /x?api_key=${REDACTED}&q=1`],
    ['a JSON-ish assignment', 'config {"token": "abc"} ok', `config {"token": "${REDACTED}"} ok`],
    ['an e-mail address', 'mail ann@example.com please', `mail ${EMAIL} please`],
    ['plain text', 'the bug is in the parser', 'the bug is in the parser'],
    ['a short word after Bearer', 'Bearer of news', 'Bearer of news'],
    ['a URL without credentials', 'https://example.com/a@b', 'https://example.com/a@b'],
  ];
  it.each(table)('%s', (_name, value, expected) => {
    expect(redact({ text: value }, undefined)).toEqual({ text: expected });
  });

  it('keeps e-mail addresses when configured to', () => {
    const rules = compileRedaction({ redactEmails: false });
    expect(redact({ to: 'ann@example.com' }, undefined, rules)).toEqual({ to: 'ann@example.com' });
  });

  it('redacts JSON held in a string by key, as in an MCP text content block', () => {
    const result = {
      content: [{ type: 'text', text: JSON.stringify({ id: 7, api_key: 'k-1', owner: 'ann@example.com' }) }],
    };
    const out = redact(result, undefined) as { content: { text: string }[] };
    expect(JSON.parse(out.content[0]!.text)).toEqual({ id: 7, api_key: REDACTED, owner: EMAIL });
  });

  it('cuts long strings and says how much was cut', () => {
    const rules = compileRedaction({ maxStringLength: 10 });
    expect(redact({ s: 'x'.repeat(25) }, undefined, rules)).toEqual({
      s: `${'x'.repeat(10)}…[15 more characters]`,
    });
  });

  it('counts every cut character when a huge string is only partly scanned', () => {
    const rules = compileRedaction({ maxStringLength: 10 });
    expect(redact({ s: 'x'.repeat(1000) }, undefined, rules)).toEqual({
      s: `${'x'.repeat(10)}…[990 more characters]`,
    });
  });

  it('redacts a secret that crosses the cut before cutting', () => {
    const rules = compileRedaction({ maxStringLength: 12 });
    expect(redact({ s: 'id ghp_abcdefghijklmnopqrstuvwxyz0123456789' }, undefined, rules)).toEqual({
      s: REDACTED,
    });
    expect(redact({ s: 'x Bearer abcdefghijklmnop' }, undefined, rules)).toEqual({
      s: `x Bearer ${REDACTED.slice(0, 3)}…[${REDACTED.length - 3} more characters]`,
    });
  });

  it('replaces NUL characters, which Postgres refuses, in values and keys', () => {
    expect(redact({ 'a\u0000b': 'c\u0000d' }, undefined)).toEqual({ 'a\uFFFDb': 'c\uFFFDd' });
  });

  it('stops at the depth limit', () => {
    const rules = compileRedaction({ maxDepth: 2 });
    expect(redact({ a: { b: { c: 1 } } }, undefined, rules)).toEqual({ a: { b: '[TRUNCATED]' } });
  });
});

describe('redact: x-sensitive in the input schema', () => {
  const schema = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      ssn: { type: 'string', 'x-sensitive': true },
      profile: {
        type: 'object',
        properties: { dob: { type: 'string', 'x-sensitive': true }, city: { type: 'string' } },
      },
      cards: { type: 'array', items: { type: 'object', properties: { number: { 'x-sensitive': true } } } },
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { 'x-sensitive': true }] },
      extra: { type: 'object', additionalProperties: { 'x-sensitive': true } },
    },
  };

  it('redacts marked properties at every level and keeps the others', () => {
    const args = {
      name: 'Ann',
      ssn: '078-05-1120',
      profile: { dob: '1990-01-01', city: 'Oslo' },
      cards: [{ number: '4111' }, { number: '5500' }],
      pair: ['a', 'b'],
      extra: { anything: 'x' },
    };
    expect(redact(args, schema)).toEqual({
      name: 'Ann',
      ssn: REDACTED,
      profile: { dob: REDACTED, city: 'Oslo' },
      cards: [{ number: REDACTED }, { number: REDACTED }],
      pair: ['a', REDACTED],
      extra: { anything: REDACTED },
    });
  });

  it('redacts a marked property whatever its type, including objects', () => {
    expect(redact({ ssn: { a: 1 } }, schema)).toEqual({ ssn: REDACTED });
  });

  it('without a schema, x-sensitive data is only caught by the other rules', () => {
    expect(redact({ ssn: '078-05-1120' }, undefined)).toEqual({ ssn: '078-05-1120' });
  });

  it('does not change its input', () => {
    const args = { password: 'p', nested: { ssn: '1' } };
    const copy = structuredClone(args);
    redact(args, schema);
    expect(args).toEqual(copy);
  });
});
