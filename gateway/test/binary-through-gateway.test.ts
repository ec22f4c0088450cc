/**
 * A binary answer crosses the whole path unchanged: agent → gateway (JWT, policy, trace) → pack server →
 * upstream answering a PDF and a PNG, back as an embedded resource and image content, for both protocol
 * revisions; and a form body sent through the gateway arrives form-encoded.
 */
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pack } from '../../generator/config/src/model/types.ts';
import { type GatewayStack, startGatewayStack } from './helpers/gateway-stack.ts';
import { connectClient, ERAS } from './helpers/mcp-client.ts';
import { widgetsPack } from './helpers/test-pack.ts';

const PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function packWithFiles(upstreamUrl: string): Pack {
  const pack = widgetsPack(upstreamUrl);
  const id = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
  pack.tools.push(
    {
      name: 'get_scan',
      description: 'A scan as PDF.',
      inputSchema: id,
      http: { method: 'GET', path: '/scans/{id}' },
    },
    {
      name: 'get_thumbnail',
      description: 'A thumbnail as PNG.',
      inputSchema: id,
      http: { method: 'GET', path: '/thumbnails/{id}' },
    },
    {
      name: 'get_by_form',
      description: 'A lookup that takes a form body.',
      inputSchema: { type: 'object', properties: { q: { type: 'string' }, tags: { type: 'array' } } },
      http: { method: 'POST', path: '/lookup', body: 'form' },
    },
  );
  return pack;
}

let stack: GatewayStack;
let token: string;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startGatewayStack({ database: 'Postgres', approvalWaitMs: 200, pack: packWithFiles });
  const send = (type: string, body: Buffer) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    res.end(body);
  };
  stack.upstream.routes.set('GET /api/scans/s1', send('application/pdf', PDF));
  stack.upstream.routes.set('GET /api/thumbnails/s1', send('image/png', PNG));
  stack.upstream.routes.set('POST /api/lookup', send('application/json', Buffer.from('{"found":1}')));
  token = await stack.issuer.sign({ sub: 'eve', groups: ['engineering'] });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await stack?.close();
});

describe.each(ERAS)('binary answers through the gateway (%s client)', (era) => {
  async function call(name: string, args: Record<string, unknown>) {
    const client = await connectClient(stack.gateway.url, era, token);
    clients.push(client);
    return client.callTool({ name, arguments: args });
  }

  it('returns a PDF as an embedded resource holding the same bytes', async () => {
    const result = await call('widgets.get_scan', { id: 's1' });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([
      {
        type: 'resource',
        resource: {
          uri: 'raku://widgets/get_scan/response',
          mimeType: 'application/pdf',
          blob: PDF.toString('base64'),
        },
      },
    ]);
  });

  it('returns a PNG as image content', async () => {
    const result = await call('widgets.get_thumbnail', { id: 's1' });
    expect(result.content).toEqual([{ type: 'image', mimeType: 'image/png', data: PNG.toString('base64') }]);
  });

  it('sends a form body upstream', async () => {
    stack.upstream.requests.length = 0;
    const result = await call('widgets.get_by_form', { q: 'a b', tags: ['x', 'y'] });
    expect(result.structuredContent).toEqual({ found: 1 });
    const sent = stack.upstream.requests.find((r) => r.url === '/api/lookup');
    expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(sent?.body).toBe('q=a+b&tags=x&tags=y');
  });
});
