/**
 * The OpenAPI 3.1 document of the gateway's HTTP API, served at /openapi.json. Request bodies are validated
 * against the schemas in `components.schemas`, so the document and the behaviour cannot drift; a test checks
 * that every route of the admin router is documented and every documented /v1 operation exists.
 */
import { DEPLOYMENT_HEALTHS } from '@raku/config';
import { APPROVAL_STATUSES } from '../approvals/types.ts';
import { IMPORT_PATHS, IMPORT_SCHEMAS } from '../builder/builder-openapi.ts';
import { AGENTS_PATHS, AGENTS_SCHEMAS } from '../catalog/agents-openapi.ts';
import { CATALOG_PATHS, CATALOG_SCHEMAS } from '../catalog/catalog-openapi.ts';
import { CHANGE_PATHS, CHANGE_SCHEMAS } from '../config-repo/changes-openapi.ts';
import { SESSION_PATHS, SESSION_SCHEMAS, SESSION_SECURITY_SCHEMES } from '../console/session-openapi.ts';
import { EVENT_TYPES } from '../events/types.ts';
import { POLICIES_PATHS, POLICIES_SCHEMAS } from '../policy-explorer/policies-openapi.ts';
import { TRACE_DECISIONS, TRACE_STATUSES } from '../traces/types.ts';
import { ZONES_PATHS, ZONES_SCHEMAS } from '../zones/zones-openapi.ts';

const page = (item: string) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } },
    nextCursor: {
      type: ['string', 'null'],
      description: 'Pass as `cursor` to get the next page; null on the last page.',
    },
  },
});

const nullableString = { type: ['string', 'null'] };
const timestamp = { type: 'string', format: 'date-time' };

/** `?tenant=`: narrows a listing to one tenant of the caller's scope (an organisation admin's: any). */
const tenantParameter = {
  name: 'tenant',
  in: 'query',
  schema: { type: 'string' },
  description:
    "Only rows of this tenant ('default': the implicit tenant). A tenant outside the caller's scope matches nothing.",
};

const cursorParameters = [
  {
    name: 'cursor',
    in: 'query',
    schema: { type: 'string' },
    description: 'From `nextCursor` of the previous page.',
  },
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1 },
    description: 'Page size (capped per endpoint).',
  },
];

