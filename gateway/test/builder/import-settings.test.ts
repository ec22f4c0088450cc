/**
 * The import builder's settings from the environment (options.ts): URL fetch off by default, the body limit,
 * and the AI configuration read from the variables `raku import openapi --ai` reads.
 */
import { describe, expect, it } from 'vitest';
import { importSettings, parseRuntimeOptions } from '../../src/server/options.ts';

const parse = (env: Record<string, string>) => parseRuntimeOptions(env, ['local'], '/tmp');

describe('import settings', () => {
  it('fetch no URL, configure no AI and take 32 MiB by default', () => {
    expect(importSettings(parse({ RAKU_ALLOW_PRIVATE_NETWORKS: 'true' }))).toEqual({
      fetchUrls: false,
      allowPrivateNetworks: false,
      maxDocumentBytes: 32 * 1024 * 1024,
    });
  });

  it('read RAKU_IMPORT_URLS, RAKU_IMPORT_MAX_BYTES and OpenAI as the CLI does', () => {
    const options = parse({
      RAKU_IMPORT_URLS: '1',
      RAKU_IMPORT_MAX_BYTES: '1048576',
      OPENAI_API_KEY: 'sk-x',
      OPENAI_BASE_URL: 'https://proxy.example/v1',
    });
    expect(importSettings(options)).toEqual({
      fetchUrls: true,
      allowPrivateNetworks: false,
      maxDocumentBytes: 1048576,
      ai: { provider: 'openai', apiKey: 'sk-x', model: 'gpt-4.1-mini', baseURL: 'https://proxy.example/v1' },
    });
  });

  it('RAKU_IMPORT_URLS: 1 fetches public addresses only, whatever packs may reach; private allows private ones', () => {
    const of = (env: Record<string, string>) => {
      const { fetchUrls, allowPrivateNetworks } = importSettings(parse(env));
      return { fetchUrls, allowPrivateNetworks };
    };
    expect(of({ RAKU_IMPORT_URLS: '1', RAKU_ALLOW_PRIVATE_NETWORKS: 'true' })).toEqual({
      fetchUrls: true,
      allowPrivateNetworks: false,
    });
    expect(of({ RAKU_IMPORT_URLS: 'true' })).toEqual({ fetchUrls: true, allowPrivateNetworks: false });
    expect(of({ RAKU_IMPORT_URLS: 'private' })).toEqual({ fetchUrls: true, allowPrivateNetworks: true });
    expect(of({ RAKU_IMPORT_URLS: '0', RAKU_ALLOW_PRIVATE_NETWORKS: 'true' })).toEqual({
      fetchUrls: false,
      allowPrivateNetworks: false,
    });
    expect(() => parse({ RAKU_IMPORT_URLS: 'yes' })).toThrow(
      'RAKU_IMPORT_URLS must be "1" (public addresses), "private" (private networks too) or "0", not "yes"',
    );
  });

  it('prefer Azure OpenAI when its endpoint is set, and name what it lacks', () => {
    expect(
      parse({
        AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com',
        AZURE_OPENAI_API_KEY: 'k',
        AZURE_OPENAI_DEPLOYMENT: 'd',
        OPENAI_API_KEY: 'ignored',
      }).importAi,
    ).toEqual({
      provider: 'azure',
      endpoint: 'https://x.openai.azure.com',
      apiKey: 'k',
      deployment: 'd',
      apiVersion: '2024-10-21',
    });
    expect(() => parse({ AZURE_OPENAI_ENDPOINT: 'https://x.openai.azure.com' })).toThrow(
      'AZURE_OPENAI_ENDPOINT is set: Azure OpenAI also needs AZURE_OPENAI_API_KEY and AZURE_OPENAI_DEPLOYMENT',
    );
  });

  it('refuse values that are not settings, naming the variable', () => {
    expect(() => parse({ RAKU_IMPORT_URLS: 'yes' })).toThrow('RAKU_IMPORT_URLS must be "1"');
    expect(() => parse({ RAKU_IMPORT_MAX_BYTES: 'lots' })).toThrow(
      'RAKU_IMPORT_MAX_BYTES must be an integer',
    );
  });
});
