import fc from 'fast-check';
import safeRegex from 'safe-regex2';
import { describe, expect, it } from 'vitest';
import {
  compileRedaction,
  EMAIL,
  maskSecrets,
  REDACTED,
  redact,
  redactWithReport,
  TRUNCATED,
} from './redaction.ts';
import { SECRET_CATALOGUE } from './secret-catalogue.ts';

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
      s: `id ${REDACTED.slice(0, 9)}…[1 more characters]`,
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

describe('redact: the credential catalogue (issue 11, item 8)', () => {
  const table: [string, string, string][] = [
    [
      'an access_token in a URL',
      'GET https://api.example.com/v1/me?access_token=ya29.a0AfH6SMBx&fields=id',
      `GET https://api.example.com/v1/me?access_token=${REDACTED}&fields=id`,
    ],
    [
      'a URL-encoded bearer token',
      '/cb?h=Bearer%20abcdefghijklmnop&next=%2F',
      `/cb?h=Bearer%20${REDACTED}&next=%2F`,
    ],
    [
      'a URL-encoded authorization header with +',
      'h=Authorization%3A+Bearer+abcdefghijklmnop',
      `h=Authorization%3A+Bearer+${REDACTED}`,
    ],
    ['a Stripe live key', 'key sk_live_51HabcdefGHIJKLmnop1234 used', `key ${REDACTED} used`],
    ['a Google API key', 'maps?key=AIzaSyA1234567890abcdefghijklmnopqrstuv&z=3', `maps?key=${REDACTED}&z=3`],
    [
      'an npm token',
      '//registry/:_x=npm_abcdefghijklmnopqrstuvwxyz0123456789 end',
      `//registry/:_x=${REDACTED} end`,
    ],
    ['a SendGrid key', `SG.${'a'.repeat(22)}.${'B'.repeat(43)} sent`, `${REDACTED} sent`],
    ['a sessionid cookie', 'Cookie: sessionid=8f2a9c0e11; path=/', `Cookie: sessionid=${REDACTED}; path=/`],
    [
      'a JSESSIONID cookie',
      'Set-Cookie: JSESSIONID=ABCDEF0123; HttpOnly',
      `Set-Cookie: JSESSIONID=${REDACTED}; HttpOnly`,
    ],
    ['a max_tokens setting (not a secret)', 'max_tokens=512 temperature=0', 'max_tokens=512 temperature=0'],
  ];
  it.each(table)('%s', (_name, value, expected) => {
    expect(redact({ text: value }, undefined)).toEqual({ text: expected });
  });

  it('masks the values of secret names a pack declares, as keys and inside text', () => {
    const rules = compileRedaction({ secretNames: ['X-Acme-Sesame'] });
    expect(redact({ 'x-acme-sesame': 'v1', log: 'sent X-Acme-Sesame: abc123 ok' }, undefined, rules)).toEqual(
      {
        'x-acme-sesame': REDACTED,
        log: `sent X-Acme-Sesame: ${REDACTED} ok`,
      },
    );
    expect(redact({ log: 'sent X-Acme-Sesame: abc123 ok' }, undefined)).toEqual({
      log: 'sent X-Acme-Sesame: abc123 ok',
    });
  });

  it('masks a secret used as a key, keeping two masked keys apart', () => {
    const a = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const b = 'ghp_zyxwvutsrqponmlkjihgfedcba9876543210';
    expect(redact({ [a]: 1, [b]: 2 }, undefined)).toEqual({ [REDACTED]: 1, [`${REDACTED} (2)`]: 2 });
  });

  it('keeps a "__proto__" key as data', () => {
    const out = redact(JSON.parse('{"__proto__": {"polluted": true}}'), undefined) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('keeps a string holding JSON as written when nothing in it is a secret', () => {
    const text = '{ "id": 7,\n  "title": "x" }';
    expect(redact({ text }, undefined)).toEqual({ text });
  });

  it('uses only patterns without nested quantifiers (no catastrophic backtracking), ours and the catalogue', () => {
    const rules = compileRedaction({ secretNames: ['X-Acme-Sesame'] }).textRules;
    expect(rules.length).toBeGreaterThan(SECRET_CATALOGUE.length);
    for (const rule of rules) expect([rule.id, safeRegex(rule.regex)]).toEqual([rule.id, true]);
  });

  // One generator per family the review found missing, plus the older ones.
  const alnum = (min: number, max = min) =>
    fc.string({
      unit: fc.constantFrom(...'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'),
      minLength: min,
      maxLength: max,
    });
  const families: Record<string, fc.Arbitrary<{ secret: string; text: string }>> = {
    'access_token=': alnum(12, 40).map((s) => ({
      secret: s,
      text: `https://h.example/cb?access_token=${s}&x=1`,
    })),
    'Bearer (URL-encoded)': alnum(8, 30).map((s) => {
      const jwt = `eyJ${s}.eyJ${s}.${s}`;
      return { secret: jwt, text: encodeURIComponent(`Bearer ${jwt}`) };
    }),
    sk_live_: alnum(24, 60).map((s) => ({ secret: `sk_live_${s}`, text: `sk_live_${s}` })),
    AIza: alnum(35).map((s) => ({ secret: `AIza${s}`, text: `AIza${s}` })),
    npm_: alnum(36).map((s) => ({ secret: `npm_${s}`, text: `npm_${s}` })),
    'SG.': fc.tuple(alnum(22), alnum(43)).map(([a, b]) => ({ secret: `SG.${a}.${b}`, text: `SG.${a}.${b}` })),
    'sessionid=': alnum(10, 32).map((s) => ({ secret: s, text: `sessionid=${s}; Path=/` })),
    ghp_: alnum(36).map((s) => ({ secret: `ghp_${s}`, text: `ghp_${s}` })),
    JWT: alnum(8, 30).map((s) => ({ secret: `eyJ${s}.eyJ${s}.${s}`, text: `eyJ${s}.eyJ${s}.${s}` })),
  };
  const filler = fc.string({ unit: fc.constantFrom(...'abc xyz,.;:/?()'), maxLength: 20 });
  /** The secret's text placed somewhere in a JSON value: as a value, in prose, in a URL, as a key, in JSON text. */
  const placed = (text: string) =>
    fc
      .tuple(filler, filler, fc.integer({ min: 0, max: 5 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([before, after, where, other]) => {
        const prose = `${before} ${text} ${after}`;
        switch (where) {
          case 0:
            return { a: [other, { b: text }] };
          case 1:
            return { note: prose, other };
          case 2:
            return { url: `https://x.example/p?q=1&v=${encodeURIComponent(prose)}` };
          case 3:
            return { [prose]: other };
          case 4:
            return { content: [{ type: 'text', text: JSON.stringify({ deep: { v: prose } }) }] };
          default:
            return [other, prose];
        }
      });

  it.each(Object.keys(families))('never lets a generated %s secret through, wherever it sits', (family) => {
    fc.assert(
      fc.property(
        families[family]!.chain((s) => placed(s.text).map((value) => ({ ...s, value }))),
        ({ secret, value }) => {
          const out = JSON.stringify(redact(value, undefined));
          expect(out).not.toContain(secret);
          expect(out).not.toContain(encodeURIComponent(secret));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('redactWithReport', () => {
  it('lists each masked value and cut value as a JSON Pointer', () => {
    const rules = compileRedaction({
      maxStringLength: Number.POSITIVE_INFINITY,
      maxDepth: 3,
      redactEmails: false,
    });
    const { value, report } = redactWithReport(
      {
        'a/b': { password: 'x' },
        list: ['Bearer abcdefghijk', 'plain'],
        deep: { x: { y: { z: 1 } } },
        to: 'ann@example.com',
      },
      undefined,
      rules,
    );
    expect(value).toEqual({
      'a/b': { password: REDACTED },
      list: [`Bearer ${REDACTED}`, 'plain'],
      deep: { x: { y: TRUNCATED } },
      to: 'ann@example.com',
    });
    expect(report).toEqual({
      masked: ['/a~1b/password', '/list/0'],
      truncated: [{ path: '/deep/x/y', omittedCharacters: '{"z":1}'.length }],
    });
  });

  it('masks secrets in text with maskSecrets alone', () => {
    expect(maskSecrets('x=1 password=hunter2')).toBe(`x=1 password=${REDACTED}`);
  });
});
