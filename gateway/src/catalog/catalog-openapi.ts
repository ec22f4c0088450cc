/**
 * The catalog section of the OpenAPI document (../admin/openapi.ts spreads it in): GET /v1/catalog and
 * POST /v1/tools/{tool}/call, with their schemas. The route-documentation test and the generated client hold
 * both to ../admin/catalog-routes.ts.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const nullableString = { type: ['string', 'null'] };

/**
 * The X-Raku-Tenant header of the catalog, Agents and try-it requests: the tenant the request acts in, as on
 * /mcp (docs/tenancy.md, "Gateway").
 */
export const TENANT_PARAMETER = {
  name: 'X-Raku-Tenant',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description:
    'The tenant the request acts in, for a caller that belongs to several (required then); one it is not a member of is refused with 403. An organisation admin may name any tenant. Absent: the caller’s only tenant, or `default`.',
} as const;

/** The 403 of a request that may not act in the tenant it names (or names none while in several). */
export const TENANT_FORBIDDEN = error(
  'The caller may not act in the tenant X-Raku-Tenant names, or belongs to several tenants and names none: the message says which.',
);
const anyObject = { type: 'object', additionalProperties: true };

export const CATALOG_PATHS = {
  '/v1/catalog': {
    get: {
      summary:
        'The packs and tools of the bundle in use, the zones that run each pack, and the third-party servers with their reviewed description hashes against the live ones (any caller; non-admins see the tools of their tenant that policy lets them see)',
      description:
        'Built from this gateway’s bundle: each pack at the version this zone serves with its tools as agents list them (schemas, annotations, the sensitive flag, content hash, and the HTTP method and path each tool calls: the bundle keeps the HTTP mapping, not the OpenAPI operation id, so `operationId` is null), and every zone of the pipeline that runs the pack, with its version. Third-party servers: each reviewed tool’s committed `descriptionSha256` against the hash of its live definition as the gateway last read it (every 5 minutes and on demand; this request never reads it), and when. Admins see everything (every tenant’s packs); other callers see only the tools `tools/list` would show them in the tenant they act in (a remote tool when a name it serves is visible).',
      parameters: [TENANT_PARAMETER],
      responses: {
        '200': { description: 'The catalog', content: { 'application/json': { schema: ref('Catalog') } } },
        '401': error('No or invalid bearer token.'),
        '403': TENANT_FORBIDDEN,
      },
    },
  },
  '/v1/tools/{tool}/call': {
    post: {
      summary:
        'Calls a tool as the caller through the gateway’s pipeline, as an MCP tools/call would: policy, approval, rate limit, routing, trace (any caller)',
      description:
        'The answer is the MCP CallToolResult and the id of the call’s trace. A call the policy denies, a rate-limited call, a tool error and invalid arguments are 200 with `result.isError` and the reason, as over MCP. A call that needs approval waits for the decision as over MCP and, when it outlives the wait, answers with the job to poll (`structuredContent.jobId`). The gateway writes the call’s trace before it answers (waiting at most 5 s for the database), so GET /v1/traces/{id} finds it.',
      parameters: [
        {
          name: 'tool',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'The exposed tool name (petstore.get_pet).',
        },
        TENANT_PARAMETER,
      ],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref('ToolCallRequest') } },
      },
      responses: {
        '200': {
          description: 'The call’s result (errors of the call itself included, as `isError`)',
          content: { 'application/json': { schema: ref('ToolCallOutcome') } },
        },
        '400': error('The body is not `{ arguments: object }`: the message names the field.'),
        '401': error('No or invalid bearer token.'),
        '403': TENANT_FORBIDDEN,
        '404': error(
          'The tenant the caller acts in has no tool of that name (another tenant’s tool is answered as a missing one).',
        ),
      },
    },
  },
} as const;

