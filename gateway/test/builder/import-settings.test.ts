/**
 * The import builder's settings from the environment (options.ts): URL fetch off by default, the body limit,
 * and the AI configuration read from the variables `raku import openapi --ai` reads.
 */
import { describe, expect, it } from 'vitest';
import { importSettings, parseRuntimeOptions } from '../../src/server/options.ts';

const parse = (env: Record<string, string>) => parseRuntimeOptions(env, ['local'], '/tmp');

describe('import settings', () => {
  it('fetch no URL, configure no AI and take 32 MiB by default', () => {
    expect(importSettings(parse({}), false)).toEqual({
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
    expect(importSettings(options, true)).toEqual({
      fetchUrls: true,
      allowPrivateNetworks: true,
      maxDocumentBytes: 1048576,
      ai: { provider: 'openai', apiKey: 'sk-x', model: 'gpt-4.1-mini', baseURL: 'https://proxy.example/v1' },
    });
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
    expect(() => parse({ RAKU_IMPORT_URLS: 'yes' })).toThrow('RAKU_IMPORT_URLS must be "true" or "false"');
    expect(() => parse({ RAKU_IMPORT_MAX_BYTES: 'lots' })).toThrow(
      'RAKU_IMPORT_MAX_BYTES must be an integer',
    );
  });
});
