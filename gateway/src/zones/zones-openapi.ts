/**
 * The zones section of the OpenAPI document (../admin/openapi.ts spreads it in): GET /v1/zones and the
 * deployment-logs stream, with their schemas. Kept beside the code it documents; the route-documentation test
 * and the generated client hold both to the router.
 */
import { DEPLOYMENT_HEALTHS } from '@raku/config';
import type { LOG_EVENT_TYPES } from './workload-logs.ts';
import { DRIFT_KINDS } from './zone-view.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const nullableString = { type: ['string', 'null'] };
const timestamp = { type: 'string', format: 'date-time' };
const packVersion = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: { type: 'string' }, version: { type: 'string' } },
};

export const ZONES_PATHS = {
  '/v1/zones': {
    get: {
      summary:
        'The promotion pipeline: per zone what config says it should run against what the latest deployment records say runs, drift, last rollout and promotion gate (admin)',
      description:
        'Zones come from the bundle’s pipeline (promotion.from chains: dev → staging → prod), as of the commit this gateway’s bundle was built from. Observed state is the latest deployment record of each workload and pack (posted by `raku status --admin-url`). The promotion gate is the one `raku rollout` applies, fed from the upstream zone’s records (health, config revision, age, how long healthy) and, when the upstream is this gateway’s own zone, the error rate of its traces over the last 15 minutes.',
      responses: {
        '200': {
          description: 'The pipeline',
          content: { 'application/json': { schema: ref('ZonesReport') } },
        },
        '401': error('No or invalid bearer token.'),
        '403': error('Authenticated, but not allowed (admin role required).'),
        '404': error('This gateway serves no zone pipeline.'),
      },
    },
  },
  '/v1/zones/{zone}/workloads/{workload}/logs': {
    get: {
      summary:
        'Deployment logs of a workload (server-sent events): its rollout timeline, then pod events and container logs followed live when the gateway has cluster access (admin)',
      description: `A \`text/event-stream\` of \`event: <type>\` and \`data: <JSON>\` (see WorkloadLogEvent), no ids (reconnecting starts over). First the workload's deployment records, oldest first (\`deployment\`), then each new record as it is stored (looked for every 3 s). With cluster access (RAKU_KUBE_ACCESS) and the gateway's own zone: the events of the workload's Deployment, ReplicaSets and pods (\`k8s\`, listed then watched) and the last 100 lines of each container's log, then new lines (\`log\`), for at most 5 pods running when the stream starts. Otherwise one \`unavailable\` event says why. A \`: ping\` comment every 15 s. A client reading too slowly loses events: it then gets \`dropped\` with how many.`,
      parameters: [
        { name: 'zone', in: 'path', required: true, schema: { type: 'string' } },
        {
          name: 'workload',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'A workload of the zone (a pack, or the group packs share), or raku-gateway.',
        },
      ],
      responses: {
        '200': {
          description: 'The event stream (kept open)',
          content: { 'text/event-stream': { schema: ref('WorkloadLogEvent') } },
        },
        '401': error('No or invalid bearer token.'),
        '403': error('Authenticated, but not allowed (admin role required).'),
        '404': error('The zone is not in the pipeline, or has no such workload.'),
      },
    },
  },
} as const;

const logEvent = (event: (typeof LOG_EVENT_TYPES)[number], data: object, description: string) => ({
  type: 'object',
  description,
  required: ['event', 'data'],
  properties: { event: { const: event }, data },
});

