import type { Pack, Policy, Zone } from '@raku/config';
import type { ScaffoldOptions } from './scaffold-options.ts';

/**
 * The base image the example zones pin: node:24-alpine's multi-platform index, the same digest as Raku's own
 * example zones (zones/*.yaml, refreshed as docs/release-process.md says). A team refreshes its own copy.
 */
export const EXAMPLE_BASE_IMAGE = {
  image: 'docker.io/library/node',
  tag: '24-alpine',
  digest: 'sha256:e67514e5d0f6c46656005e1b693b2ec9d52e80b641307de684d4a015ba7a4eaf',
} as const;

/** The example pack: one read-only tool on a public API that needs no key, so it runs anywhere. */
export function examplePack(): Pack {
  const baseUrl = 'https://api.open-meteo.com/v1';
  return {
    name: 'weather',
    version: '0.1.0',
    title: 'Weather forecasts',
    description: 'Weather forecasts for any coordinates from the free Open-Meteo API (no API key).',
    owner: 'platform-team',
    toolPrefix: 'weather',
    upstream: {
      baseUrls: { dev: baseUrl, staging: baseUrl, prod: baseUrl },
      timeoutMs: 5000,
      maxResponseBytes: 524288,
    },
    tools: [
      {
        name: 'get_forecast',
        title: 'Weather forecast',
        description:
          'Daily weather forecast for a location given by latitude and longitude. Name the variables wanted, ' +
          'e.g. daily=temperature_2m_max,precipitation_sum.',
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['latitude', 'longitude'],
          properties: {
            latitude: { type: 'number', minimum: -90, maximum: 90 },
            longitude: { type: 'number', minimum: -180, maximum: 180 },
            daily: { type: 'string', maxLength: 500, description: 'Comma-separated daily variables.' },
            forecast_days: { type: 'integer', minimum: 1, maximum: 16, default: 7 },
          },
        },
        http: { method: 'GET', path: '/forecast' },
        annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
      },
    ],
  };
}

/** Per environment: what differs between the three example zones. */
const ZONES = [
  { name: 'dev', description: 'Development; every merge to main rolls out here first.', replicas: 1 },
  { name: 'staging', description: 'Pre-production; receives what was healthy in dev.', replicas: 2 },
  { name: 'prod', description: 'Production; receives what was healthy in staging.', replicas: 3 },
] as const;

/** The zone names the scaffold writes, in promotion order. */
export const EXAMPLE_ZONES: readonly string[] = ZONES.map((z) => z.name);

/**
 * The dev, staging and prod zones: each in its own namespace and GitOps path, images in the organisation's
 * registry, staging promoted from dev and prod from staging (after an hour healthy).
 */
export function exampleZones(options: ScaffoldOptions): Zone[] {
  const org = options.org;
  return ZONES.map((z, i): Zone => {
    const previous = i > 0 ? ZONES[i - 1] : undefined;
    return {
      name: z.name,
      description: z.description,
      environment: z.name,
      cluster: { context: `${z.name}-cluster` },
      namespace: `raku-${z.name}`,
      registry: { host: 'ghcr.io', repository: `${org}/raku` },
      gitops: { repository: `${org}/raku-gitops`, branch: 'main', path: `clusters/${z.name}/raku` },
      gateway: {
        replicas: z.replicas,
        auth: {
          issuer: `https://auth.${org}.example`,
          audience: `https://mcp.${z.name}.${org}.example`,
          jwksUrl: `https://auth.${org}.example/.well-known/jwks.json`,
        },
      },
      packs: [{ name: 'weather', version: '^0.1.0' }],
      baseImages: { default: { ...EXAMPLE_BASE_IMAGE } },
      ...(previous
        ? {
            promotion: {
              from: previous.name,
              healthGate: { minReadyMinutes: z.name === 'prod' ? 60 : 15, maxErrorRate: 0.01 },
            },
          }
        : {}),
    };
  });
}

/** The policy: engineers and agents may read the weather; agents are held to 60 calls a minute. */
export function examplePolicy(): Policy {
  return {
    name: 'default',
    description: 'Who may call which tools in every zone.',
    roles: [{ name: 'reader', description: 'Read-only tools of every pack.', tools: ['*.get_*'] }],
    bindings: [{ role: 'reader', subjects: ['group:engineering', 'agent:*'] }],
    rateLimits: [{ name: 'agents-per-minute', subjects: ['agent:*'], limit: 60, windowSeconds: 60 }],
  };
}
