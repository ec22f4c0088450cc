/** A pack whose upstream is a fake API on 127.0.0.1, covering path, query, header and body arguments. */
import type { Pack } from '../../../generator/config/src/model/types.ts';

export function widgetsPack(baseUrl: string, overrides: Partial<Pack['upstream']> = {}): Pack {
  return {
    name: 'widgets',
    version: '1.0.0',
    description: 'Widgets of the test API.',
    owner: 'test',
    toolPrefix: 'widgets',
    upstream: {
      baseUrls: { dev: `${baseUrl}/api`, staging: `${baseUrl}/api`, prod: `${baseUrl}/api` },
      auth: { type: 'bearer', token: { secretRef: { name: 'widgets-api', key: 'token' } } },
      headers: { 'X-Client': 'raku' },
      timeoutMs: 2000,
      ...overrides,
    },
    tools: [
      {
        name: 'get_widget',
        description: 'Get one widget by id.',
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1 }, verbose: { type: 'boolean' } },
        },
        http: { method: 'GET', path: '/widgets/{id}' },
        annotations: { readOnlyHint: true, idempotentHint: true },
      },
      {
        name: 'list_widgets',
        description: 'List widgets.',
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          properties: {
            color: { type: 'string', enum: ['red', 'blue'] },
            limit: { type: 'integer', minimum: 1 },
          },
        },
        outputSchema: { type: 'object', properties: { items: { type: 'array' } } },
        http: { method: 'GET', path: '/widgets' },
        annotations: { readOnlyHint: true, idempotentHint: true },
      },
      {
        name: 'create_widget',
        description: 'Create a widget.',
        inputSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1 },
            request_id: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
          },
        },
        http: {
          method: 'POST',
          path: '/widgets',
          args: { request_id: { in: 'header', name: 'X-Request-Id' } },
          successStatus: [201],
        },
        annotations: { readOnlyHint: false, idempotentHint: false },
        sensitive: true,
      },
    ],
  };
}

export const WIDGETS_SECRET_ENV = 'RAKU_SECRET_WIDGETS_API_TOKEN';
