/** The pack and zone schema fields of issue 19: body kinds, contentType, fixed values, sigv4, optional base URLs. */
import { describe, expect, it } from 'vitest';
import { schemaValidators } from '../config/src/load/schemas.ts';

const ref = (key: string) => ({ secretRef: { name: 'aws', key } });

function pack(upstream: Record<string, unknown>, http: Record<string, unknown> = {}) {
  return {
    name: 'p',
    version: '1.0.0',
    description: 'd',
    owner: 'o',
    upstream,
    tools: [
      {
        name: 't',
        description: 'd',
        inputSchema: { type: 'object' },
        http: { method: 'POST', path: '/x', ...http },
      },
    ],
  };
}

const valid = (value: unknown) => schemaValidators().pack(value);

describe('pack schema', () => {
  it('accepts a pack without base URLs (left to the zones)', () => {
    expect(valid(pack({}))).toBe(true);
    expect(valid(pack({ baseUrls: {} }))).toBe(true);
  });

  it.each(['json', 'form', 'multipart', 'arg:file'])('accepts body %s', (body) => {
    expect(valid(pack({}, { body }))).toBe(true);
  });

  it('refuses an unknown body kind', () => {
    expect(valid(pack({}, { body: 'xml' }))).toBe(false);
  });

  it('accepts a media type with parameters as contentType, and refuses one that would split a header', () => {
    expect(valid(pack({}, { body: 'arg:x', contentType: 'text/plain; charset=utf-8' }))).toBe(true);
    expect(valid(pack({}, { body: 'arg:x', contentType: 'text/plain\r\nX-Evil: 1' }))).toBe(false);
    expect(valid(pack({}, { body: 'arg:x', contentType: 'plain' }))).toBe(false);
  });

  it('accepts fixed query parameters and headers, with header names as HTTP allows', () => {
    const fixed = { query: { Action: 'List', Version: '2012-11-05' }, headers: { 'X-Amz-Target': 'S.List' } };
    expect(valid(pack({}, { fixed }))).toBe(true);
    expect(valid(pack({}, { fixed: { headers: { 'Bad Header': 'x' } } }))).toBe(false);
    expect(valid(pack({}, { fixed: { cookies: {} } }))).toBe(false);
    expect(valid(pack({}, { fixed: { headers: { 'X-A': 'one\r\nX-B: two' } } }))).toBe(false);
    expect(valid(pack({}, { fixed: { headers: { 'X-A': 'tab\tok' } } }))).toBe(true);
  });

  it('requires region, service and both keys for sigv4; the session token is optional', () => {
    const sigv4 = {
      type: 'sigv4',
      region: 'eu-west-1',
      service: 'sqs',
      accessKeyId: ref('id'),
      secretAccessKey: ref('secret'),
    };
    expect(valid(pack({ auth: sigv4 }))).toBe(true);
    expect(valid(pack({ auth: { ...sigv4, sessionToken: ref('token') } }))).toBe(true);
    for (const key of ['region', 'service', 'accessKeyId', 'secretAccessKey']) {
      const { [key]: _gone, ...rest } = sigv4 as Record<string, unknown>;
      expect(valid(pack({ auth: rest })), key).toBe(false);
    }
    expect(valid(pack({ auth: { ...sigv4, region: 'EU West' } }))).toBe(false);
  });
});

describe('zone schema', () => {
  it('accepts an http(s) baseUrl on a zone pack entry and refuses another scheme', () => {
    const zone = (baseUrl: string) => ({
      name: 'dev',
      environment: 'dev',
      cluster: { context: 'c' },
      namespace: 'n',
      registry: { host: 'ghcr.io', repository: 'a/b' },
      gitops: { repository: 'a/b', branch: 'main', path: 'p' },
      packs: [{ name: 'p', baseUrl }],
    });
    expect(schemaValidators().zone(zone('https://api.example.com/v1'))).toBe(true);
    expect(schemaValidators().zone(zone('ftp://api.example.com'))).toBe(false);
  });
});
