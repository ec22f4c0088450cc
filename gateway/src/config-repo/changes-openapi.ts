/**
 * The config repository and changes section of the OpenAPI document (../admin/openapi.ts spreads it in):
 * GET /v1/config-repository, POST /v1/changes/preview and POST /v1/changes, with their schemas. Request bodies
 * are checked against ChangeRequest (../admin/request-validation.ts); the path rules of a ChangeFile beyond
 * the schema are ./change-files.ts'.
 */
import { ENVIRONMENTS } from '@raku/config';
import { MAX_CHANGE_FILES } from './change-files.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const nullableString = { type: ['string', 'null'] };
const changeBody = {
  required: true,
  content: { 'application/json': { schema: ref('ChangeRequest') } },
};

export const CHANGE_PATHS = {
  '/v1/config-repository': {
    get: {
      summary:
        'The config repository the console proposes changes to: where it is, its base branch and revision, and whether pull requests can be opened (admin)',
      responses: {
        '200': {
          description: 'The config repository',
          content: { 'application/json': { schema: ref('ConfigRepositoryStatus') } },
        },
        '401': error('No or invalid bearer token.'),
        '403': error('Authenticated, but not allowed (admin role required).'),
        '404': error('This gateway has no config repository.'),
        '502': error('GitHub failed or refused the read (`github_error`; the message names the call).'),
      },
    },
  },
  '/v1/changes/preview': {
    post: {
      summary:
        'What a change to packs, zones or policies does, before a pull request: each file’s status, a patch git applies, the validation of the result and who gains or loses which tools (admin)',
      description:
        'The change’s files are laid over the base branch’s config as read now. Diagnostics are `raku validate`’s on the result, every file; `access` is `raku plan`’s access diff, every environment (empty when either side has errors). Nothing is written.',
      requestBody: changeBody,
      responses: {
        '200': {
          description: 'The preview',
          content: { 'application/json': { schema: ref('ChangePreview') } },
        },
        '400': error(
          'The body does not match ChangeRequest, or a file may not be changed (the message names `files[i]`: only packs/<name>/pack.yaml, zones/<name>.yaml, policies/<name>.yaml and tenants/<name>.yaml, at most 1 MiB each).',
        ),
        '401': error('No or invalid bearer token.'),
        '403': error('Authenticated, but not allowed (admin role required).'),
        '404': error('This gateway has no config repository.'),
        '413': error('The body is over 32 MiB (`payload_too_large`).'),
        '502': error('GitHub failed or refused the read (`github_error`).'),
      },
    },
  },
  '/v1/changes': {
    post: {
      summary:
        'Proposes a change as a pull request on the config repository: 201 when opened, 200 when the same change already has an open pull request (admin)',
      description:
        'The change is previewed first; one with error diagnostics is refused (`400 invalid_change` with `diagnostics`) and nothing is pushed. With `base` (what the preview showed), a file that differs on the base branch now is refused (`409 base_changed`). The change is validated and committed on the same base commit. The branch is `raku/console/<slug>-<hash12>` (slug of the title; hash of the base branch, title, description and files), so the same change proposed again finds the same pull request; another title or description is another pull request. An existing branch is reused only when its head’s tree is exactly this change on the base (or, after the base moved, on its head commit’s parent: a merge commit then brings it onto the new base); otherwise `409 branch_conflict`.',
      requestBody: changeBody,
      responses: {
        '200': {
          description: 'An open pull request of the same change existed',
          content: { 'application/json': { schema: ref('ChangePullRequest') } },
        },
        '201': {
          description: 'The pull request was opened',
          content: { 'application/json': { schema: ref('ChangePullRequest') } },
        },
        '400': {
          description:
            'The body does not match ChangeRequest or a file may not be changed (`bad_request`), or the changed config has errors or changes nothing (`invalid_change`, with `diagnostics`).',
          content: { 'application/json': { schema: ref('InvalidChangeError') } },
        },
        '401': error('No or invalid bearer token.'),
        '403': error('Authenticated, but not allowed (admin role required).'),
        '404': error('This gateway has no config repository.'),
        '409': error(
          'This gateway cannot open pull requests (`pull_requests_unavailable`; the message names the settings to set); a file of `base` differs on the base branch now (`base_changed`, naming the files: preview again); the base branch moved while the change was pushed (`base_moved`: send it again); or the change’s branch exists and holds something other than this change on the current base (`branch_conflict`, naming the branch: delete it). Nothing is pushed in any of these cases.',
        ),
        '413': error('The body is over 32 MiB (`payload_too_large`).'),
        '502': error(
          'GitHub failed or refused a call (`github_error`; the message names the call, GitHub’s status and what to fix).',
        ),
      },
    },
  },
} as const;

