import http from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpTool } from '../../../generator/config/src/model/types.ts';
import { buildUpstreamRequest, RequestBuildError } from './build-request.ts';

/** One argument in each place a request can carry it. */
const tool: Pick<HttpTool, 'name' | 'http'> = {
  name: 'find',
  http: {
    method: 'POST',
    path: '/items/{id}',
    args: { q: 'query', tags: 'query', trace: { in: 'header', name: 'X-Trace' } },
  },
};
const rawBody: Pick<HttpTool, 'name' | 'http'> = {
  name: 'upload',
  http: { method: 'PUT', path: '/notes', body: 'arg:text' },
};
const BASE = 'https://api.example.test/v1';

/** Any UTF-16 code unit, lone surrogates and control characters included, with the nasty ones favoured. */
const codeUnit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff', '\0', '\r', '\n', '\u007f'),
  },
  { weight: 1, arbitrary: fc.constantFrom('😀', '/', '..', '%2e', '?', '#', 'é', '中') },
);
const hostileString = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.constantFrom('', '.', '..'),
  fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const hostileValue = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).chain((v) => hostileString.map((s) => ({ v, s, [s]: [s] }))),
  },
);

/** What Node's HTTP client would do with the request: throws where it would refuse it. */
function acceptedByNode(request: ReturnType<typeof buildUpstreamRequest>): void {
  for (const [name, value] of Object.entries(request.headers)) {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
  }
  expect(new URL(request.url.href).href).toBe(request.url.href);
  // Well-formed: no surrogate left without its other half.
  if (typeof request.body === 'string')
    expect(request.body).not.toMatch(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
}

describe('buildUpstreamRequest with hostile arguments', () => {
  it.each([
    ['id', 'a path segment'],
    ['q', 'the query parameter q'],
    ['trace', 'the header X-Trace'],
    ['note', 'the request body'],
  ])('refuses a lone surrogate in %s, naming the argument and where it goes', (arg, where) => {
    const args = { id: 'w1', [arg]: `ab\ud800c` };
    expect(() => buildUpstreamRequest(tool, args, BASE)).toThrow(
      new RequestBuildError(
        `argument "${arg}" holds a lone surrogate (U+D800 at index 2), which ${where} cannot carry: strings must be well-formed Unicode`,
      ),
    );
  });

  it('refuses a lone surrogate nested in a body argument, as a key or a value, and in a raw text body', () => {
    for (const note of [{ deep: [{ x: '\udfff' }] }, { ['k\udc00']: 1 }]) {
      expect(() => buildUpstreamRequest(tool, { id: 'w1', note }, BASE)).toThrow(
        /argument "note" holds a lone/,
      );
    }
    expect(() => buildUpstreamRequest(rawBody, { text: 'x\ud800' }, BASE)).toThrow(
      'argument "text" holds a lone surrogate (U+D800 at index 1), which the request body cannot carry',
    );
  });

  it('refuses control characters and characters beyond Latin-1 in a header argument', () => {
    expect(() => buildUpstreamRequest(tool, { id: 'w1', trace: 'a\r\nX-Evil: 1' }, BASE)).toThrow(
      'argument "trace" holds U+000D at index 1, which the header X-Trace cannot carry',
    );
    expect(() => buildUpstreamRequest(tool, { id: 'w1', trace: '中' }, BASE)).toThrow(/U\+4E2D at index 0/);
    const ok = buildUpstreamRequest(tool, { id: 'w1', trace: 'tab\tand é' }, BASE);
    expect(ok.headers['x-trace']).toBe('tab\tand é');
  });

  it('keeps well-formed text as it is: astral characters, reserved characters, long values', () => {
    const request = buildUpstreamRequest(tool, { id: '😀/..', q: 'a&b=c', tags: ['中', '😀'] }, BASE);
    expect(request.url.pathname).toBe('/v1/items/%F0%9F%98%80%2F..');
    expect(request.url.searchParams.getAll('tags')).toEqual(['中', '😀']);
    expect(request.url.searchParams.get('q')).toBe('a&b=c');
  });

  it('either builds a request Node accepts or refuses the call with a RequestBuildError naming an argument', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            id: hostileValue,
            q: hostileValue,
            tags: fc.array(hostileString, { maxLength: 3 }),
            trace: hostileValue,
            note: hostileValue,
          },
          { requiredKeys: ['id'] },
        ),
        (args) => {
          let request: ReturnType<typeof buildUpstreamRequest>;
          try {
            request = buildUpstreamRequest(tool, args, BASE);
          } catch (err) {
            expect(err).toBeInstanceOf(RequestBuildError);
            expect((err as Error).message).toMatch(/^argument "(id|q|tags|trace|note)" /);
            return;
          }
          acceptedByNode(request);
        },
      ),
      { numRuns: 300 },
    );
  });
});
