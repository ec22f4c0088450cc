import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRepoFiles } from '../../../config/src/fs/read-repo.ts';
import { loadRepo } from '../../../config/src/load/load-repo.ts';
import { toolContentHash } from '../../../config/src/model/hash.ts';
import type { RepoModel } from '../../../config/src/model/types.ts';
import { buildBundle } from './build-bundle.ts';
import { buildPipeline } from './pipeline.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
let model: RepoModel;

beforeAll(async () => {
  model = loadRepo(await readRepoFiles(ROOT)).model;
});

describe('buildBundle', () => {
  it('routes each pack tool to its pack server first, then to the reviewed remote fallback', () => {
    const bundle = buildBundle(model, 'dev', { revision: 'abc123' });
    expect(bundle).toMatchObject({ bundleVersion: 2, zone: 'dev', environment: 'dev', revision: 'abc123' });
    const route = bundle.routes.find((r) => r.tool === 'github.list_issues');
    expect(route?.targets.map((t) => t.kind)).toEqual(['pack', 'remote']);
    expect(route?.targets[0]).toMatchObject({
      kind: 'pack',
      workload: 'github-issues',
      url: 'http://github-issues-mcp.raku-dev.svc.cluster.local:8080/mcp',
    });
    expect(route?.targets[1]).toMatchObject({ kind: 'remote', remote: 'github-mcp', tool: 'list_issues' });
  });

  it("lists the names that carry the zone's pack credentials, so traces can mask their values", () => {
    // petstore authenticates with an apiKey header named api_key; the other packs and the remote do not.
    expect(buildBundle(model, 'dev', { revision: 'r' }).secretNames).toEqual(['api_key']);
  });

  it('does not expose a fallback-only remote tool under its own name', () => {
    const bundle = buildBundle(model, 'dev', { revision: 'r' });
    expect(bundle.tools.some((t) => t.name.startsWith('github-mcp.'))).toBe(false);
  });

  it('hashes each pack tool as agents see it (exposed name, description, schemas)', () => {
    const bundle = buildBundle(model, 'prod', { revision: 'r' });
    const tool = bundle.tools.find((t) => t.name === 'petstore.delete_pet');
    const pack = model.packs.find((p) => p.value.name === 'petstore')?.value;
    const def = pack?.tools.find((t) => t.name === 'delete_pet');
    expect(def).toBeDefined();
    expect(tool?.contentHash).toBe(toolContentHash({ ...def!, name: 'petstore.delete_pet' }));
    expect(tool?.sensitive).toBe(true);
  });

  it("carries a tool's cache setting on its definition, and none for tools without one", () => {
    const withCache = structuredClone(model);
    const meteo = withCache.packs.find((p) => p.value.name === 'open-meteo')!.value;
    meteo.tools[0]!.cache = { ttlSeconds: 300 };
    const tools = buildBundle(withCache, 'dev', { revision: 'r' }).tools;
    const cached = tools.filter((t) => t.definition?.cache !== undefined);
    expect(cached.map((t) => [t.name, t.definition?.cache])).toEqual([
      ['weather.get_forecast', { ttlSeconds: 300 }],
    ]);
  });

  it('lists tools and routes sorted, and is deterministic', () => {
    const a = buildBundle(model, 'staging', { revision: 'r' });
    const b = buildBundle(model, 'staging', { revision: 'r' });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const names = a.tools.map((t) => t.name);
    expect(names).toEqual([...names].sort());
  });

  it('references remote credentials by secret and env var name, never by value', () => {
    const bundle = buildBundle(model, 'prod', { revision: 'r' });
    expect(bundle.remotes[0]?.auth).toEqual({
      type: 'bearer',
      header: 'Authorization',
      secretRef: { name: 'github-mcp-token', key: 'token' },
      secretEnv: 'RAKU_SECRET_GITHUB_MCP_TOKEN_TOKEN',
    });
  });

  it('carries the policies compiled for the zone environment only', () => {
    const prod = buildBundle(model, 'prod', { revision: 'r' });
    const dev = buildBundle(model, 'dev', { revision: 'r' });
    expect(prod.policies.environment).toBe('prod');
    // local-dev's "everything" binding applies in dev only; no-deletes-in-prod in prod only.
    expect(dev.policies.allows.some((a) => a.role === 'everything')).toBe(true);
    expect(prod.policies.allows.some((a) => a.role === 'everything')).toBe(false);
    expect(prod.policies.denies.map((d) => d.id)).toContain('default/denies/no-deletes-in-prod');
    expect(dev.policies.denies.map((d) => d.id)).not.toContain('default/denies/no-deletes-in-prod');
  });

  it('rejects an unknown zone with the list of zones', () => {
    expect(() => buildBundle(model, 'nope', { revision: 'r' })).toThrow(
      'zone "nope" does not exist (zones: dev, prod, staging)',
    );
  });

  it('carries the whole promotion pipeline in order, the same in every zone', () => {
    const dev = buildBundle(model, 'dev', { revision: 'r' });
    expect(dev.pipeline?.map((z) => [z.name, z.promotion?.from])).toEqual([
      ['dev', undefined],
      ['staging', 'dev'],
      ['prod', 'staging'],
    ]);
    expect(dev.pipeline?.[2]).toMatchObject({
      environment: 'prod',
      namespace: 'raku',
      promotion: { from: 'staging', healthGate: { minReadyMinutes: 30, maxErrorRate: 0.01 } },
    });
    expect(dev.pipeline?.[0]?.workloads).toContainEqual({
      name: 'petstore',
      packs: [{ name: 'petstore', version: '1.0.0' }],
    });
    expect(buildBundle(model, 'prod', { revision: 'r' }).pipeline).toEqual(dev.pipeline);
  });
});

describe('buildPipeline', () => {
  const zone = (name: string, from?: string) => {
    const base = model.zones.find((z) => z.value.name === 'dev');
    return {
      ...base!,
      value: { ...base!.value, name, ...(from ? { promotion: { from } } : { promotion: undefined }) },
    };
  };

  it('orders zones by their promotion.from chains, siblings by name, roots first', () => {
    const zones = [zone('prod', 'staging'), zone('canary', 'dev'), zone('staging', 'dev'), zone('dev')];
    expect(buildPipeline({ ...model, zones }).map((z) => z.name)).toEqual([
      'dev',
      'canary',
      'staging',
      'prod',
    ]);
  });

  it('keeps a zone whose upstream does not exist as a root and zones in a cycle at the end', () => {
    const zones = [zone('b', 'a'), zone('a', 'b'), zone('lost', 'nowhere'), zone('dev')];
    expect(buildPipeline({ ...model, zones }).map((z) => z.name)).toEqual(['dev', 'lost', 'a', 'b']);
  });
});
