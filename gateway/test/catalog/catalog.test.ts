/**
 * buildCatalog on this repository's own config (the dev zone's bundle, as local mode builds it): packs with the
 * pipeline's zones and versions, tools as agents list them, the third-party server's reviewed tools in each
 * state the route table can report, and what a caller who sees only some tools gets.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../../generator/config/src/fs/read-repo.ts';
import { loadRepo } from '../../../generator/config/src/load/load-repo.ts';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import { buildCatalog, exposedToolNames } from '../../src/catalog/catalog.ts';
import type { RemoteStatusView } from '../../src/catalog/types.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let bundle: GatewayBundle;

beforeAll(async () => {
  bundle = buildBundle(loadRepo(await readRepoFiles(ROOT)).model, 'dev', { revision: 'rev-1' });
});

function reviewed(tool: string): string {
  for (const route of bundle.routes)
    for (const t of route.targets) if (t.kind === 'remote' && t.tool === tool) return t.descriptionSha256;
  throw new Error(`no remote tool ${tool} in the dev bundle`);
}

describe('buildCatalog', () => {
  it('lists every pack of the zone with the zones of the pipeline that run it, in pipeline order', () => {
    const catalog = buildCatalog(bundle, [], 'all');
    expect(catalog).toMatchObject({ zone: 'dev', environment: 'dev', revision: 'rev-1' });
    const petstore = catalog.packs.find((p) => p.name === 'petstore')!;
    expect(petstore.zones.map((z) => z.zone)).toEqual(['dev', 'staging', 'prod']);
    expect(petstore.zones.every((z) => z.version === petstore.version)).toBe(true);
    const deletePet = petstore.tools.find((t) => t.name === 'petstore.delete_pet')!;
    expect(deletePet).toMatchObject({
      tool: 'delete_pet',
      title: 'Delete a pet',
      sensitive: true,
      annotations: { destructiveHint: true },
      source: { method: 'DELETE', path: '/pet/{petId}', operationId: null },
    });
    // Every pack tool of the bundle, once.
    const listed = catalog.packs.flatMap((p) => p.tools.map((t) => t.name)).sort();
    expect(listed).toEqual(
      bundle.tools
        .filter((t) => t.source.kind === 'pack')
        .map((t) => t.name)
        .sort(),
    );
  });

  it('shows each reviewed third-party tool as not checked, matching, changed or missing', () => {
    const unread = buildCatalog(bundle, [], 'all').remotes.find((r) => r.name === 'github-mcp')!;
    expect(unread.tools.map((t) => [t.name, t.matches, t.checkedAt])).toEqual([
      ['get_issue', null, null],
      ['list_issues', null, null],
    ]);
    expect(unread.tools[0]!.servesAs).toEqual(['github.get_issue']);

    const checkedAt = new Date('2026-12-04T12:00:00Z');
    const status: RemoteStatusView[] = [
      {
        remote: 'github-mcp',
        url: 'https://api.githubcopilot.com/mcp/',
        checkedAt,
        error: null,
        read: true,
        tools: [
          {
            tool: 'get_issue',
            reviewed: reviewed('get_issue'),
            live: reviewed('get_issue'),
            definition: { description: 'Get an issue.', inputSchema: { type: 'object' } },
          },
          { tool: 'list_issues', reviewed: reviewed('list_issues'), live: null, definition: null },
        ],
      },
    ];
    const read = buildCatalog(bundle, status, 'all').remotes[0]!;
    expect(read.tools.map((t) => [t.name, t.matches, t.liveSha256 !== null])).toEqual([
      ['get_issue', true, true],
      ['list_issues', false, false],
    ]);
    expect(read.tools[0]!.checkedAt).toBe(checkedAt.toISOString());
    expect(read.tools[0]!.definition).toEqual({
      title: null,
      description: 'Get an issue.',
      inputSchema: { type: 'object' },
      outputSchema: null,
      annotations: null,
    });
    expect(read.tools[1]!.definition).toBeNull();

    status[0]!.tools[0]!.live = 'f'.repeat(64);
    // A changed definition's text is never shown, even if handed over.
    expect(buildCatalog(bundle, status, 'all').remotes[0]!.tools[0]).toMatchObject({
      matches: false,
      liveSha256: 'f'.repeat(64),
      definition: null,
    });
    // A failed read keeps the last good hashes and says why.
    status[0]!.error = 'connect ECONNREFUSED';
    expect(buildCatalog(bundle, status, 'all').remotes[0]!.error).toBe('connect ECONNREFUSED');
  });

  it('shows a caller only the tools it may see, and a remote tool only when one name it serves is visible', () => {
    const names = exposedToolNames(bundle);
    expect(names).toContain('github.get_issue');
    const catalog = buildCatalog(bundle, [], new Set(['github.get_issue', 'petstore.get_pet']));
    expect(catalog.packs.map((p) => [p.name, p.tools.map((t) => t.name)])).toEqual([
      ['github-issues', ['github.get_issue']],
      ['petstore', ['petstore.get_pet']],
    ]);
    expect(catalog.remotes.map((r) => r.tools.map((t) => t.name))).toEqual([['get_issue']]);
    expect(buildCatalog(bundle, [], new Set())).toMatchObject({ packs: [], remotes: [] });
  });
});
