import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { CliContext } from '../cli/src/context.ts';
import { main } from '../cli/src/main.ts';
import { readRepoFiles } from '../config/src/fs/read-repo.ts';
import { loadRepo } from '../config/src/load/load-repo.ts';
import type { RepoModel } from '../config/src/model/types.ts';
import { OWNED_FILES_MANIFEST, writeChangeSet } from '../release/src/fs/write-change-set.ts';
import { generateZones } from '../render/src/generate/generate-zones.ts';
import {
  CONFIG_REVISION_PLACEHOLDER,
  configRevision,
  renderZone,
} from '../render/src/generate/render-zone.ts';
import { strictK8sErrors } from './support/k8s-strict-schema.ts';
import {
  isPrometheusOperatorObject,
  strictPrometheusOperatorErrors,
} from './support/prometheus-operator-strict.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GOLDEN = path.join(import.meta.dirname, 'golden/generate');
const ZONES = ['dev', 'prod', 'staging'];
const REVISION = '0123456789abcdef0123456789abcdef01234567';
let model: RepoModel;
let tmp: string;

beforeAll(async () => {
  model = loadRepo(await readRepoFiles(ROOT)).model;
  tmp = await mkdtemp(path.join(tmpdir(), 'raku-generate-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked by known paths in assertions
type Obj = Record<string, any>;

function objectsOf(model: RepoModel, zone: string): { file: string; obj: Obj }[] {
  const out: { file: string; obj: Obj }[] = [];
  for (const [file, content] of renderZone(model, zone, { revision: REVISION })) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(content, { version: '1.1' })) {
      expect(doc.errors).toEqual([]);
      out.push({ file, obj: doc.toJS() as Obj });
    }
  }
  return out;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('raku generate on the example content', () => {
  it('matches the golden files (UPDATE_GOLDEN=1 rewrites them)', async () => {
    const rendered = generateZones(model, ZONES, { revision: REVISION });
    for (const [zone, cs] of rendered) {
      const dir = path.join(GOLDEN, zone);
      if (process.env['UPDATE_GOLDEN'] === '1') {
        await rm(dir, { recursive: true, force: true });
        await writeChangeSet(dir, cs);
        await rm(path.join(dir, OWNED_FILES_MANIFEST));
      }
      expect(await listFiles(dir)).toEqual([...cs.keys()]);
      for (const [file, content] of cs) {
        expect(content, `${zone}/${file}`).toBe(await readFile(path.join(dir, file), 'utf8'));
      }
    }
  });

  it('renders byte-identical output twice, with and without a warm cache', () => {
    const cache = new Map();
    const a = generateZones(model, ZONES, { revision: REVISION });
    const b = generateZones(model, ZONES, { revision: REVISION, cache });
    const c = generateZones(model, ZONES, { revision: REVISION, cache });
    for (const zone of ZONES) {
      expect([...(b.get(zone) ?? [])]).toEqual([...(a.get(zone) ?? [])]);
      expect([...(c.get(zone) ?? [])]).toEqual([...(a.get(zone) ?? [])]);
    }
    expect(cache.size).toBeGreaterThan(0);
  });

  it('produces only manifests that validate strictly against the Kubernetes schemas', () => {
    for (const zone of ZONES) {
      const objects = objectsOf(model, zone);
      expect(objects.length).toBeGreaterThan(20);
      for (const { file, obj } of objects) {
        if (obj['kind'] === 'Kustomization') continue;
        const errors = isPrometheusOperatorObject(obj)
          ? strictPrometheusOperatorErrors(obj)
          : strictK8sErrors(obj);
        expect(errors, `${zone}/${file} ${obj['kind']}`).toEqual([]);
      }
    }
  });

  it('the strict schema check fails on an unknown field and on a wrong type', () => {
    const deployment = objectsOf(model, 'dev').find((o) => o.obj['kind'] === 'Deployment')?.obj as Obj;
    const typo = structuredClone(deployment);
    typo['spec']['template']['spec']['containers'][0]['securityContex'] = {};
    expect(strictK8sErrors(typo)).toContain(
      '/spec/template/spec/containers/0: unknown field "securityContex"',
    );
    const wrongType = structuredClone(deployment);
    wrongType['spec']['template']['spec']['containers'][0]['ports'][0]['containerPort'] = '8080';
    expect(strictK8sErrors(wrongType).join('\n')).toContain('containerPort: must be integer');
  });

  it('gives every pod the restricted Pod Security fields, limits and distinct probes', () => {
    for (const zone of ZONES) {
      const deployments = objectsOf(model, zone).filter((o) => o.obj['kind'] === 'Deployment');
      // The gateway and one server per pack: dev also runs the two tenants' CRM packs.
      expect(deployments.length).toBe(zone === 'dev' ? 6 : 4);
      for (const { obj } of deployments) {
        const pod = obj['spec']['template']['spec'];
        expect(pod['automountServiceAccountToken']).toBe(false);
        expect(pod['securityContext']).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 65532,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        for (const c of pod['containers']) {
          expect(c['securityContext']).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          });
          expect(c['securityContext']['runAsUser']).toBeGreaterThan(0);
          expect(c['resources']['requests']).toMatchObject({
            cpu: expect.any(String),
            memory: expect.any(String),
          });
          expect(c['resources']['limits']).toMatchObject({
            cpu: expect.any(String),
            memory: expect.any(String),
          });
          expect(c['livenessProbe']['httpGet']['path']).toBe('/healthz');
          expect(c['readinessProbe']['httpGet']['path']).toBe('/readyz');
          expect(c['livenessProbe']).not.toEqual(c['readinessProbe']);
        }
        expect(Object.keys(obj['metadata']['labels'])).toEqual(
          expect.arrayContaining([
            'app.kubernetes.io/name',
            'app.kubernetes.io/instance',
            'app.kubernetes.io/part-of',
          ]),
        );
        expect(obj['metadata']['annotations']['raku.dev/config-revision']).toBe(
          configRevision(renderZone(model, zone, { revision: REVISION })),
        );
        // A new revision alone must not roll the pods.
        expect(
          obj['spec']['template']['metadata']['annotations']['raku.dev/config-revision'],
        ).toBeUndefined();
        expect(obj['spec']['template']['metadata']['annotations']['raku.dev/config-hash']).toMatch(
          /^[a-f0-9]{64}$/,
        );
        expect(obj['metadata']['annotations']['raku.dev/source-files']).toMatch(/zones\/[a-z]+\.yaml/);
      }
    }
  });

  it('labels the namespace to enforce the restricted profile', () => {
    const ns = objectsOf(model, 'prod').find((o) => o.obj['kind'] === 'Namespace')?.obj as Obj;
    expect(ns['metadata']['name']).toBe('raku');
    expect(ns['metadata']['labels']['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('passes secrets only as secretKeyRef and never writes a value of a secret env var', () => {
    for (const zone of ZONES) {
      for (const { obj } of objectsOf(model, zone).filter((o) => o.obj['kind'] === 'Deployment')) {
        for (const env of obj['spec']['template']['spec']['containers'][0]['env']) {
          if (String(env['name']).startsWith('RAKU_SECRET_') || env['name'] === 'DATABASE_URL') {
            expect(env['value']).toBeUndefined();
            expect(env['valueFrom']['secretKeyRef']).toMatchObject({
              name: expect.any(String),
              key: expect.any(String),
            });
          }
        }
      }
    }
    const petstore = objectsOf(model, 'dev').find(
      (o) => o.obj['kind'] === 'Deployment' && o.obj['metadata']['name'] === 'petstore-mcp',
    )?.obj as Obj;
    expect(petstore['spec']['template']['spec']['containers'][0]['env']).toContainEqual({
      name: 'RAKU_SECRET_PETSTORE_API_API_KEY',
      valueFrom: { secretKeyRef: { name: 'petstore-api', key: 'api-key' } },
    });
  });

  it('applies zone overrides: replicas, resources and autoscaling', () => {
    const prod = objectsOf(model, 'prod');
    const hpa = prod.find(
      (o) => o.obj['kind'] === 'HorizontalPodAutoscaler' && o.obj['metadata']['name'] === 'github-issues-mcp',
    )?.obj as Obj;
    expect(hpa['spec']).toMatchObject({ minReplicas: 3, maxReplicas: 9 });
    const dep = prod.find(
      (o) => o.obj['kind'] === 'Deployment' && o.obj['metadata']['name'] === 'github-issues-mcp',
    )?.obj as Obj;
    expect(dep['spec']['template']['spec']['containers'][0]['resources']).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
    const gw = prod.find(
      (o) => o.obj['kind'] === 'HorizontalPodAutoscaler' && o.obj['metadata']['name'] === 'raku-gateway',
    )?.obj as Obj;
    expect(gw['spec']).toMatchObject({
      minReplicas: 3,
      maxReplicas: 12,
      metrics: [{ resource: { target: { averageUtilization: 60 } } }],
    });
  });

  it('applies zone overrides of base image, egress hosts and group, and refuses groups that disagree', () => {
    const edited = structuredClone(model);
    const prod = edited.zones.find((z) => z.value.name === 'prod')?.value;
    if (!prod?.baseImages) throw new Error('prod has no baseImages');
    prod.baseImages['slim'] = { image: 'gcr.io/distroless/nodejs24', digest: `sha256:${'c'.repeat(64)}` };
    prod.network = { egress: ['10.1.2.3:5432'] };
    for (const entry of prod.packs) {
      if (entry.name === 'petstore' || entry.name === 'open-meteo') {
        entry.group = 'public-apis';
        entry.baseImage = 'slim';
      }
    }
    const petstore = prod.packs.find((e) => e.name === 'petstore');
    if (petstore) petstore.egress = ['cdn.example.com'];
    const cs = renderZone(edited, 'prod', { revision: REVISION });
    expect([...cs.keys()].filter((p) => p.startsWith('pack-servers/'))).toEqual([
      'pack-servers/github-issues/Dockerfile',
      'pack-servers/github-issues/manifests.yaml',
      'pack-servers/public-apis/Dockerfile',
      'pack-servers/public-apis/manifests.yaml',
    ]);
    const dockerfile = cs.get('pack-servers/public-apis/Dockerfile') ?? '';
    expect(dockerfile).toContain(`FROM gcr.io/distroless/nodejs24@sha256:${'c'.repeat(64)}`);
    expect(dockerfile).toContain('COPY ["packs/open-meteo.json","/app/packs/open-meteo.json"]');
    expect(dockerfile).toContain('COPY ["packs/petstore.json","/app/packs/petstore.json"]');
    const np = parseAllDocuments(cs.get('pack-servers/public-apis/manifests.yaml') ?? '')
      .map((d) => d.toJS() as Obj)
      .find((o) => o['kind'] === 'NetworkPolicy') as Obj;
    expect(np['metadata']['annotations']['raku.dev/egress-hosts']).toBe(
      '10.1.2.3:5432,api.open-meteo.com:443,cdn.example.com:443,petstore3.swagger.io:443',
    );
    expect(np['spec']['egress']).toContainEqual({
      to: [{ ipBlock: { cidr: '10.1.2.3/32' } }],
      ports: [{ protocol: 'TCP', port: 5432 }],
    });
    const github = prod.packs.find((e) => e.name === 'github-issues');
    if (github) github.group = 'public-apis';
    expect(() => renderZone(edited, 'prod', { revision: REVISION })).toThrow(
      'zone "prod": packs of group "public-apis" ask for different base images (default, slim)',
    );
  });

  it('limits pack-server ingress to the gateway and egress to DNS and the upstream port', () => {
    const np = objectsOf(model, 'dev').find(
      (o) => o.obj['kind'] === 'NetworkPolicy' && o.obj['metadata']['name'] === 'petstore-mcp',
    )?.obj as Obj;
    expect(np['spec']['ingress']).toEqual([
      {
        from: [
          {
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/name': 'raku-gateway',
                'app.kubernetes.io/instance': 'raku-gateway-dev',
                'app.kubernetes.io/component': 'gateway',
              },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    expect(np['metadata']['annotations']['raku.dev/egress-hosts']).toBe('petstore3.swagger.io:443');
    expect(np['spec']['egress'][1]['ports']).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(np['spec']['egress'][1]['to'][0]['ipBlock']['except']).toContain('10.0.0.0/8');
  });

  it('references images by digest when the build supplied one, else by tag and says so', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const cs = renderZone(model, 'dev', {
      revision: REVISION,
      images: { petstore: { repository: 'ghcr.io/acme/raku/petstore', digest } },
    });
    const petstore = cs.get('pack-servers/petstore/manifests.yaml') ?? '';
    expect(petstore).toContain(`image: "ghcr.io/acme/raku/petstore@${digest}"`);
    expect(petstore).toContain('raku.dev/image-pinned: digest');
    const meteo = cs.get('pack-servers/open-meteo/manifests.yaml') ?? '';
    // The tag raku build pushes for every image of a revision.
    expect(meteo).toContain(`image: "ghcr.io/acme/raku/open-meteo:rev-${REVISION.slice(0, 12)}"`);
    expect(meteo).toContain('raku.dev/image-pinned: tag');
  });

  it('records a config revision that is a digest of what the zone runs, not the commit', () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    const images = {
      'github-issues': { repository: 'ghcr.io/acme/raku/github-issues', digest: digest('1') },
      petstore: { repository: 'ghcr.io/acme/raku/petstore', digest: digest('2') },
      'open-meteo': { repository: 'ghcr.io/acme/raku/open-meteo', digest: digest('3') },
      'raku-gateway': { repository: 'ghcr.io/acme/raku/raku-gateway', digest: digest('4') },
      'payments-crm': { repository: 'ghcr.io/acme/raku/payments-crm', digest: digest('6') },
      'support-crm': { repository: 'ghcr.io/acme/raku/support-crm', digest: digest('7') },
    };
    const dev = renderZone(model, 'dev', { revision: REVISION, images });
    const revision = configRevision(dev);
    expect(revision).toMatch(/^sha256:[a-f0-9]{64}$/);
    for (const [file, content] of dev) {
      expect(content, file).not.toContain(CONFIG_REVISION_PLACEHOLDER);
      expect(content, file).not.toContain(REVISION);
      if (file.endsWith('.yaml')) expect(content, file).toContain(revision);
    }
    const bundle = parseAllDocuments(dev.get('gateway/manifests.yaml') ?? '')
      .map((d) => d.toJS() as Obj)
      .find((o) => o['kind'] === 'ConfigMap');
    expect(JSON.parse(bundle?.['data']['bundle.json'])['revision']).toBe(revision);

    // Another commit with the same content (pinned images): byte for byte the same files.
    const later = renderZone(model, 'dev', { revision: 'fedcba9876543210fedcba9876543210fedcba98', images });
    expect([...later]).toEqual([...dev]);
    // Another zone's edit leaves dev alone; a tool's new description (what agents see) moves it.
    const edited = structuredClone(model);
    const prod = edited.zones.find((z) => z.value.name === 'prod')?.value;
    if (!prod) throw new Error('no prod zone');
    prod.namespace = 'raku-prod-2';
    expect(configRevision(renderZone(edited, 'dev', { revision: REVISION, images }))).toBe(revision);
    const tool = edited.packs.find((p) => p.value.name === 'petstore')?.value.tools[0];
    if (!tool) throw new Error('no petstore tool');
    tool.description = `${tool.description} (edited)`;
    const moved = configRevision(renderZone(edited, 'dev', { revision: REVISION, images }));
    expect(moved).not.toBe(revision);
    // A new image digest moves it too.
    const rebuilt = { ...images, petstore: { ...images.petstore, digest: digest('5') } };
    expect(configRevision(renderZone(model, 'dev', { revision: REVISION, images: rebuilt }))).not.toBe(
      revision,
    );
  });

  it("copies the gateway's run-time packages and migrations into its image", () => {
    const dockerfile = renderZone(model, 'dev', { revision: REVISION }).get('gateway/Dockerfile') ?? '';
    expect(dockerfile.split('\n').filter((l) => l.startsWith('COPY'))).toEqual([
      'COPY ["gateway.mjs","/app/gateway.mjs"]',
      'COPY ["chunks","/app/chunks"]',
      'COPY ["node_modules","/app/node_modules"]',
      'COPY ["prisma","/app/prisma"]',
    ]);
    expect(dockerfile).toContain('ENV NODE_ENV="production" RAKU_ROLE="gateway"');
  });

  it('writes a Dockerfile with a pinned base, a non-root user and only the selected packs', () => {
    const dockerfile =
      renderZone(model, 'prod', { revision: REVISION }).get('pack-servers/petstore/Dockerfile') ?? '';
    const lines = dockerfile.split('\n');
    expect(lines).toContain(
      'FROM docker.io/library/node:24-alpine@sha256:e67514e5d0f6c46656005e1b693b2ec9d52e80b641307de684d4a015ba7a4eaf',
    );
    expect(lines).toContain('USER 65532:65532');
    expect(lines.filter((l) => l.startsWith('COPY'))).toEqual([
      'COPY ["gateway.mjs","/app/gateway.mjs"]',
      'COPY ["chunks","/app/chunks"]',
      'COPY ["packs/petstore.json","/app/packs/petstore.json"]',
    ]);
    expect(lines).toContain('ENTRYPOINT ["node","/app/gateway.mjs"]');
    expect(dockerfile).not.toMatch(/ARG|secret/i);
  });

  it('lists every manifest file in the kustomization', () => {
    const cs = renderZone(model, 'staging', { revision: REVISION });
    const k = parseAllDocuments(cs.get('kustomization.yaml') ?? '')[0]?.toJS() as Obj;
    expect(k['namespace']).toBe('raku-staging');
    expect(k['resources']).toEqual(
      [...cs.keys()].filter((p) => p.endsWith('.yaml') && p !== 'kustomization.yaml'),
    );
  });
});

const INJECTIONS = [
  '\n  privileged: true',
  'no',
  '0x10',
  '1e3',
  'on',
  '{{ .Values.secret }}',
  '$(cat /etc/passwd)',
  '"\n---\nkind: Secret',
];

describe('hostile values in packs', () => {
  it.each(INJECTIONS)('keep %j as the same string and leave every key set unchanged', (hostile) => {
    const clean = objectsOf(model, 'dev');
    const hostileModel = structuredClone(model);
    const petstore = hostileModel.packs.find((p) => p.value.name === 'petstore')?.value;
    if (!petstore) throw new Error('example pack petstore is missing');
    petstore.description = hostile;
    const firstTool = petstore.tools[0];
    if (!firstTool) throw new Error('petstore has no tool');
    firstTool.description = hostile;
    petstore.runtime = { env: [{ name: 'FEATURE_FLAG', value: hostile }] };

    const objects = objectsOf(hostileModel, 'dev');
    expect(objects.map((o) => o.obj['kind'])).toEqual(clean.map((o) => o.obj['kind']));
    const shape = (o: unknown): unknown =>
      o && typeof o === 'object' && !Array.isArray(o)
        ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'env' ? null : shape(v)]))
        : Array.isArray(o)
          ? o.map(shape)
          : typeof o;
    for (const [i, o] of objects.entries()) {
      if (o.obj['kind'] === 'ConfigMap') {
        expect(Object.keys(o.obj['data'])).toEqual(Object.keys(clean[i]?.obj['data']));
        continue;
      }
      expect(shape(o.obj), `${o.file} ${o.obj['kind']}`).toEqual(shape(clean[i]?.obj));
    }
    const named = (name: string): Obj => {
      const found = objects.find(
        (o) => o.obj['metadata']?.['name'] === name && o.obj['kind'] === 'ConfigMap',
      );
      if (!found) throw new Error(`no ConfigMap ${name}`);
      return found.obj;
    };
    const cm = named('petstore-mcp-packs');
    const pack = JSON.parse(cm['data']['petstore.json']);
    expect(pack.description).toBe(hostile);
    expect(pack.tools[0].description).toBe(hostile);
    const dep = objects.find(
      (o) => o.obj['kind'] === 'Deployment' && o.obj['metadata']['name'] === 'petstore-mcp',
    )?.obj as Obj;
    expect(dep['spec']['template']['spec']['containers'][0]['env']).toContainEqual({
      name: 'FEATURE_FLAG',
      value: hostile,
    });
    const bundle = JSON.parse(named('raku-gateway-bundle')['data']['bundle.json']);
    expect(
      bundle.tools.find((t: Obj) => t['name'] === `petstore.${firstTool.name}`).definition.description,
    ).toBe(hostile);
  });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ctx: CliContext = {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    cwd: ROOT,
    env: {},
    debug: false,
  };
  return { code: await main(args, ctx), out, err };
}

describe('raku generate (CLI)', () => {
  it('pins images by digest from build records and reports what it wrote as JSON', async () => {
    const builds = path.join(tmp, 'builds');
    const out = path.join(tmp, 'cli-out');
    const digest = `sha256:${'b'.repeat(64)}`;
    await mkdir(builds, { recursive: true });
    await writeFile(
      path.join(builds, 'prod.json'),
      JSON.stringify({ images: { petstore: { repository: 'ghcr.io/acme/raku/petstore', digest } } }),
    );
    const r = await cli([
      'generate',
      '--revision',
      REVISION,
      '--out',
      out,
      '--builds',
      builds,
      '-z',
      'prod',
      '-f',
      'json',
    ]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(r.out)).toMatchObject({
      revision: REVISION,
      zones: [{ zone: 'prod', files: 12, written: 12 }],
    });
    const manifests = await readFile(path.join(out, 'prod/pack-servers/petstore/manifests.yaml'), 'utf8');
    expect(manifests).toContain(`ghcr.io/acme/raku/petstore@${digest}`);
  });

  it('refuses an unknown zone, a bad format and a malformed build record', async () => {
    expect(
      (await cli(['generate', '--revision', 'r', '-z', 'nope', '--out', path.join(tmp, 'x')])).err,
    ).toContain('--zone nope: no such zone (zones: dev, prod, staging)');
    expect((await cli(['generate', '--revision', 'r', '-f', 'yaml'])).err).toContain(
      '--format must be text or json',
    );
    const builds = path.join(tmp, 'bad-builds');
    await mkdir(builds, { recursive: true });
    await writeFile(
      path.join(builds, 'dev.json'),
      JSON.stringify({ images: { petstore: { repository: 'x', digest: 'latest' } } }),
    );
    const r = await cli([
      'generate',
      '--revision',
      'r',
      '--builds',
      builds,
      '-z',
      'dev',
      '--out',
      path.join(tmp, 'y'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('dev.json: images.petstore.digest must be sha256:<64 hex>');
  });
});

describe('writeChangeSet', () => {
  it('writes nothing the second time and removes only the stale files it wrote', async () => {
    const dir = path.join(tmp, 'zone');
    const cs = renderZone(model, 'dev', { revision: REVISION });
    const first = await writeChangeSet(dir, cs);
    expect(first.written.length).toBe(cs.size);
    await writeFile(path.join(dir, 'README.md'), 'hand-written');
    const second = await writeChangeSet(dir, cs);
    expect(second).toEqual({ written: [], unchanged: [...cs.keys()], removed: [] });

    const smaller = new Map([...cs].filter(([p]) => !p.startsWith('pack-servers/petstore/')));
    const third = await writeChangeSet(dir, smaller);
    expect(third.removed).toEqual([
      'pack-servers/petstore/Dockerfile',
      'pack-servers/petstore/manifests.yaml',
    ]);
    const files = await listFiles(dir);
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('pack-servers/petstore'))).toBe(false);
  });

  it('rewrites a generated file edited by hand, even when the size stayed the same', async () => {
    const dir = path.join(tmp, 'edited');
    const cs = renderZone(model, 'prod', { revision: REVISION });
    await writeChangeSet(dir, cs);
    const file = path.join(dir, 'namespace.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('restricted', 'privileged'));
    const later = new Date(Date.now() + 5_000);
    await utimes(file, later, later);
    await writeFile(path.join(dir, 'kustomization.yaml'), 'tampered');
    const result = await writeChangeSet(dir, cs);
    expect(result.written).toEqual(['kustomization.yaml', 'namespace.yaml']);
    expect(await readFile(file, 'utf8')).toBe(original);
    expect(await readFile(path.join(dir, OWNED_FILES_MANIFEST), 'utf8')).toMatch(
      /^[a-f0-9]{64} {2}gateway\/Dockerfile$/m,
    );
  });

  it('refuses a path that leaves the output folder', async () => {
    await expect(writeChangeSet(path.join(tmp, 'x'), new Map([['../escape', 'x']]))).rejects.toThrow(
      'unsafe change-set path "../escape"',
    );
  });
});
