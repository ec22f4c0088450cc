/**
 * `npm run bench generate`: 1,000 generated packs deployed in 3 zones (dev, staging, prod: 3,000 pack-server
 * workloads and 3 gateways, 6,012 files). In-process, in interleaved rounds (medians of ROUNDS):
 * - first run: render every zone and write it to an empty folder (writeZones of @raku/release, what
 *   `raku generate` calls after loading the repository; no render cache carried over);
 * - unchanged re-run: the same again over the first run's folder, as a new process would (no in-memory cache):
 *   the zones' render records (.raku-render) say nothing changed, so nothing is rendered or written;
 * - render alone: generateZones with a cold cache (where the first run's time goes);
 * - baseline: writing the same files with plain fs.writeFile (awaited one by one), the floor any generator pays
 *   for I/O; and the same with writeFileSync, the cheapest way this machine offers.
 * Then, once, `raku generate` as a whole process on the same model written out as a repository (YAML files),
 * first run and unchanged re-run, beside `raku --version` (start-up alone).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Environment, Loaded, Pack, RepoModel, Zone } from '../generator/config/src/model/types.ts';
import { writeZones } from '../generator/release/src/generate/generate-to-dir.ts';
import type { ChangeSet } from '../generator/render/src/generate/change-set.ts';
import { generateZones } from '../generator/render/src/generate/generate-zones.ts';

const PACKS = 1000;
const ROUNDS = 5;
const ZONES = ['dev', 'staging', 'prod'];
const RAKU = fileURLToPath(new URL('../bin/raku.js', import.meta.url));

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

async function firstOrAgain(model: RepoModel, out: string) {
  const t0 = performance.now();
  const zones = await writeZones(model, ZONES, out, { revision: 'bench' });
  const ms = performance.now() - t0;
  return {
    ms,
    files: zones.reduce((n, z) => n + z.files, 0),
    written: zones.reduce((n, z) => n + z.written, 0),
  };
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

function plainWriteSync(out: string, rendered: Map<string, ChangeSet>): number {
  const t0 = performance.now();
  for (const [zone, cs] of rendered) {
    const made = new Set<string>();
    for (const [rel, content] of cs) {
      const full = path.join(out, zone, rel);
      const dir = path.dirname(full);
      if (!made.has(dir)) {
        mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      writeFileSync(full, content);
    }
  }
  return performance.now() - t0;
}

/** The synthetic model as a repository on disk (the YAML a user would have written). */
function writeRepo(root: string, model: RepoModel): void {
  for (const doc of [...model.packs, ...model.zones, ...model.policies]) {
    const full = path.join(root, doc.file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, stringify(doc.value));
  }
}

function timeProcess(args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, [RAKU, ...args], { encoding: 'utf8' });
  return { ms: performance.now() - t0, stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export default async function bench(): Promise<void> {
  const model = syntheticModel();
  const dir = await mkdtemp(path.join(tmpdir(), 'raku-bench-generate-'));
  const s = (ms: number) => (ms / 1000).toFixed(2);
  try {
    const rendered = generateZones(model, ZONES, { revision: 'bench' });
    const fileCount = [...rendered.values()].reduce((n, cs) => n + cs.size, 0);
    const t = { first: [] as number[], again: [] as number[], render: [] as number[] };
    const base = { async: [] as number[], sync: [] as number[] };
    const loads: number[] = [];
    let written = { first: 0, again: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(os.loadavg()[0] as number);
      const out = path.join(dir, `out-${round}`);
      const first = await firstOrAgain(model, out);
      const again = await firstOrAgain(model, out);
      written = { first: first.written, again: again.written };
      t.first.push(first.ms);
      t.again.push(again.ms);
      const r0 = performance.now();
      generateZones(model, ZONES, { revision: 'bench' });
      t.render.push(performance.now() - r0);
      base.async.push(await plainWrite(path.join(dir, `plain-${round}`), rendered));
      base.sync.push(plainWriteSync(path.join(dir, `sync-${round}`), rendered));
      await rm(path.join(dir, `plain-${round}`), { recursive: true, force: true });
      await rm(path.join(dir, `sync-${round}`), { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    }
    loads.push(os.loadavg()[0] as number);
    const m = {
      first: median(t.first),
      again: median(t.again),
      render: median(t.render),
      async: median(base.async),
      sync: median(base.sync),
    };
    console.log(
      `${PACKS} packs × 3 zones: ${fileCount} files; medians of ${ROUNDS} interleaved rounds; load average ${loads.map((l) => l.toFixed(1)).join(', ')}`,
    );
    console.log(
      `first run:      ${s(m.first)} s (${written.first} written; render alone ${s(m.render)} s), ${Math.round(fileCount / (m.first / 1000))} files/s`,
    );
    console.log(`unchanged run:  ${s(m.again)} s (${written.again} written)  [aim <= 0.30 s]`);
    console.log(
      `baseline:       plain fs.writeFile ${s(m.async)} s, writeFileSync ${s(m.sync)} s; first run = ${(m.first / m.async).toFixed(2)}× fs.writeFile [aim <= 1.3×], ${(m.first / m.sync).toFixed(2)}× writeFileSync`,
    );

    const repo = path.join(dir, 'repo');
    writeRepo(repo, model);
    const args = ['generate', '-C', repo, '--revision', 'bench', '--out', 'out', '--format', 'json'];
    const startUp = timeProcess(['--version']);
    const p1 = timeProcess(args);
    const p2 = timeProcess(args);
    const count = (stdout: string) =>
      (JSON.parse(stdout) as { zones: { written: number }[] }).zones.reduce((n, z) => n + z.written, 0);
    console.log(
      `whole process (node bin/raku.js, from source): generate ${s(p1.ms)} s (${count(p1.stdout)} written), again ${s(p2.ms)} s (${count(p2.stdout)} written); raku --version ${s(startUp.ms)} s; load average ${os.loadavg()[0]?.toFixed(1)}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
