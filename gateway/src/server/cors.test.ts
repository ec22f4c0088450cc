import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { corsPolicy, normaliseOrigin } from './cors.ts';

const host = fc.domain();
const port = fc.integer({ min: 1, max: 65535 });

describe('CORS origins', () => {
  it('serialises a configured origin as browsers send Origin, whatever its case, port or trailing slash', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https'),
        host,
        fc.option(port),
        fc.boolean(),
        (scheme, h, p, slash) => {
          const entry = `${scheme}://${h.toUpperCase()}${p === null ? '' : `:${p}`}${slash ? '/' : ''}`;
          const origin = new URL(`${scheme}://${h}${p === null ? '' : `:${p}`}`).origin;
          expect(normaliseOrigin(entry)).toBe(origin);
          expect(corsPolicy([entry]).allows(origin)).toBe(true);
        },
      ),
    );
  });

  it('refuses anything that is not exactly an origin: paths, queries, credentials, wildcards, other schemes', () => {
    fc.assert(
      fc.property(
        host,
        fc.constantFrom('/x', '/a/b', '?q=1', '#f', '/*'),
        (h, tail) => normaliseOrigin(`https://${h}${tail}`) === undefined,
      ),
    );
    for (const bad of ['*', 'null', 'https://user:pw@a.example', 'ftp://a.example', 'a.example', '']) {
      expect(normaliseOrigin(bad)).toBeUndefined();
    }
    expect(() => corsPolicy(['https://ok.example', '*'], 'RAKU_CORS_ORIGINS')).toThrow(
      'RAKU_CORS_ORIGINS: "*" is not an origin',
    );
  });

  it('allows only the listed origins', () => {
    fc.assert(
      fc.property(host, host, (a, b) => {
        const policy = corsPolicy([`https://${a}`]);
        expect(policy.allows(`https://${b}`)).toBe(
          new URL(`https://${a}`).host === new URL(`https://${b}`).host,
        );
        expect(policy.allows(`http://${a}`)).toBe(false);
      }),
    );
  });
});
