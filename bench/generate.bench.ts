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
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import type { Environment, Loaded, Pack, RepoModel, Zone } from '../generator/config/src/model/types.ts';
import { SPLIT_ESM } from '../generator/release/src/build/esbuild-esm.ts';
import { writeZones } from '../generator/release/src/generate/generate-to-dir.ts';
import type { ChangeSet } from '../generator/render/src/generate/change-set.ts';
import { generateZones } from '../generator/render/src/generate/generate-zones.ts';

const PACKS = 1000;
const ROUNDS = 5;
const ZONES = ['dev', 'staging', 'prod'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RAKU = path.join(ROOT, 'bin/raku.js');

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
    tenants: [],
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

/**
 * The CLI built as `npm run build` builds it (esbuild, @raku/* bundled, dependencies external), into `dir`
 * beside a link to this repository's node_modules; returns a script that runs it.
 */
async function buildCli(dir: string): Promise<string> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  await build({
    absWorkingDir: ROOT,
    entryPoints: { main: path.join(ROOT, 'generator/cli/src/main.ts') },
    outdir: path.join(dir, 'cli'),
    ...SPLIT_ESM,
    external: [...Object.keys(pkg.dependencies), 'esbuild'].flatMap((n) => [n, `${n}/*`]),
    define: { RAKU_BUILD_VERSION: JSON.stringify(pkg.version) },
    logLevel: 'warning',
  });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const runner = path.join(dir, 'raku.mjs');
  writeFileSync(
    runner,
    "const { main } = await import('./cli/main.mjs');\nprocess.exitCode = await main(process.argv.slice(2));\n",
  );
  return runner;
}

function timeProcess(script: string, args: string[]): { ms: number; stdout: string } {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, [script, ...args], { encoding: 'utf8' });
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
    const ratios = { async: [] as number[], sync: [] as number[] };
    // The steps of a round take turns going first, and nothing is deleted until the end: deleting thousands of
    // files (or the writeback of the previous step) would otherwise weigh on whichever step comes next.
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(os.loadavg()[0] as number);
      let firstMs = 0;
      let asyncMs = 0;
      let syncMs = 0;
      const steps = [
        async () => {
          const out = path.join(dir, `out-${round}`);
          const first = await firstOrAgain(model, out);
          const again = await firstOrAgain(model, out);
          written = { first: first.written, again: again.written };
          firstMs = first.ms;
          t.first.push(first.ms);
          t.again.push(again.ms);
        },
        async () => {
          asyncMs = await plainWrite(path.join(dir, `plain-${round}`), rendered);
          base.async.push(asyncMs);
        },
        async () => {
          syncMs = plainWriteSync(path.join(dir, `sync-${round}`), rendered);
          base.sync.push(syncMs);
        },
        async () => {
          const r0 = performance.now();
          generateZones(model, ZONES, { revision: 'bench' });
          t.render.push(performance.now() - r0);
        },
      ];
      for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]?.();
      ratios.async.push(firstMs / asyncMs);
      ratios.sync.push(firstMs / syncMs);
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
      `baseline:       plain fs.writeFile ${s(m.async)} s, writeFileSync ${s(m.sync)} s; first run = ${median(ratios.async).toFixed(2)}× fs.writeFile [aim <= 1.3×], ${median(ratios.sync).toFixed(2)}× writeFileSync (medians of the rounds' ratios)`,
    );

    const repo = path.join(dir, 'repo');
    writeRepo(repo, model);
    const built = await buildCli(path.join(dir, 'built'));
    const count = (stdout: string) =>
      (JSON.parse(stdout) as { zones: { written: number }[] }).zones.reduce((n, z) => n + z.written, 0);
    for (const [label, script] of [
      ['built (as npm run build)', built],
      ['from source (bin/raku.js, tsx)', RAKU],
    ] as const) {
      const out = `out-${script === RAKU ? 'source' : 'built'}`;
      const args = ['generate', '-C', repo, '--revision', 'bench', '--out', out, '--format', 'json'];
      const startUp = timeProcess(script, ['--version']);
      const p1 = timeProcess(script, args);
      const p2 = timeProcess(script, args);
      console.log(
        `whole process, ${label}: generate ${s(p1.ms)} s (${count(p1.stdout)} written), unchanged ${s(p2.ms)} s (${count(p2.stdout)} written); raku --version ${s(startUp.ms)} s; load average ${os.loadavg()[0]?.toFixed(1)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