export const ZONES_SCHEMAS = {
  ZonesReport: {
    type: 'object',
    required: ['zone', 'revision', 'zones'],
    properties: {
      zone: { type: 'string', description: 'This gateway’s zone' },
      revision: { type: 'string', description: 'This gateway’s config revision' },
      zones: { type: 'array', items: ref('ZoneReport'), description: 'In pipeline order' },
    },
  },
  ZoneReport: {
    type: 'object',
    required: [
      'name',
      'environment',
      'current',
      'promotion',
      'expected',
      'observed',
      'configRevision',
      'expectedConfigRevision',
      'drift',
      'lastRollout',
    ],
    properties: {
      name: { type: 'string' },
      environment: { type: 'string' },
      current: { type: 'boolean', description: 'The zone of this gateway' },
      promotion: {
        type: 'object',
        required: ['from', 'gate', 'reason'],
        properties: {
          from: {
            ...nullableString,
            description: 'The upstream zone (promotion.from); null for a first zone',
          },
          gate: {
            type: 'string',
            enum: ['open', 'gated', 'none'],
            description:
              'Whether what runs in `from` may be promoted into this zone now; none without `from`',
          },
          reason: { type: 'string', description: 'Why: the gate’s note or refusal' },
        },
      },
      expected: {
        type: 'array',
        description: 'What config says the zone runs (at the bundle’s commit)',
        items: {
          type: 'object',
          required: ['workload', 'packs'],
          properties: { workload: { type: 'string' }, packs: { type: 'array', items: packVersion } },
        },
      },
      observed: { type: 'array', items: ref('ObservedPack') },
      configRevision: {
        ...nullableString,
        description: 'The config revision the latest records agree on; null when none or several',
      },
      expectedConfigRevision: {
        ...nullableString,
        description:
          'The config revision the zone’s config renders to: known for this gateway’s own zone only',
      },
      drift: { type: 'array', items: ref('ZoneDrift') },
      lastRollout: {
        type: ['object', 'null'],
        required: ['url', 'at'],
        description: 'From the newest record whose detail carries `pullRequest` (a URL or `{ url }`)',
        properties: { url: { type: 'string' }, at: timestamp },
      },
    },
  },
  ObservedPack: {
    type: 'object',
    required: ['workload', 'pack', 'version', 'health', 'revision', 'imageDigest', 'observedAt'],
    properties: {
      workload: { type: 'string' },
      pack: { type: 'string' },
      version: { type: 'string' },
      health: { type: 'string', enum: [...DEPLOYMENT_HEALTHS] },
      revision: nullableString,
      imageDigest: nullableString,
      observedAt: timestamp,
    },
  },
  ZoneDrift: {
    type: 'object',
    required: ['kind', 'workload', 'pack', 'message'],
    properties: {
      kind: { type: 'string', enum: [...DRIFT_KINDS] },
      workload: { type: 'string' },
      pack: { type: 'string' },
      expected: { type: 'string' },
      observed: { type: 'string' },
      message: { type: 'string' },
    },
  },
  WorkloadLogEvent: {
    description: 'One event of the deployment-logs stream: its `event:` name and its parsed `data:`.',
    oneOf: [
      logEvent('deployment', ref('Deployment'), 'A deployment record of the workload'),
      logEvent(
        'k8s',
        {
          type: 'object',
          required: ['type', 'reason', 'message', 'object', 'count', 'time'],
          properties: {
            type: { type: 'string', description: 'Normal or Warning' },
            reason: { type: 'string' },
            message: { type: 'string' },
            object: {
              type: 'object',
              required: ['kind', 'name'],
              properties: { kind: { type: 'string' }, name: { type: 'string' } },
            },
            count: { type: 'integer' },
            time: { type: ['string', 'null'], format: 'date-time' },
          },
        },
        'A Kubernetes event of the workload’s Deployment, ReplicaSets or pods',
      ),
      logEvent(
        'log',
        {
          type: 'object',
          required: ['pod', 'container', 'line'],
          properties: {
            pod: { type: 'string' },
            container: { type: 'string' },
            line: { type: 'string', description: 'One line, cut at 8192 characters' },
          },
        },
        'A container log line',
      ),
      logEvent(
        'unavailable',
        { type: 'object', required: ['reason'], properties: { reason: { type: 'string' } } },
        'Pod events and logs are not available on this stream, and why (the timeline goes on)',
      ),
      logEvent(
        'problem',
        { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
        'Something could not be read (a container’s log, the event watch); the stream goes on',
      ),
      logEvent(
        'dropped',
        { type: 'object', required: ['count'], properties: { count: { type: 'integer' } } },
        'Events this stream lost because the client read too slowly',
      ),
    ],
  },
} as const;
