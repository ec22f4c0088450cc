/**
 * The import section of the OpenAPI document (../admin/openapi.ts spreads it in): capabilities, analysis,
 * drafts and AI suggestions of an OpenAPI import, with their schemas. Request bodies are checked against these
 * schemas (checkBody), so the document and the routes cannot drift.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const nullableString = { type: ['string', 'null'] };
const object = { type: 'object' };

const COMMON_ERRORS = {
  '401': error('No or invalid bearer token.'),
  '403': error('Authenticated, but not allowed (admin role required).'),
  '413': error('The body is over maxDocumentBytes (32 MiB by default); the message names the limit.'),
  '502': error(
    'Reading the config repository on GitHub failed (github_error: the call, its status, what to fix).',
  ),
};

const post = (summary: string, description: string, body: string, answer: string, extra = {}) => ({
  post: {
    summary,
    description,
    requestBody: { required: true, content: { 'application/json': { schema: ref(body) } } },
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: ref(answer) } } },
      '400': error(
        'Bad input: not exactly one of document and url, a document that does not parse (line and column when the parser gives them), not OpenAPI 3.x / Swagger 2.0, a URL refused or not fetched, an unknown operation id, an invalid tool name; the message names the field.',
      ),
      ...COMMON_ERRORS,
      ...extra,
    },
  },
});

export const IMPORT_PATHS = {
  '/v1/imports/capabilities': {
    get: {
      summary:
        'What the import builder may do on this gateway: fetch URLs, AI suggestions, largest document (admin)',
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: ref('ImportCapabilities') } } },
        '401': COMMON_ERRORS['401'],
        '403': COMMON_ERRORS['403'],
      },
    },
  },
  '/v1/imports/openapi/analysis': post(
    'Every operation of an OpenAPI / Swagger document with the tool raku import openapi makes of it, or why it is skipped (admin)',
    'The same analysis as `raku import openapi` (@raku/import): names, descriptions, input schemas, annotations, sensitive flags, skip reasons, the default selection (deprecated operations left out unless `includeDeprecated`; over 100 importable operations only the first 100 in path order, where the CLI would split by tag). Operations come in document order, with ids `<METHOD> <path>`. A document with nothing importable is a 200 with every operation skipped. `existingPack` is the pack of that name in the config repository (null without one).',
    'ImportSource',
    'ImportAnalysis',
  ),
  '/v1/imports/openapi/draft': post(
    'The change an import proposes: pack file, zone entry, policy, contract diff and the preview of the change (admin)',
    'The pack file is the one `raku import openapi` writes for exactly the chosen operations (merged with the committed pack of that name, keeping its hand edits), with the per-operation edits applied. With `zone`, that zone file gains the pack (comments and order kept); with `role`, `policies/<pack>.yaml` binds the role to the pack’s tools (`<prefix>.*`). `preview` is POST /v1/changes/preview of `files` on the current config; post `{ title, description, files }` to POST /v1/changes to open the pull request. The document snapshot the pack names is not part of `files` (a change holds config files only); `warnings` says so.',
    'ImportDraftRequest',
    'ImportDraft',
    { '404': error('This gateway has no config repository.') },
  ),
  '/v1/imports/openapi/suggestions': post(
    'AI suggestions for an import: selection, descriptions, sensitive flags (admin)',
    'Asks OpenAI or Azure OpenAI (configured as for `raku import openapi --ai`: OPENAI_API_KEY, or AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY + AZURE_OPENAI_DEPLOYMENT) about the given operations (default: the default selection). Sent: tool names, descriptions, methods, path templates, annotations and argument names; never the document, base URLs or auth. Only suggestions that differ from the import are listed.',
    'ImportSuggestionsRequest',
    'ImportSuggestions',
    {
      '409': error('No OpenAI or Azure OpenAI is configured (ai_unavailable).'),
      '502': error(
        'The model request failed or was refused (ai_failed), or reading the config repository on GitHub failed (github_error).',
      ),
    },
  ),
};

const operationEdit = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      minLength: 1,
      maxLength: 2100,
      description: '`<METHOD> <path>` from the analysis.',
    },
    name: { type: 'string', minLength: 1, maxLength: 64, description: 'A new tool name ([A-Za-z0-9_-]).' },
    description: { type: 'string', minLength: 1, maxLength: 4000 },
    sensitive: { type: 'boolean' },
  },
};

const role = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'subjects'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 63 },
    subjects: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: { type: 'string', minLength: 1, maxLength: 272 },
      description: "Principals: 'group:<g>', 'user:<u>', 'agent:<a>'.",
    },
  },
};

export const IMPORT_SCHEMAS = {
  ImportCapabilities: {
    type: 'object',
    required: ['fetchUrls', 'ai', 'maxDocumentBytes'],
    properties: {
      fetchUrls: { type: 'boolean', description: 'The gateway fetches `url` sources (RAKU_IMPORT_URLS=1).' },
      ai: {
        type: 'object',
        required: ['enabled', 'provider'],
        properties: {
          enabled: { type: 'boolean' },
          provider: { type: ['string', 'null'], enum: ['openai', 'azure', null] },
        },
      },
      maxDocumentBytes: { type: 'integer', description: 'Largest body of the import routes, in bytes.' },
    },
  },
  ImportSource: {
    type: 'object',
    additionalProperties: false,
    description: 'Exactly one of `document` and `url`.',
    properties: {
      // No minLength: ajv counts a string's code points one by one (60–130 ms for GitHub's 12 MB document);
      // an empty document is refused by the parser ("not an object").
      document: {
        type: 'string',
        description: 'The OpenAPI 3.x or Swagger 2.0 text, JSON or YAML.',
      },
      url: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        description:
          'Fetched by the gateway when capabilities.fetchUrls, under the packs’ SSRF rules (no private or loopback address unless private networks are allowed, no redirects, size cap, 30 s).',
      },
      name: {
        type: 'string',
        minLength: 1,
        maxLength: 63,
        description: 'The pack name (a DNS label); default derived from the document’s title.',
      },
      baseUrl: {
        type: 'string',
        minLength: 1,
        maxLength: 2048,
        description: 'Overrides the document’s server.',
      },
      includeDeprecated: { type: 'boolean', description: 'Select deprecated operations too.' },
    },
  },
  ImportOperation: {
    type: 'object',
    required: [
      'id',
      'method',
      'path',
      'operationId',
      'summary',
      'tags',
      'deprecated',
      'selected',
      'tool',
      'skipped',
    ],
    properties: {
      id: { type: 'string', description: '`<METHOD> <path>`, e.g. `GET /pets/{petId}`.' },
      method: { type: 'string' },
      path: { type: 'string' },
      operationId: nullableString,
      summary: nullableString,
      tags: { type: 'array', items: { type: 'string' } },
      deprecated: { type: 'boolean' },
      selected: { type: 'boolean', description: 'What raku import openapi imports by default.' },
      tool: {
        type: ['object', 'null'],
        description: 'The tool the operation becomes; null when skipped.',
        required: ['name', 'description', 'inputSchema', 'annotations', 'sensitive'],
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          inputSchema: object,
          annotations: { type: ['object', 'null'] },
          sensitive: { type: 'boolean' },
        },
      },
      skipped: {
        type: ['object', 'null'],
        required: ['code', 'reason'],
        properties: {
          code: {
            type: 'string',
            description:
              'filtered, deprecated, over-cap, cookie, method, server, path, body, ref, schema-too-large, other',
          },
          reason: { type: 'string' },
        },
      },
    },
  },
  ImportAnalysis: {
    type: 'object',
    required: [
      'documentSha256',
      'title',
      'version',
      'format',
      'pack',
      'authSchemes',
      'operations',
      'counts',
      'existingPack',
      'warnings',
    ],
    properties: {
      documentSha256: { type: 'string' },
      title: { type: 'string' },
      version: { type: 'string' },
      format: { type: 'string', description: 'swagger-2.0, openapi-3.0 or openapi-3.1' },
      pack: {
        type: 'object',
        required: ['name', 'version', 'baseUrl'],
        properties: { name: { type: 'string' }, version: { type: 'string' }, baseUrl: nullableString },
      },
      authSchemes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'type', 'description'],
          properties: { name: { type: 'string' }, type: { type: 'string' }, description: nullableString },
        },
      },
      operations: { type: 'array', items: ref('ImportOperation') },
      counts: {
        type: 'object',
        required: ['operations', 'importable', 'skipped', 'selected'],
        properties: {
          operations: { type: 'integer' },
          importable: { type: 'integer' },
          skipped: { type: 'integer' },
          selected: { type: 'integer' },
        },
      },
      existingPack: {
        type: ['object', 'null'],
        required: ['name', 'version', 'zones'],
        properties: {
          name: { type: 'string' },
          version: { type: 'string' },
          zones: { type: 'array', items: { type: 'string' } },
        },
      },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
  ImportDraftRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['source', 'operations'],
    properties: {
      source: ref('ImportSource'),
      operations: { type: 'array', minItems: 1, maxItems: 2000, items: operationEdit },
      zone: { type: 'string', minLength: 1, maxLength: 63, description: 'Add the pack to this zone.' },
      role: { ...role, description: 'Bind this role, over the pack’s tools, to these subjects.' },
      owner: {
        type: 'string',
        minLength: 1,
        maxLength: 256,
        description:
          'The pack’s owner (team or e-mail). Default: the committed pack’s owner, else the caller’s subject without its kind.',
      },
    },
  },
  ImportDraft: {
    type: 'object',
    required: ['pack', 'files', 'contractDiff', 'preview', 'warnings'],
    properties: {
      pack: {
        type: 'object',
        required: ['name', 'version', 'tools'],
        properties: { name: { type: 'string' }, version: { type: 'string' }, tools: { type: 'integer' } },
      },
      files: { type: 'array', items: ref('ChangeFile') },
      contractDiff: {
        type: ['string', 'null'],
        description:
          'Against the committed pack of that name (raku import openapi’s text); null for a new pack.',
      },
      preview: ref('ChangePreview'),
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
  ImportSuggestionsRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['source'],
    properties: {
      source: ref('ImportSource'),
      operations: {
        type: 'array',
        minItems: 1,
        maxItems: 2000,
        items: { type: 'string', minLength: 1, maxLength: 2100 },
        description: 'Operation ids to review; default the default selection.',
      },
    },
  },
  ImportSuggestions: {
    type: 'object',
    required: ['model', 'operations', 'role'],
    properties: {
      model: { type: 'string' },
      operations: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id'],
          properties: {
            id: { type: 'string' },
            selected: { type: 'boolean' },
            description: { type: 'string' },
            sensitive: { type: 'boolean' },
            reason: { type: 'string' },
          },
        },
      },
      role: {
        ...role,
        type: ['object', 'null'],
        description: 'Always null for now: the model suggests no role.',
      },
    },
  },
};
