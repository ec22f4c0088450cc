/**
 * The policy explorer's section of the OpenAPI document (../admin/openapi.ts spreads it in): GET /v1/policies,
 * GET /v1/policies/access and POST /v1/policies/simulate, with their schemas. The simulate body is validated
 * against PolicySimulation (checkBody). Each takes a tenant (default IMPLICIT_TENANT) and each rule names its
 * tenant (null: organisation-wide).
 */
import { ENVIRONMENTS } from '@raku/config';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});
const json = (schema: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
});
const strings = { type: 'array', items: { type: 'string' } };
const nullableString = { type: ['string', 'null'] };
const ruleTenant = {
  ...nullableString,
  description:
    "The tenant of the rule's policy: the rule applies only to calls made in it. null: an organisation-wide policy's rule, applying in every tenant.",
};
const line = {
  type: ['integer', 'null'],
  minimum: 1,
  description: "The rule's 1-based line in `file`; null when read from the bundle (bundles carry no lines).",
};
const environmentParameter = {
  name: 'environment',
  in: 'query',
  schema: { type: 'string', enum: [...ENVIRONMENTS] },
  description: "Default: the gateway's own environment (dev without a bundle).",
};
const tenantDescription =
  "The tenant the call is made in (docs/tenancy.md): its view of the tools, the organisation's rules and its own. Default 'default', the implicit tenant: callers of no tenant, and everyone in a repository without tenants/.";
const tenantParameter = {
  name: 'tenant',
  in: 'query',
  schema: { type: 'string', maxLength: 200 },
  description: `${tenantDescription} One of \`tenants\`; another is a 400.`,
};
const tenantFields = {
  tenant: { type: 'string', description: tenantDescription },
  tenants: {
    ...strings,
    description:
      "The tenants that can be chosen: 'default', then the repository's tenants by name ('default' alone without tenants/).",
  },
};
const sourceFields = {
  source: {
    type: 'string',
    enum: ['repository', 'bundle'],
    description:
      "'repository': read from the config repository (every environment, file:line). 'bundle': this gateway has no config repository; its bundle's compiled policy (its environment only, no lines).",
  },
  note: {
    ...nullableString,
    description:
      "Why the answer is partial, else null: source 'bundle', or a config repository with errors (the policy files that do not load are neither shown nor applied).",
  },
  revision: {
    ...nullableString,
    description:
      "The config repository's commit ('working-tree' for an uncommitted local checkout) or the bundle's revision.",
  },
};
const common = ['source', 'note', 'environment', 'revision'];
const environment = { type: 'string', enum: [...ENVIRONMENTS] };
const admin = {
  '401': error('No or invalid bearer token.'),
  '403': error(
    'Authenticated, but neither an organisation admin (the admin role: every tenant) nor an admin of a tenant (its tenants and the organisation-wide policies only).',
  ),
  '404': error(
    'This gateway has neither a config repository nor a bundle, or (a tenant admin) none of the tenants the caller administers is defined.',
  ),
  '409': error(
    'The policies in the config repository do not compile (code invalid_config; `raku validate` says why).',
  ),
  '502': error(
    'Reading the config repository on GitHub failed (github_error: the call, its status, what to fix).',
  ),
};

export const POLICIES_PATHS = {
  '/v1/policies': {
    get: {
      summary:
        'The policies of one environment: roles, bindings (allows), denies, approvals and rate limits, each with its file and line (admin)',
      description:
        'Compiled as the gateway compiles them (`compilePolicies`): only the rules that apply in the environment, in decision order. Read from the config repository at each request when the gateway has one, else from its bundle (`source`).',
      parameters: [environmentParameter, tenantParameter],
      responses: {
        '200': json('PolicyOverview', 'The policies'),
        '400': error(
          'Unknown environment or tenant, or an environment the bundle does not hold (the message names it).',
        ),
        ...admin,
      },
    },
  },
  '/v1/policies/access': {
    get: {
      summary:
        'Who may call what in one environment and tenant: subjects (as the policies name them) × the tools of the tenant’s view, from the same accessMatrix engine as `raku policy access --tenant` and `raku plan` (admin)',
      description:
        'Only the organisation-wide rules and the tenant’s own count: another tenant’s bindings grant nothing here and its denies take nothing away.',
      parameters: [environmentParameter, tenantParameter],
      responses: {
        '200': json('PolicyAccessMatrix', 'The access matrix'),
        '400': error(
          'Unknown environment or tenant, or an environment the bundle does not hold (the message names it).',
        ),
        ...admin,
      },
    },
  },
  '/v1/policies/simulate': {
    post: {
      summary:
        'Simulates a tool call: the decision the gateway would make, the deciding rule and every rule that matched or failed, with the reason (admin)',
      description:
        'The decision is `decide`’s (the gateway’s own engine, as `raku policy check --tenant`) for a call made in `tenant`, with every deny, allow, approval and rate-limit rule of the environment listed: matched or not, and why not (another tenant’s rule, tool pattern, subject, a condition with the value seen). Nothing is called and nothing is counted against a rate limit.',
      requestBody: { required: true, content: { 'application/json': { schema: ref('PolicySimulation') } } },
      responses: {
        '200': json('PolicyDecisionTrace', 'The decision and every rule considered'),
        '400': error(
          'Invalid body, unknown environment or tenant, or a tool the tenant’s view of the environment does not have (the message names it).',
        ),
        ...admin,
      },
    },
  },
};

