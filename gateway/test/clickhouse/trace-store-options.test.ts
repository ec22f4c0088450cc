/** RAKU_TRACE_STORE, RAKU_CLICKHOUSE_URL and RAKU_CLICKHOUSE_DATABASE as the runtime options parse them. */
import { describe, expect, it } from 'vitest';
import { parseRuntimeOptions } from '../../src/server/options.ts';

const parse = (env: Record<string, string>) =>
  parseRuntimeOptions({ RAKU_ROLE: 'gateway', ...env }, [], '/srv');

describe('trace store options', () => {
  it('stores traces in Postgres only by default', () => {
    expect(parse({})).toMatchObject({ traceStore: 'postgres', clickhouse: undefined });
  });

  it('writes to both stores when a ClickHouse URL is given, in the database raku unless named', () => {
    expect(parse({ RAKU_CLICKHOUSE_URL: 'http://clickhouse:8123' })).toMatchObject({
      traceStore: 'both',
      clickhouse: { url: 'http://clickhouse:8123', database: 'raku' },
    });
    expect(
      parse({
        RAKU_TRACE_STORE: 'clickhouse',
        RAKU_CLICKHOUSE_URL: 'https://raku:s3cret@ch.example.com:8443/',
        RAKU_CLICKHOUSE_DATABASE: 'traces_prod',
      }),
    ).toMatchObject({
      traceStore: 'clickhouse',
      clickhouse: { url: 'https://raku:s3cret@ch.example.com:8443', database: 'traces_prod' },
    });
  });

  it.each([
    [
      { RAKU_TRACE_STORE: 'mysql' },
      'RAKU_TRACE_STORE must be one of postgres, clickhouse, both, not "mysql"',
    ],
    [
      { RAKU_TRACE_STORE: 'both' },
      'RAKU_TRACE_STORE=both needs RAKU_CLICKHOUSE_URL (e.g. http://clickhouse:8123)',
    ],
    [
      { RAKU_TRACE_STORE: 'postgres', RAKU_CLICKHOUSE_URL: 'http://clickhouse:8123' },
      'RAKU_CLICKHOUSE_URL is set but RAKU_TRACE_STORE=postgres does not use it',
    ],
    [
      { RAKU_CLICKHOUSE_URL: 'clickhouse:8123' },
      'RAKU_CLICKHOUSE_URL must be the HTTP interface of ClickHouse',
    ],
    [{ RAKU_CLICKHOUSE_URL: 'tcp://clickhouse:9000' }, 'RAKU_CLICKHOUSE_URL must be the HTTP interface'],
    [{ RAKU_CLICKHOUSE_URL: 'http://clickhouse:8123/raku' }, 'name the database in RAKU_CLICKHOUSE_DATABASE'],
    [
      { RAKU_CLICKHOUSE_URL: 'http://clickhouse:8123', RAKU_CLICKHOUSE_DATABASE: 'raku`; DROP' },
      'RAKU_CLICKHOUSE_DATABASE must be a plain name',
    ],
  ])('refuses %o', (env, message) => {
    expect(() => parse(env)).toThrow(message);
  });

  it('never echoes the password of a malformed URL', () => {
    expect(() => parse({ RAKU_CLICKHOUSE_URL: 'http://raku:hunter2@clickhouse:8123/x?y' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