export const CHANGE_SCHEMAS = {
  ConfigRepositoryStatus: {
    type: 'object',
    required: ['source', 'location', 'branch', 'revision', 'pullRequests'],
    properties: {
      source: { enum: ['local', 'github'] },
      location: { type: 'string', description: 'A local folder, or owner/name on GitHub.' },
      branch: { type: 'string', description: 'The base branch changes are proposed against ("" if none).' },
      revision: {
        ...nullableString,
        description:
          'The commit the config was read at, "working-tree" for an uncommitted local checkout, null when it could not be read.',
      },
      pullRequests: {
        type: 'object',
        required: ['enabled', 'reason'],
        properties: {
          enabled: { type: 'boolean' },
          reason: { ...nullableString, description: 'Why not, naming the settings to set.' },
          repository: {
            type: 'string',
            description: 'When enabled: the GitHub repository (owner/name) pull requests open on.',
          },
          branch: { type: 'string', description: 'When enabled: their base branch.' },
        },
      },
    },
  },
  ChangeFile: {
    type: 'object',
    required: ['path', 'content'],
    additionalProperties: false,
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        maxLength: 300,
        description:
          'Repository-relative: packs/<name>/pack.yaml, zones/<name>.yaml, policies/<name>.yaml or tenants/<name>.yaml (.yml too).',
      },
      content: {
        ...nullableString,
        description: 'The whole new content (UTF-8, ≤ 1 MiB); null deletes the file.',
      },
    },
  },
  ChangeRequest: {
    type: 'object',
    required: ['title', 'files'],
    additionalProperties: false,
    properties: {
      title: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description:
          'One line: no line breaks or other control characters (400 naming `title`). The pull request’s title and the commit’s first line.',
      },
      description: { type: 'string', maxLength: 20_000 },
      files: { type: 'array', minItems: 1, maxItems: MAX_CHANGE_FILES, items: ref('ChangeFile') },
      base: {
        type: 'object',
        maxProperties: MAX_CHANGE_FILES,
        additionalProperties: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' },
        description:
          'What each changed file was when the person saw it: path → `beforeSha256` of the preview (sha-256, hex, of the UTF-8 text; null: the file did not exist). POST /v1/changes answers `409 base_changed` naming the files that differ on the base branch now. Without it, the change’s whole files are written over whatever the base holds (scripts that do not preview).',
      },
    },
  },
  Diagnostic: {
    type: 'object',
    required: ['file', 'line', 'column', 'path', 'rule', 'message', 'severity'],
    properties: {
      file: { type: 'string' },
      line: { type: 'integer', description: '1-based; 0 for the whole file.' },
      column: { type: 'integer', description: '1-based; 0 for the whole file.' },
      path: { type: 'string', description: 'Dotted path of the field, e.g. tools[2].http.path.' },
      rule: { type: 'string' },
      message: { type: 'string' },
      severity: { enum: ['error', 'warning'] },
    },
  },
  AccessChange: {
    type: 'object',
    description: 'One row of `raku plan`’s access diff.',
    required: ['environment', 'subject', 'tool', 'change', 'zones'],
    properties: {
      tenant: {
        type: 'string',
        description:
          "The tenant whose callers gain or lose the access ('default': callers of no tenant); absent when neither side of the change has tenants.",
      },
      environment: { enum: [...ENVIRONMENTS] },
      subject: { type: 'string', description: "As written in the policies: 'user:…', 'group:…', '*'." },
      tool: { type: 'string' },
      change: { enum: ['gained', 'lost', 'conditions-changed'] },
      before: {
        type: 'string',
        description: 'The access before, e.g. "allowed if args.owner == \\"acme\\"".',
      },
      after: { type: 'string' },
      zones: { type: 'array', items: { type: 'string' } },
    },
  },
  ChangePreview: {
    type: 'object',
    required: ['baseRevision', 'files', 'patch', 'diagnostics', 'valid', 'access'],
    properties: {
      baseRevision: { type: 'string' },
      files: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'status', 'before', 'after', 'beforeSha256'],
          properties: {
            path: { type: 'string' },
            status: { enum: ['added', 'modified', 'deleted', 'unchanged'] },
            before: nullableString,
            after: nullableString,
            beforeSha256: {
              ...nullableString,
              description:
                'sha-256 (hex) of `before`’s UTF-8 text, null when the file does not exist: send it back as ChangeRequest.base[path].',
            },
          },
        },
      },
      patch: {
        type: 'string',
        description:
          'Unified diff (diff --git, a/ b/ prefixes) of the changed files; `git apply` takes it from the repository root.',
      },
      diagnostics: { type: 'array', items: ref('Diagnostic') },
      valid: { type: 'boolean', description: 'No error diagnostic.' },
      access: { type: 'array', items: ref('AccessChange') },
    },
  },
  ChangePullRequest: {
    type: 'object',
    required: ['number', 'url', 'branch', 'headSha', 'created'],
    properties: {
      number: { type: 'integer' },
      url: { type: 'string' },
      branch: { type: 'string' },
      headSha: { type: 'string' },
      created: {
        type: 'boolean',
        description: 'False when an open pull request of the same change existed.',
      },
    },
  },
  InvalidChangeError: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          diagnostics: { type: 'array', items: ref('Diagnostic') },
        },
      },
    },
  },
} as const;
