import type { GatewayBundle } from '@raku/render';
import { describe, expect, it } from 'vitest';
import { buildAgents, cardStatus } from './agents.ts';
import type { RemoteStatusView } from './types.ts';

const CARD = 'https://helper.example/.well-known/agent-card.json';

/** A bundle with one A2A pack (two skills) and one HTTP pack, as far as buildAgents reads it. */
function bundle(): GatewayBundle {
  const tool = (pack: string, name: string, skill?: string) => ({
    name: `${pack}.${name}`,
    source: { kind: 'pack', pack, version: '1.0.0', workload: pack, tool: `${pack}.${name}` },
    definition: {
      title: name,
      description: `${name} things`,
      inputSchema: { type: 'object' },
      ...(skill ? { a2a: { skill } } : { http: { method: 'GET', path: '/x' } }),
    },
    sensitive: false,
    contentHash: 'h',
  });
  const route = (pack: string, name: string, a2a: boolean) => ({
    tool: `${pack}.${name}`,
    environment: 'dev',
    targets: [
      {
        kind: 'pack',
        workload: pack,
        pack,
        version: '1.0.0',
        tool: `${pack}.${name}`,
        url: `http://${pack}/mcp`,
        ...(a2a ? { a2aCard: { url: CARD, sha256: 'reviewed' } } : {}),
      },
    ],
  });
  return {
    zone: 'dev',
    revision: 'sha256:r',
    tools: [tool('helper', 'count', 'count-words'), tool('helper', 'sum', 'summarize'), tool('api', 'get')],
    routes: [route('helper', 'count', true), route('helper', 'sum', true), route('api', 'get', false)],
  } as unknown as GatewayBundle;
}

const state = (live: string | null, extra: Partial<RemoteStatusView> = {}): RemoteStatusView => ({
  remote: 'a2a:helper',
  url: CARD,
  checkedAt: new Date('2026-12-04T10:00:00Z'),
  error: null,
  read: live !== null,
  card: {
    name: 'helper agent',
    protocolVersions: ['1.0'],
    securitySchemes: [{ name: 'bearerAuth', kind: 'bearer' }],
  },
  tools: ['helper.count', 'helper.sum'].map((tool) => ({
    tool,
    reviewed: 'reviewed',
    live,
    definition: null,
  })),
  ...extra,
});

describe('buildAgents', () => {
  it('lists each A2A pack once with its card, status and skills; HTTP packs are not agents', () => {
    const agents = buildAgents(bundle(), [state('reviewed')], 'all');
    expect(agents.agents).toEqual([
      {
        pack: 'helper',
        version: '1.0.0',
        cardUrl: CARD,
        reviewedSha256: 'reviewed',
        liveSha256: 'reviewed',
        status: 'reviewed',
        checkedAt: '2026-12-04T10:00:00.000Z',
        error: null,
        card: state('reviewed').card,
        skills: [
          { tool: 'helper.count', skill: 'count-words', title: 'count', description: 'count things' },
          { tool: 'helper.sum', skill: 'summarize', title: 'sum', description: 'sum things' },
        ],
      },
    ]);
  });

  it('keeps card URLs and read errors to admins, and shows non-admins only the skills they may see', () => {
    const failing = state(null, { error: 'the agent card at … answered HTTP 500' });
    const admin = buildAgents(bundle(), [failing], 'all').agents[0]!;
    expect(admin).toMatchObject({ status: 'unreachable', error: failing.error, cardUrl: CARD });
    const viewer = buildAgents(bundle(), [failing], new Set(['helper.sum'])).agents[0]!;
    expect(viewer).toMatchObject({ status: 'unreachable', error: null, cardUrl: null });
    expect(viewer.skills.map((s) => s.tool)).toEqual(['helper.sum']);
    expect(buildAgents(bundle(), [failing], new Set(['api.get'])).agents).toEqual([]);
  });
});

describe('cardStatus', () => {
  it('is reviewed only while every skill hashes to the reviewed card', () => {
    expect(cardStatus('reviewed', state('reviewed'))).toBe('reviewed');
    expect(cardStatus('reviewed', state('other'))).toBe('changed');
    expect(cardStatus('reviewed', state(null, { error: 'down' }))).toBe('unreachable');
    expect(cardStatus('reviewed', state(null))).toBe('unchecked');
    expect(cardStatus('reviewed', undefined)).toBe('unchecked');
  });
});