export const CATALOG_SCHEMAS = {
  Catalog: {
    type: 'object',
    required: ['zone', 'environment', 'revision', 'packs', 'remotes'],
    properties: {
      zone: { type: 'string', description: 'This gateway’s zone' },
      environment: { type: 'string' },
      revision: { type: 'string', description: 'The config revision of the bundle in use' },
      packs: { type: 'array', items: ref('CatalogPack'), description: 'Sorted by name' },
      remotes: { type: 'array', items: ref('CatalogRemote'), description: 'Sorted by name' },
    },
  },
  CatalogPack: {
    type: 'object',
    required: ['name', 'version', 'workload', 'tools', 'zones'],
    properties: {
      name: { type: 'string' },
      version: { type: 'string', description: 'The version this gateway’s zone serves' },
      workload: { type: 'string', description: 'The Deployment that serves it (the pack, or its group)' },
      tools: { type: 'array', items: ref('CatalogTool') },
      zones: {
        type: 'array',
        description: 'The pipeline’s zones that run the pack, in pipeline order, with their version',
        items: {
          type: 'object',
          required: ['zone', 'environment', 'version'],
          properties: {
            zone: { type: 'string' },
            environment: { type: 'string' },
            version: { type: 'string' },
          },
        },
      },
    },
  },
  CatalogTool: {
    type: 'object',
    required: [
      'name',
      'tool',
      'title',
      'description',
      'inputSchema',
      'outputSchema',
      'annotations',
      'sensitive',
      'contentHash',
      'source',
    ],
    properties: {
      name: { type: 'string', description: 'Exposed name (what agents and policies use)' },
      tool: { type: 'string', description: 'Name inside the pack' },
      title: nullableString,
      description: { type: 'string' },
      inputSchema: { ...anyObject, description: 'JSON Schema of the arguments' },
      outputSchema: { type: ['object', 'null'], additionalProperties: true },
      annotations: {
        type: ['object', 'null'],
        additionalProperties: true,
        description: 'MCP tool annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint)',
      },
      sensitive: { type: 'boolean', description: 'Calls need an approval rule' },
      contentHash: { type: 'string', description: 'toolContentHash of the definition' },
      source: {
        type: ['object', 'null'],
        required: ['method', 'path', 'operationId'],
        description: 'The upstream HTTP call the tool makes',
        properties: {
          method: { type: 'string' },
          path: { type: 'string' },
          operationId: { ...nullableString, description: 'Not carried by the bundle: null' },
        },
      },
    },
  },
  CatalogRemote: {
    type: 'object',
    required: ['name', 'url', 'error', 'tools'],
    properties: {
      name: { type: 'string' },
      url: { ...nullableString, description: 'Null for callers without the admin role' },
      error: {
        ...nullableString,
        description:
          'Why its definitions could not be read (or its credential is missing); null when the last read worked, and for callers without the admin role',
      },
      tools: { type: 'array', items: ref('CatalogRemoteTool') },
    },
  },
  CatalogRemoteTool: {
    type: 'object',
    required: [
      'name',
      'servesAs',
      'reviewedSha256',
      'liveSha256',
      'matches',
      'checkedAt',
      'definition',
      'sensitive',
    ],
    properties: {
      name: { type: 'string', description: 'Tool name on the third-party server' },
      servesAs: {
        type: 'array',
        items: { type: 'string' },
        description: 'Exposed names it serves: its own, or the pack tools it is a fallback for',
      },
      reviewedSha256: { type: 'string', description: 'The committed descriptionSha256' },
      liveSha256: {
        ...nullableString,
        description: 'Hash of the live definition as last read; null when not read or not listed',
      },
      matches: {
        type: ['boolean', 'null'],
        description:
          'true: the live definition is the reviewed one; false: changed or missing (hidden, never called); null: not checked yet',
      },
      checkedAt: { type: ['string', 'null'], format: 'date-time', description: 'When it was last read' },
      definition: {
        type: ['object', 'null'],
        description:
          'The live definition, only while it hashes to the reviewed one (what agents are shown); null when changed, missing or not read',
        required: ['title', 'description', 'inputSchema', 'outputSchema', 'annotations'],
        properties: {
          title: nullableString,
          description: { type: 'string' },
          inputSchema: anyObject,
          outputSchema: { type: ['object', 'null'], additionalProperties: true },
          annotations: { type: ['object', 'null'], additionalProperties: true },
        },
      },
      sensitive: { type: 'boolean', description: 'Calls to the exposed tool need an approval rule' },
    },
  },
  ToolCallRequest: {
    type: 'object',
    required: ['arguments'],
    additionalProperties: false,
    properties: { arguments: { ...anyObject, description: 'The tool’s arguments' } },
  },
  ToolCallOutcome: {
    type: 'object',
    required: ['result', 'traceId'],
    properties: {
      result: ref('CallToolResult'),
      traceId: {
        type: ['string', 'null'],
        format: 'uuid',
        description: 'The call’s trace (GET /v1/traces/{id}, admins)',
      },
    },
  },
  CallToolResult: {
    type: 'object',
    description: 'The MCP CallToolResult, as an agent gets it',
    required: ['content'],
    properties: {
      content: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type'],
          additionalProperties: true,
          properties: {
            type: { type: 'string', description: 'text, image, audio, resource or resource_link' },
            text: { type: 'string' },
            data: { type: 'string', description: 'Base64 (image, audio)' },
            mimeType: { type: 'string' },
            resource: anyObject,
            uri: { type: 'string' },
            name: { type: 'string' },
          },
        },
      },
      structuredContent: anyObject,
      isError: { type: 'boolean' },
      _meta: anyObject,
    },
  },
} as const;
