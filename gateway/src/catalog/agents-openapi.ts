/**
 * The agents section of the OpenAPI document (../admin/openapi.ts spreads it in): GET /v1/agents and its
 * schemas, held to ../admin/agent-routes.ts by the route-documentation test and the generated client.
 */

import { TENANT_FORBIDDEN, TENANT_PARAMETER } from './catalog-openapi.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullableString = { type: ['string', 'null'] };

export const AGENTS_PATHS = {
  '/v1/agents': {
    get: {
      summary:
        'The A2A agents of the bundle in use: each A2A pack’s reviewed card against the live one, its protocol versions, security scheme names and skills (any caller; non-admins see the agents whose skills policy shows them)',
      description:
        'Built from this gateway’s bundle and the card each agent served when the gateway last read it (at start, every 5 minutes and when a call finds it unread; this request never reads it). `status`: `reviewed` (the live card hashes to the reviewed `upstream.a2a.cardSha256`: the skills are served), `changed` (it does not: the skills are hidden and calls refused until the card is re-imported and reviewed), `unreachable` (it could not be read: hidden too), `unchecked` (not read yet). Security schemes are names and kinds only; a card carries no credential. Card URLs and read errors are shown to admins only.',
      parameters: [TENANT_PARAMETER],
      responses: {
        '200': { description: 'The agents', content: { 'application/json': { schema: ref('Agents') } } },
        '403': TENANT_FORBIDDEN,
        '401': {
          description: 'No or invalid bearer token.',
          content: { 'application/json': { schema: ref('Error') } },
        },
      },
    },
  },
} as const;

export const AGENTS_SCHEMAS = {
  Agents: {
    type: 'object',
    required: ['zone', 'revision', 'agents'],
    properties: {
      zone: { type: 'string' },
      revision: { type: 'string' },
      agents: { type: 'array', items: ref('Agent'), description: 'Sorted by pack name' },
    },
  },
  Agent: {
    type: 'object',
    required: [
      'pack',
      'version',
      'cardUrl',
      'reviewedSha256',
      'liveSha256',
      'status',
      'checkedAt',
      'error',
      'card',
      'skills',
    ],
    properties: {
      pack: { type: 'string' },
      version: { type: 'string', description: 'The version this gateway’s zone serves' },
      cardUrl: { ...nullableString, description: 'Where the reviewed card is published (admins only)' },
      reviewedSha256: { type: 'string', description: 'upstream.a2a.cardSha256 as reviewed' },
      liveSha256: { ...nullableString, description: 'The live card’s hash as last read' },
      status: { type: 'string', enum: ['reviewed', 'changed', 'unreachable', 'unchecked'] },
      checkedAt: { type: ['string', 'null'], format: 'date-time' },
      error: { ...nullableString, description: 'Why the card could not be read (admins only)' },
      card: {
        description: 'The live card as last read; null before a successful read',
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            required: ['name', 'protocolVersions', 'securitySchemes'],
            properties: {
              name: nullableString,
              protocolVersions: { type: 'array', items: { type: 'string' } },
              securitySchemes: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'kind'],
                  properties: { name: { type: 'string' }, kind: { type: 'string' } },
                },
              },
            },
          },
        ],
      },
      skills: {
        type: 'array',
        items: {
          type: 'object',
          required: ['tool', 'skill', 'title', 'description'],
          properties: {
            tool: { type: 'string', description: 'Exposed tool name (try it at POST /v1/tools/{tool}/call)' },
            skill: { type: 'string', description: 'The A2A skill id' },
            title: nullableString,
            description: { type: 'string' },
          },
        },
      },
    },
  },
} as const;
