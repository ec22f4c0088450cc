import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** Writes a synthetic but valid repository: `packs` packs of `toolsPerPack` tools, `zones` zones, `policies` policies. */
export function writeSyntheticRepo(
  root: string,
  counts: { packs: number; zones: number; policies: number; toolsPerPack?: number },
): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const write = (rel: string, doc: unknown) => {
    const full = path.join(root, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    const text = stringify(doc);
    writeFileSync(full, text);
    files++;
    bytes += Buffer.byteLength(text);
  };
  const packName = (i: number) => `pack-${String(i).padStart(4, '0')}`;
  const tools = counts.toolsPerPack ?? 6;
  for (let i = 0; i < counts.packs; i++) {
    write(`packs/${packName(i)}/pack.yaml`, {
      name: packName(i),
      version: `1.${i % 7}.0`,
      description: `Synthetic pack ${i} for benchmarks: items, orders and reports of service ${i}.`,
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
      tools: Array.from({ length: tools }, (_, t) => ({
        name: `${t % 2 ? 'get' : 'list'}_item_${t}`,
        title: `Item operation ${t}`,
        description: `Operation ${t} on the items of service ${i}. Returns JSON.`,
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: {
            id: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 100 },
            filter: { type: 'string', maxLength: 200 },
          },
        },
        http: { method: 'GET', path: `/items${t}/{id}` },
        annotations: { readOnlyHint: true, idempotentHint: true },
      })),
      runtime: {
        replicas: 2,
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
      },
    });
  }
  const envs = ['dev', 'staging', 'prod'] as const;
  for (let z = 0; z < counts.zones; z++) {
    const env = envs[z % 3] ?? 'dev';
    write(`zones/zone-${z}.yaml`, {
      name: `zone-${z}`,
      environment: env,
      cluster: { server: `https://k8s-${z}.example.com:6443` },
      namespace: `raku-${z}`,
      registry: { host: 'ghcr.io', repository: 'acme/raku' },
      gitops: { repository: 'acme/gitops', branch: 'main', path: `clusters/zone-${z}` },
      packs: Array.from({ length: 20 }, (_, k) => ({
        name: packName((z * 20 + k) % counts.packs),
        version: '^1.0.0',
      })),
      baseImages: { default: { image: 'docker.io/library/node', digest: `sha256:${'a'.repeat(64)}` } },
      ...(env === 'dev' ? {} : { promotion: { from: `zone-${z - 1}` } }),
    });
  }
  for (let p = 0; p < counts.policies; p++) {
    write(`policies/policy-${p}.yaml`, {
      name: `policy-${p}`,
      roles: [
        { name: 'reader', tools: [`p${p}.list_*`, `p${p + 1}.get_*`] },
        { name: 'writer', tools: [`p${p}.*`] },
      ],
      bindings: [
        { role: 'reader', subjects: [`group:team-${p}`, 'agent:bot'] },
        {
          role: 'writer',
          subjects: [`user:owner-${p}`],
          environments: ['dev'],
          when: [{ field: 'args.id', matches: 'x-*' }],
        },
      ],
      denies: [{ name: 'no-prod-bots', tools: ['*'], subjects: ['agent:bot'], environments: ['prod'] }],
    });
  }
  return { files, bytes };
}