const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((code) => [
      String(code),
      {
        description: ERROR_TEXT[code] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request: the message names the parameter or field and the reason.',
  401: 'No or invalid bearer token.',
  403: 'Authenticated, but not allowed (admin role or approver required).',
  404: 'No such resource (or not yours).',
  409: 'The resource is not in a state that allows this change.',
  429: 'Too many at once: the caller already holds as many open streams as it may.',
};

const json = (schema: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
});

/** One kind of GET /v1/events event: `dropped` and `reset` have no id. */
const liveEvent = (event: string, schema: string, description: string) => ({
  type: 'object',
  description,
  required: ['event', 'data', ...(event === 'dropped' || event === 'reset' ? [] : ['id'])],
  properties: {
    id: { type: 'string', pattern: '^[0-9]+$' },
    event: { const: event },
    data: { $ref: `#/components/schemas/${schema}` },
  },
});

const idParameter = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: `${what} id.`,
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Raku gateway API',
    version: '1',
    description:
      'Operations and admin API of the Raku MCP gateway. Agents use POST /mcp (MCP Streamable HTTP) and the /v1/jobs endpoints; every other /v1 endpoint needs the admin role.',
  },
  security: [{ bearerAuth: [] }, { cookieAuth: [] }],
  paths: {
    '/mcp': {
      post: {
        'x-served-by': 'server',
        security: [{ bearerAuth: [] }],
        summary: 'MCP Streamable HTTP endpoint (protocol 2026-07-28 stateless, and 2025-11-25)',
        responses: { '200': { description: 'JSON-RPC response' }, ...errors(401) },
      },
    },
    '/healthz': {
      get: {
        'x-served-by': 'server',
        security: [],
        summary: 'Liveness: the process is up',
        responses: { '200': { description: 'ok' } },
      },
    },
    '/readyz': {
      get: {
        'x-served-by': 'server',
        security: [],
        summary: 'Readiness: config loaded and (gateway) Postgres reachable',
        responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
      },
    },
    '/metrics': {
      get: {
        'x-served-by': 'server',
        security: [],
        summary: 'Prometheus metrics (calls, latency, decisions, breakers, trace queue depth and drops)',
        responses: { '200': { description: 'text/plain; version=0.0.4' } },
      },
    },
    '/openapi.json': {
      get: {
        security: [],
        summary: 'This document',
        responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': {} } } },
      },
    },
    '/v1/': {
      get: {
        security: [],
        summary: 'Index of this API: the OpenAPI document and every /v1 resource with its operations',
        responses: { '200': { description: '{ name, openapi, resources: [{ path, operations }] }' } },
      },
    },
    '/v1/traces': {
      get: {
        summary: 'Tool-call traces, newest first (admins: of the tenants they administer)',
        parameters: [
          { name: 'from', in: 'query', schema: timestamp, description: 'Inclusive lower bound of `time`.' },
          { name: 'to', in: 'query', schema: timestamp, description: 'Exclusive upper bound of `time`.' },
          {
            name: 'subject',
            in: 'query',
            schema: { type: 'string' },
            description: "e.g. 'agent:triage-bot'.",
          },
          {
            name: 'tool',
            in: 'query',
            schema: { type: 'string' },
            description: "Exposed tool name, e.g. 'github.list_issues'.",
          },
          { name: 'status', in: 'query', schema: { $ref: '#/components/schemas/TraceStatus' } },
          { name: 'decision', in: 'query', schema: { type: 'string', enum: [...TRACE_DECISIONS] } },
          {
            name: 'rule',
            in: 'query',
            schema: { type: 'string' },
            description: "Name of the deciding policy rule, e.g. 'default-deny'.",
          },
          {
            name: 'zone',
            in: 'query',
            schema: { type: 'string' },
            description: "Zone of the gateway that served the call, e.g. 'prod'.",
          },
          tenantParameter,
          ...cursorParameters,
        ],
        responses: { '200': json('TracePage', 'A page of traces (at most 500)'), ...errors(400, 401, 403) },
      },
    },
    '/v1/traces/stats': {
      get: {
        summary:
          'Per-tool charts: calls, errors and p50/p95/p99 latency per time bucket, for the busiest tools (admin)',
        description:
          'Computed by the database (date_bin, percentile_cont). Errors are the calls whose status is one of `errorStatuses` in the answer (error, timeout, no_route, invalid, unknown_tool): refusals by the policy or its limits (denied, rejected, expired, rate_limited), pending and ok calls are not errors. Percentiles are over every call of the bucket, in milliseconds. Buckets start at multiples of `bucketSeconds` since the Unix epoch, so the first may begin before `from`. At most `maxTools` series (the busiest tools in the range; `toolsTotal` says how many had calls) and `maxBuckets` buckets (a narrower bucket is widened: `bucketWidened`).',
        parameters: [
          {
            name: 'tool',
            in: 'query',
            schema: { type: 'string' },
            description: 'Only this exposed tool name.',
          },
          {
            name: 'zone',
            in: 'query',
            schema: { type: 'string' },
            description: 'Only calls served in this zone.',
          },
          tenantParameter,
          {
            name: 'from',
            in: 'query',
            schema: timestamp,
            description: 'Inclusive; default one hour before `to`.',
          },
          { name: 'to', in: 'query', schema: timestamp, description: 'Exclusive; default now.' },
          {
            name: 'bucket',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 2_592_000 },
            description:
              'Bucket width in seconds; default the range in about 60 round buckets (60 for an hour).',
          },
        ],
        responses: { '200': json('TraceStats', 'One series per tool'), ...errors(400, 401, 403) },
      },
    },
    '/v1/traces/{id}': {
      get: {
        summary: "One trace (admins of its tenant; another tenant's trace answers 404)",
        parameters: [idParameter('Trace')],
        responses: { '200': json('Trace', 'The trace'), ...errors(400, 401, 403, 404) },
      },
    },
    '/v1/approvals': {
      get: {
        summary:
          'Approval requests of the tenants the caller may read, newest first. Admins see all of the tenants they administer; elsewhere callers see those they may decide, or with mine=true the requests of their own calls.',
        parameters: [
          { name: 'status', in: 'query', schema: { $ref: '#/components/schemas/ApprovalStatus' } },
          {
            name: 'mine',
            in: 'query',
            schema: { type: 'boolean' },
            description: 'true: only the requests of calls the caller made (for anyone, admin or not).',
          },
          tenantParameter,
          ...cursorParameters,
        ],
        responses: {
          '200': json('ApprovalPage', 'A page of approval requests (at most 200)'),
          ...errors(400, 401),
        },
      },
    },
    '/v1/approvals/{id}': {
      get: {
        summary: 'One approval request (admins, its approvers, and the caller who asked)',
        parameters: [idParameter('Approval request')],
        responses: { '200': json('Approval', 'The request'), ...errors(401, 404) },
      },
    },
    '/v1/approvals/{id}/decision': {
      post: {
        summary:
          'Approve or reject a pending request (an approver named by its rule; never the caller who asked)',
        parameters: [idParameter('Approval request')],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ApprovalDecision' } } },
        },
        responses: { '200': json('Approval', 'The decided request'), ...errors(400, 401, 403, 404, 409) },
      },
    },
    '/v1/routes': {
      get: {
        summary: 'The route table of the loaded bundle: per tool, its ordered candidate targets (admin)',
        responses: {
          '200': {
            description: 'Route table',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/RouteReport' } } },
          },
          ...errors(401, 403),
        },
      },
    },
    '/v1/jobs': {
      get: {
        summary:
          'Async tool calls, newest first. Admins see all of the tenants they administer (filter by subject); other callers their own.',
        parameters: [
          { name: 'status', in: 'query', schema: { $ref: '#/components/schemas/JobStatus' } },
          { name: 'subject', in: 'query', schema: { type: 'string' } },
          tenantParameter,
          ...cursorParameters,
        ],
        responses: { '200': json('JobPage', 'A page of jobs (at most 200)'), ...errors(400, 401) },
      },
      post: {
        summary: 'Run a tool call asynchronously as the caller (policy is applied when it runs)',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/JobSubmission' } } },
        },
        responses: { '202': json('Job', 'Accepted; poll the Location'), ...errors(400, 401) },
      },
    },
    '/v1/jobs/{id}': {
      get: {
        summary: 'Status and result of a job (its caller or an admin)',
        parameters: [idParameter('Job')],
        responses: { '200': json('Job', 'The job'), ...errors(401, 404) },
      },
      put: {
        summary: 'Update a job: the only change is cancelling it (its caller or an admin)',
        parameters: [idParameter('Job')],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/JobUpdate' } } },
        },
        responses: { '200': json('Job', 'The cancelled job'), ...errors(400, 401, 404, 409) },
      },
    },
    '/v1/deployments': {
      get: {
        summary: 'What was seen deployed, newest first (admin)',
        parameters: [
          { name: 'zone', in: 'query', schema: { type: 'string' } },
          { name: 'workload', in: 'query', schema: { type: 'string' } },
          { name: 'pack', in: 'query', schema: { type: 'string' } },
          ...cursorParameters,
        ],
        responses: {
          '200': json('DeploymentPage', 'A page of deployment records (at most 200)'),
          ...errors(400, 401, 403),
        },
      },
      post: {
        summary: 'Record what `raku status` saw deployed (admin)',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/DeploymentInput' } } },
        },
        responses: { '201': json('Deployment', 'Recorded'), ...errors(400, 401, 403) },
      },
    },
    ...ZONES_PATHS,
    ...SESSION_PATHS,
    ...CATALOG_PATHS,
    ...AGENTS_PATHS,
    ...CHANGE_PATHS,
    ...IMPORT_PATHS,
    ...POLICIES_PATHS,
    '/v1/events': {
      get: {
        summary:
          'Live events (server-sent events) filtered by the caller’s rights: trace, deployment and routes for admins; approvals the caller asked for or may decide; the caller’s own jobs',
        description:
          'A `text/event-stream`: each event is `id: <n>`, `event: <type>`, `data: <JSON>` (see LiveEvent for each type’s data). The stream starts with a `retry:` hint and sends a `: ping` comment every 15 s. Ids grow by one per event within a gateway process; reconnect with `Last-Event-ID` (or `lastEventId`) to get the events missed, or one `reset` event when they are no longer kept (refetch the lists then). A client reading too slowly loses events: it then gets `dropped` with how many. `dropped` and `reset` carry no id.',
        parameters: [
          {
            name: 'types',
            in: 'query',
            schema: { type: 'string', examples: ['trace,approval,job'] },
            description: `Comma-separated event types, of ${EVENT_TYPES.join(', ')}. Default: every type the caller may receive. An admin-only type asked for by a non-admin is a 403.`,
          },
          {
            name: 'Last-Event-ID',
            in: 'header',
            schema: { type: 'string', pattern: '^[0-9]{1,16}$' },
            description: 'Resume after this event id (browsers send it when they reconnect).',
          },
          {
            name: 'lastEventId',
            in: 'query',
            schema: { type: 'string', pattern: '^[0-9]{1,16}$' },
            description: 'As Last-Event-ID, for clients that cannot set headers; the header wins.',
          },
        ],
        responses: {
          '200': {
            description: 'The event stream (kept open)',
            content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/LiveEvent' } } },
          },
          ...errors(400, 401, 403, 404, 429),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (or a static token in local mode)' },
      ...SESSION_SECURITY_SCHEMES,
    },
    schemas: {
      ...ZONES_SCHEMAS,
      ...SESSION_SCHEMAS,
      ...CATALOG_SCHEMAS,
      ...AGENTS_SCHEMAS,
      ...CHANGE_SCHEMAS,
      ...IMPORT_SCHEMAS,
      ...POLICIES_SCHEMAS,
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
      TraceStatus: { type: 'string', enum: [...TRACE_STATUSES] },
      Trace: {
        type: 'object',
        required: [
          'id',
          'time',
          'subject',
          'subjectKind',
          'tool',
          'decision',
          'revision',
          'latencyMs',
          'status',
          'argsBytes',
          'resultBytes',
          'zone',
          'traceId',
          'tenant',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          time: timestamp,
          subject: { type: 'string' },
          subjectKind: { type: 'string' },
          tool: { type: 'string' },
          route: nullableString,
          target: nullableString,
          decision: { type: 'string', enum: [...TRACE_DECISIONS] },
          rule: nullableString,
          revision: { type: 'string' },
          latencyMs: { type: 'number' },
          status: { $ref: '#/components/schemas/TraceStatus' },
          argsBytes: { type: 'integer' },
          resultBytes: { type: 'integer' },
          args: { description: 'Redacted arguments' },
          result: { description: 'Redacted result' },
          error: nullableString,
          zone: {
            type: ['string', 'null'],
            description:
              'Zone of the gateway that served the call; null for traces stored before it was kept',
          },
          traceId: {
            type: ['string', 'null'],
            pattern: '^[0-9a-f]{32}$',
            description:
              'W3C trace id linking the call to the tracing backend (OpenTelemetry); null when none was known',
          },
          tenant: {
            type: 'string',
            description:
              "The tenant the call was made in ('default': the implicit tenant, and rows stored before tenants)",
          },
        },
      },
      TracePage: page('Trace'),
      TraceStatsPoint: {
        type: 'object',
        required: ['time', 'calls', 'errors', 'p50', 'p95', 'p99'],
        properties: {
          time: { ...timestamp, description: 'Start of the bucket' },
          calls: { type: 'integer' },
          errors: { type: 'integer' },
          p50: { type: ['number', 'null'], description: 'Latency (ms); null in a bucket without calls' },
          p95: { type: ['number', 'null'] },
          p99: { type: ['number', 'null'] },
        },
      },
      TraceStats: {
        type: 'object',
        required: [
          'from',
          'to',
          'bucketSeconds',
          'bucketWidened',
          'maxBuckets',
          'maxTools',
          'toolsTotal',
          'errorStatuses',
          'series',
        ],
        properties: {
          from: timestamp,
          to: timestamp,
          bucketSeconds: { type: 'integer' },
          bucketWidened: { type: 'boolean', description: 'The bucket asked for made more than maxBuckets' },
          maxBuckets: { type: 'integer' },
          maxTools: { type: 'integer' },
          toolsTotal: {
            type: 'integer',
            description: 'Tools with calls in the range (series holds at most maxTools)',
          },
          errorStatuses: { type: 'array', items: { $ref: '#/components/schemas/TraceStatus' } },
          series: {
            type: 'array',
            description: 'Busiest tool first; one point per bucket, empty buckets included',
            items: {
              type: 'object',
              required: ['tool', 'calls', 'points'],
              properties: {
                tool: { type: 'string' },
                calls: { type: 'integer', description: 'Calls of the tool in the range' },
                points: { type: 'array', items: { $ref: '#/components/schemas/TraceStatsPoint' } },
              },
            },
          },
        },
      },
      ApprovalStatus: { type: 'string', enum: [...APPROVAL_STATUSES] },
      Approval: {
        type: 'object',
        required: [
          'id',
          'status',
          'rule',
          'approvers',
          'tool',
          'subject',
          'createdAt',
          'expiresAt',
          'tenant',
        ],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { $ref: '#/components/schemas/ApprovalStatus' },
          rule: { type: 'string' },
          approvers: { type: 'array', items: { type: 'string' } },
          tool: { type: 'string' },
          subject: { type: 'string' },
          principal: {
            type: ['string', 'null'],
            description:
              'Issuer and sub of the caller as a JSON array; nobody of the same principal may decide',
          },
          args: {
            description:
              'The arguments the call will be sent with, whole; each secret masked as [REDACTED] and listed in maskedPaths',
          },
          argsHash: {
            type: ['string', 'null'],
            pattern: '^sha256:[0-9a-f]{64}$',
            description:
              'sha256 of the canonical JSON (RFC 8785 key order) of the exact arguments; the call runs only with arguments of this hash',
          },
          maskedPaths: {
            type: 'array',
            items: { type: 'string' },
            description: 'JSON Pointers (RFC 6901) into args of every value masked as a secret',
          },
          truncated: {
            type: 'array',
            description:
              'Values cut short in args (strings past 64 KiB, nesting past 64), with how much is not shown',
            items: {
              type: 'object',
              required: ['path', 'omittedCharacters'],
              properties: { path: { type: 'string' }, omittedCharacters: { type: 'integer' } },
            },
          },
          revision: { type: 'string' },
          createdAt: timestamp,
          expiresAt: timestamp,
          decidedAt: { type: ['string', 'null'], format: 'date-time' },
          decidedBy: nullableString,
          reason: nullableString,
          jobId: { type: ['string', 'null'], format: 'uuid' },
          tenant: {
            type: 'string',
            description:
              "The tenant the call was made in ('default': the implicit tenant, and rows stored before tenants)",
          },
        },
      },
      ApprovalPage: page('Approval'),
      ApprovalDecision: {
        type: 'object',
        required: ['approve'],
        additionalProperties: false,
        properties: {
          approve: { type: 'boolean', description: 'true approves, false rejects.' },
          reason: { type: 'string', maxLength: 1000 },
          argsHash: {
            type: 'string',
            pattern: '^sha256:[0-9a-f]{64}$',
            description:
              "The argsHash the approver was shown; when it is not the request's, the decision is refused (409 args_mismatch)",
          },
        },
      },
      JobStatus: {
        type: 'string',
        enum: ['queued', 'waiting_approval', 'running', 'succeeded', 'failed', 'cancelled'],
      },
      Job: {
        type: 'object',
        required: ['id', 'status', 'tool', 'subject', 'createdAt', 'tenant'],
        properties: {
          id: { type: 'string', format: 'uuid' },
          status: { $ref: '#/components/schemas/JobStatus' },
          tool: { type: 'string' },
          subject: { type: 'string' },
          approvalId: { type: ['string', 'null'], format: 'uuid' },
          createdAt: timestamp,
          startedAt: { type: ['string', 'null'], format: 'date-time' },
          finishedAt: { type: ['string', 'null'], format: 'date-time' },
          result: { description: 'MCP CallToolResult (content, structuredContent, isError) once finished' },
          error: nullableString,
          tenant: {
            type: 'string',
            description:
              "The tenant the call was made in ('default': the implicit tenant, and rows stored before tenants)",
          },
        },
      },
      JobPage: page('Job'),
      JobSubmission: {
        type: 'object',
        required: ['tool'],
        additionalProperties: false,
        properties: {
          tool: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$', description: 'Exposed tool name.' },
          arguments: {
            type: 'object',
            description: 'Tool arguments (validated against the tool schema when it runs).',
          },
          packVersion: {
            type: 'string',
            maxLength: 64,
            description:
              'Semver range of the pack the call needs, as `_meta` dev.raku/pack-version of a tools/call: only pack servers of a version in it run the job.',
          },
        },
      },
      JobUpdate: {
        type: 'object',
        required: ['status'],
        additionalProperties: false,
        properties: { status: { const: 'cancelled' } },
      },
      DeploymentInput: {
        type: 'object',
        required: ['zone', 'workload', 'pack', 'version', 'health'],
        additionalProperties: false,
        properties: {
          zone: { type: 'string', minLength: 1, maxLength: 100 },
          workload: { type: 'string', minLength: 1, maxLength: 100 },
          pack: { type: 'string', minLength: 1, maxLength: 100 },
          version: { type: 'string', minLength: 1, maxLength: 100 },
          imageDigest: { type: ['string', 'null'], pattern: '^sha256:[a-f0-9]{64}$' },
          health: { type: 'string', enum: [...DEPLOYMENT_HEALTHS] },
          revision: { type: ['string', 'null'], maxLength: 100 },
          detail: { description: 'Free-form detail (replicas, events).' },
        },
      },
      Deployment: {
        allOf: [
          { $ref: '#/components/schemas/DeploymentInput' },
          {
            type: 'object',
            required: ['id', 'observedAt'],
            properties: { id: { type: 'string', format: 'uuid' }, observedAt: timestamp },
          },
        ],
      },
      DeploymentPage: page('Deployment'),
      EventType: { type: 'string', enum: [...EVENT_TYPES] },
      LiveEvent: {
        description: 'One event of GET /v1/events: its `event:` name, its `id:` and its parsed `data:`.',
        oneOf: [
          liveEvent('trace', 'Trace', 'A tool call, as GET /v1/traces returns it, as soon as it is recorded'),
          liveEvent('approval', 'Approval', 'An approval request created, decided or expired'),
          liveEvent('job', 'Job', 'A job whose status changed'),
          liveEvent('deployment', 'Deployment', 'A deployment record posted'),
          liveEvent(
            'routes',
            'RouteReport',
            'The route table (GET /v1/routes) after a health or breaker change, at most every 2 s',
          ),
          liveEvent('dropped', 'EventsDropped', 'Events this stream lost because the client read too slowly'),
          liveEvent('reset', 'EventsReset', 'The Last-Event-ID given is no longer kept: refetch the lists'),
        ],
      },
      RouteReport: {
        type: 'object',
        description:
          'The route table of the loaded bundle, as GET /v1/routes returns it: zone, revision, per tool its ordered targets with breaker and health, and the trace queue',
        properties: {
          traces: {
            type: 'object',
            description: "The trace sink's queue (also on /metrics)",
            required: ['queued', 'dropped', 'written', 'failures'],
            properties: {
              queued: { type: 'integer', description: 'Traces waiting in memory to be written' },
              dropped: { type: 'integer', description: 'Traces dropped because the buffer was full' },
              written: { type: 'integer', description: 'Traces written to the database' },
              failures: { type: 'integer', description: 'Failed write attempts' },
            },
          },
        },
      },
      EventsDropped: {
        type: 'object',
        required: ['count', 'total'],
        properties: {
          count: { type: 'integer', description: 'Events lost since the previous `dropped` event' },
          total: { type: 'integer', description: 'Events lost on this stream in all' },
        },
      },
      EventsReset: {
        type: 'object',
        required: ['reason'],
        properties: { reason: { type: 'string' } },
      },
    },
  },
} as const;