const ruleAt = { tenant: ruleTenant, file: { type: 'string' }, line };

export const POLICIES_SCHEMAS = {
  PolicyOverview: {
    type: 'object',
    required: [
      ...common,
      'environments',
      'tenant',
      'tenants',
      'files',
      'roles',
      'allows',
      'denies',
      'approvals',
      'rateLimits',
      'tools',
    ],
    properties: {
      ...sourceFields,
      environment,
      environments: { type: 'array', items: environment, description: 'The environments that can be shown.' },
      ...tenantFields,
      files: {
        type: 'array',
        items: {
          type: 'object',
          required: ['path', 'policy', 'tenant', 'content'],
          properties: {
            path: { type: 'string' },
            tenant: {
              ...nullableString,
              description: "The policy's tenant; null: organisation-wide, or a file that does not load.",
            },
            policy: {
              ...nullableString,
              description: 'The policy’s name; null when the file does not load (see `note`).',
            },
            content: {
              ...nullableString,
              description: 'The file’s YAML text (the Edit tab starts from it); null from a bundle.',
            },
          },
        },
      },
      roles: {
        type: 'array',
        items: {
          type: 'object',
          required: ['policy', 'name', 'description', 'tools', 'tenant', 'file', 'line'],
          properties: {
            policy: { type: 'string' },
            name: { type: 'string' },
            description: nullableString,
            tools: { ...strings, description: 'Tool patterns.' },
            ...ruleAt,
          },
        },
      },
      allows: {
        type: 'array',
        description: 'One per binding that applies in the environment, with its role’s tool patterns.',
        items: {
          type: 'object',
          required: ['id', 'policy', 'role', 'tools', 'subjects', 'conditions', 'tenant', 'file', 'line'],
          properties: {
            id: { type: 'string', description: '`<policy>/bindings[<index>]`' },
            policy: { type: 'string' },
            role: { type: 'string' },
            tools: strings,
            subjects: strings,
            conditions: {
              ...strings,
              description: 'Each condition as text (`args.owner == "acme"`); all must hold.',
            },
            ...ruleAt,
          },
        },
      },
      denies: {
        type: 'array',
        items: {
          type: 'object',
          required: [
            'id',
            'policy',
            'name',
            'description',
            'tools',
            'subjects',
            'conditions',
            'tenant',
            'file',
            'line',
          ],
          properties: {
            id: { type: 'string' },
            policy: { type: 'string' },
            name: { type: 'string' },
            description: nullableString,
            tools: strings,
            subjects: strings,
            conditions: strings,
            ...ruleAt,
          },
        },
      },
      approvals: {
        type: 'array',
        items: {
          type: 'object',
          required: [
            'id',
            'policy',
            'name',
            'tools',
            'approvers',
            'timeoutSeconds',
            'tenant',
            'file',
            'line',
          ],
          properties: {
            id: { type: 'string' },
            policy: { type: 'string' },
            name: { type: 'string' },
            tools: strings,
            approvers: strings,
            timeoutSeconds: { type: 'integer' },
            ...ruleAt,
          },
        },
      },
      rateLimits: {
        type: 'array',
        items: {
          type: 'object',
          required: [
            'id',
            'policy',
            'name',
            'subjects',
            'tools',
            'limit',
            'windowSeconds',
            'tenant',
            'file',
            'line',
          ],
          properties: {
            id: { type: 'string' },
            policy: { type: 'string' },
            name: { type: 'string' },
            subjects: strings,
            tools: strings,
            limit: { type: 'integer' },
            windowSeconds: { type: 'integer' },
            ...ruleAt,
          },
        },
      },
      tools: {
        ...strings,
        description:
          'The tools of the tenant’s view of the environment: its own packs’ and the shared ones it is granted (as `raku policy access --tenant` lists them). What the simulator may call in the tenant.',
      },
    },
  },
  PolicyAccessMatrix: {
    type: 'object',
    required: [...common, 'environments', 'tenant', 'tenants', 'subjects', 'tools', 'cells'],
    properties: {
      ...sourceFields,
      environment,
      environments: { type: 'array', items: environment },
      ...tenantFields,
      subjects: {
        ...strings,
        description:
          'Every subject string the bindings applying in the tenant name (organisation-wide or its own).',
      },
      tools: { ...strings, description: 'Every tool of the tenant’s view of the environment.' },
      cells: {
        type: 'array',
        description:
          'One per subject and tool some binding grants, sorted by subject then tool. A pair without a cell: no binding grants it.',
        items: ref('PolicyAccessCell'),
      },
    },
  },
  PolicyAccessCell: {
    type: 'object',
    required: ['subject', 'tool', 'access', 'summary', 'rule', 'grants', 'denies', 'approval'],
    properties: {
      subject: { type: 'string' },
      tool: { type: 'string' },
      access: {
        type: 'string',
        enum: ['allow', 'approval', 'conditional', 'deny'],
        description:
          "'allow': unconditionally; 'approval': unconditionally, after an approval; 'conditional': only when conditions hold, or a deny may cut in; 'deny': granted, but an unconditional deny removes it.",
      },
      summary: { type: 'string', description: 'As `raku policy access` prints it.' },
      rule: {
        type: 'string',
        description:
          'The first granting rule, or for access deny the deny, or sensitive-without-approval (a sensitive tool no approval rule covers: the gateway refuses it whatever policy grants)',
      },
      grants: {
        type: 'array',
        items: {
          type: 'object',
          required: ['rule', 'role', 'conditions'],
          properties: { rule: { type: 'string' }, role: { type: 'string' }, conditions: strings },
        },
      },
      denies: {
        type: 'array',
        items: {
          type: 'object',
          required: ['rule', 'subjects', 'conditions'],
          properties: { rule: { type: 'string' }, subjects: strings, conditions: strings },
        },
      },
      approval: nullableString,
    },
  },
  PolicySimulation: {
    type: 'object',
    additionalProperties: false,
    required: ['subject', 'tool', 'environment'],
    properties: {
      subject: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 256 },
          kind: {
            type: 'string',
            enum: ['user', 'agent', 'service', 'anonymous'],
            description: 'Only users and agents are subjects of policies: other kinds are denied every call.',
          },
          groups: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 256 } },
          claims: {
            type: 'object',
            additionalProperties: true,
            description: 'Token claims conditions read as `claims.<name>`.',
          },
        },
      },
      tool: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: 'An exposed tool name of the tenant’s view of the environment.',
      },
      arguments: {
        type: 'object',
        additionalProperties: true,
        description: 'The call’s arguments (conditions read `args.<path>`). Default {}.',
      },
      environment: { type: 'string', enum: [...ENVIRONMENTS] },
      tenant: { type: 'string', minLength: 1, maxLength: 200, description: tenantDescription },
      time: {
        type: 'string',
        maxLength: 40,
        description:
          'When the call is made, an RFC 3339 date-time such as 2026-12-04T09:30:00Z (conditions on time.hour/time.weekday read it in UTC). Default now.',
      },
    },
  },
  PolicyDecision: {
    type: 'object',
    required: ['allowed', 'effect', 'rule', 'reason'],
    properties: {
      allowed: { type: 'boolean' },
      effect: { type: 'string', enum: ['allow', 'deny'] },
      rule: {
        type: 'string',
        description: "The deciding rule's id, 'default-deny' (nothing allowed it) or 'environment-mismatch'.",
      },
      reason: { type: 'string' },
      approval: {
        type: 'object',
        required: ['rule', 'approvers', 'timeoutSeconds'],
        properties: { rule: { type: 'string' }, approvers: strings, timeoutSeconds: { type: 'integer' } },
      },
      rateLimit: {
        type: 'object',
        required: ['rule', 'limit', 'windowSeconds'],
        properties: {
          rule: { type: 'string' },
          limit: { type: 'integer' },
          windowSeconds: { type: 'integer' },
        },
      },
    },
  },
  PolicyDecisionTrace: {
    type: 'object',
    required: [...common, 'tenant', 'time', 'decision', 'rules'],
    properties: {
      ...sourceFields,
      environment,
      tenant: { type: 'string', description: tenantDescription },
      time: { type: 'string', format: 'date-time', description: 'The time the call was decided at.' },
      decision: ref('PolicyDecision'),
      rules: {
        type: 'array',
        description:
          'Every rule of the environment: denies, allows, approvals, rate limits, each in decision order. Another tenant’s rule is listed as not matching, its reason saying it applies only to calls in that tenant.',
        items: {
          type: 'object',
          required: ['id', 'kind', 'tenant', 'file', 'line', 'matched', 'reason'],
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', enum: ['allow', 'deny', 'approval', 'rateLimit'] },
            ...ruleAt,
            matched: {
              type: 'boolean',
              description:
                'The rule matched the call on its own terms (tool, subject, conditions); the deciding rule is `decision.rule`.',
            },
            reason: { type: 'string' },
          },
        },
      },
    },
  },
};
