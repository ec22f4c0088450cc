import type { Schema } from '@raku/client';
import { describe, expect, it } from 'vitest';
import { findTool } from './catalog-tools.ts';

type Catalog = Schema<'Catalog'>;

const definition = {
  title: null,
  description: 'Search the partner catalogue.',
  inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
  outputSchema: null,
  annotations: null,
};
const remoteTool = (name: string, servesAs: string[], withDefinition: boolean) => ({
  name,
  servesAs,
  reviewedSha256: 'a'.repeat(64),
  liveSha256: withDefinition ? 'a'.repeat(64) : 'b'.repeat(64),
  matches: withDefinition,
  checkedAt: '2026-12-04T12:00:00.000Z',
  definition: withDefinition ? definition : null,
  sensitive: false,
});

const catalog: Catalog = {
  zone: 'dev',
  environment: 'dev',
  revision: 'r',
  packs: [
    {
      name: 'widgets',
      version: '1.0.0',
      workload: 'widgets',
      zones: [],
      tools: [
        {
          name: 'widgets.get_widget',
          tool: 'get_widget',
          title: null,
          description: 'Get one widget by id.',
          inputSchema: { type: 'object' },
          outputSchema: null,
          annotations: null,
          sensitive: false,
          contentHash: 'c'.repeat(64),
          source: { method: 'GET', path: '/widgets/{id}', operationId: null },
        },
      ],
    },
  ],
  remotes: [
    {
      name: 'partner',
      url: 'https://partner.example/mcp',
      error: null,
      tools: [
        remoteTool('get_widget', ['widgets.get_widget'], true),
        remoteTool('search', ['partner.search'], true),
        remoteTool('tampered', ['partner.tampered'], false),
      ],
    },
  ],
};

describe('findTool', () => {
  it('finds a pack tool first, even when a third-party tool is its fallback', () => {
    expect(findTool(catalog, 'widgets.get_widget')).toMatchObject({
      tool: { tool: 'get_widget', source: { method: 'GET' } },
      origin: { kind: 'pack' },
    });
  });

  it('finds a third-party tool exposed under its own name, with its reviewed definition', () => {
    expect(findTool(catalog, 'partner.search')).toMatchObject({
      tool: {
        name: 'partner.search',
        tool: 'search',
        description: 'Search the partner catalogue.',
        contentHash: 'a'.repeat(64),
        source: null,
      },
      origin: { kind: 'remote', remote: { name: 'partner' } },
    });
  });

  it('finds nothing for a changed third-party tool, a fallback-only name or an unknown tool', () => {
    expect(findTool(catalog, 'partner.tampered')).toBeUndefined();
    expect(findTool(catalog, 'partner.get_widget')).toBeUndefined();
    expect(findTool(catalog, 'nope')).toBeUndefined();
  });
});
