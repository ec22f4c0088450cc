/**
 * `npm run bench generate`: renders 1,000 generated packs deployed in 3 zones (dev, staging, prod: 3,000
 * pack-server workloads and 3 gateways) and writes them to a temporary folder; then does it again with
 * nothing changed (warm render cache, files already right). Baseline in the same run: writing the same
 * files with plain fs.writeFile, the floor any generator pays for I/O.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Environment, Loaded, Pack, RepoModel, Zone } from '../generator/config/src/model/types.ts';
import { writeChangeSet } from '../generator/release/src/fs/write-change-set.ts';
import type { ChangeSet } from '../generator/render/src/generate/change-set.ts';
import { generateZones } from '../generator/render/src/generate/generate-zones.ts';
import type { RenderCache } from '../generator/render/src/generate/render-zone.ts';

const PACKS = 1000;

export function syntheticModel(packs = PACKS): RepoModel {
  const packList: Loaded<Pack>[] = [];
  for (let i = 0; i < packs; i++) {
    const name = `pack-${String(i).padStart(4, '0')}`;
    packList.push({
      file: `packs/${name}/pack.yaml`,
      value: {
        name,
        version: `1.${i % 7}.0`,
        description: `Synthetic pack ${i}.`,
        owner: `team-${i % 20}`,
        toolPrefix: `p${i}`,
        upstream: {
          baseUrls: {
            dev: `https://api${i}.example.com/v1`,
            staging: `https://api${i}.example.com/v1`,
            prod: `https://api${i}.example.com/v1`,
          },
          auth: { type: 'bearer', token: { secretRef: { name: `pack-${i}-token`, key: 'token' } } },
        },
        tools: [
          {
            name: 'get_item',
            description: `Get an item of service ${i}.`,
            inputSchema: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
            http: { method: 'GET', path: '/items/{id}' },
          },
        ],
      },
    });
  }
  const envs: Environment[] = ['dev', 'staging', 'prod'];
  const zones: Loaded<Zone>[] = envs.map((env, z) => ({
    file: `zones/${env}.yaml`,
    value: {
      name: env,
      environment: env,
      cluster: { server: `https://k8s-${z}.example.com:6443` },
      namespace: `raku-${env}`,
      registry: { host: 'ghcr.io', repository: 'acme/raku' },
      gitops: { repository: 'acme/gitops', branch: 'main', path: `clusters/${env}` },
      packs: packList.map((p) => ({ name: p.value.name })),
      baseImages: { default: { image: 'docker.io/library/node', digest: `sha256:${'a'.repeat(64)}` } },
    },
  }));
  return {
    packs: packList,
    zones,
    policies: [
      {
        file: 'policies/default.yaml',
        value: {
          name: 'default',
          roles: [{ name: 'reader', tools: ['*.get_*'] }],
          bindings: [{ role: 'reader', subjects: ['group:eng'] }],
        },
      },
    ],
  };
}

async function run(model: RepoModel, out: string, cache: RenderCache) {
  const t0 = performance.now();
  const rendered = generateZones(model, ['dev', 'staging', 'prod'], { revision: 'bench', cache });
  const t1 = performance.now();
  let files = 0;
  let written = 0;
  for (const [zone, cs] of rendered) {
    const r = await writeChangeSet(path.join(out, zone), cs);
    files += cs.size;
    written += r.written.length;
  }
  const t2 = performance.now();
  return { rendered, files, written, renderMs: t1 - t0, totalMs: t2 - t0 };
}

async function plainWrite(out: string, rendered: Map<string, ChangeSet>): Promise<number> {
  const t0 = performance.now();
  for (const [zone, cs] of rendered) {
    const made = new Set<string>();
    for (const [rel, content] of cs) {
      const full = path.join(out, zone, rel);
      const dir = path.dirname(full);
      if (!made.has(dir)) {
        await mkdir(dir, { recursive: true });
        made.add(dir);
      }
      await writeFile(full, content);
    }
  }
  return performance.now() - t0;
}

export default async function bench(): Promise<void> {
  const model = syntheticModel();
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-bench-generate-'));
  try {
    const cache: RenderCache = new Map();
    const first = await run(model, path.join(dir, 'out'), cache);
    const second = await run(model, path.join(dir, 'out'), cache);
    const baselineMs = await plainWrite(path.join(dir, 'plain'), first.rendered);
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(`${PACKS} packs × 3 zones: ${first.files} files`);
    console.log(
      `first run:  ${s(first.totalMs)} s (render ${s(first.renderMs)} s), ${Math.round(first.files / (first.totalMs / 1000))} files/s, ${first.written} written`,
    );
    console.log(
      `second run: ${s(second.totalMs)} s (render ${s(second.renderMs)} s), ${second.written} written — ${(first.totalMs / second.totalMs).toFixed(1)}× faster than the first`,
    );
    console.log(
      `baseline (plain fs.writeFile of the same files): ${s(baselineMs)} s; first run = ${(first.totalMs / baselineMs).toFixed(1)}× the baseline`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
