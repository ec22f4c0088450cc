import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter } from '../../src/admin/admin-router.ts';
import type { AdminDeps } from '../../src/admin/types.ts';
import { authorize } from '../helpers/admin-callers.ts';

let server: ReturnType<express.Express['listen']>;
let base: string;

beforeAll(async () => {
  // The import routes use none of the stores: they are left out (no config repository either).
  const deps = { authorize, routes: () => ({}) } as unknown as AdminDeps;
  const app = express();
  app.use(createAdminRouter(deps));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function post(path: string, token: string, body: string) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
}

const PETSTORE = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Pets', version: '1' },
  servers: [{ url: 'https://pets.example.com' }],
  paths: { '/pets': { get: { operationId: 'listPets', responses: { '200': { description: 'ok' } } } } },
});

describe('import routes access', () => {
  it('are for admins only', async () => {
    const caps = await fetch(`${base}/v1/imports/capabilities`, {
      headers: { authorization: 'Bearer reader-token' },
    });
    expect(caps.status).toBe(403);
    for (const route of ['analysis', 'draft', 'suggestions']) {
      const res = await post(
        `/v1/imports/openapi/${route}`,
        'reader-token',
        JSON.stringify({ document: PETSTORE }),
      );
      expect(res.status).toBe(403);
      expect(res.json.error?.message).toBe('user:mia does not hold the admin role');
    }
  });

  it("check the caller before reading the body: a non-admin's malformed body is a 403", async () => {
    expect((await post('/v1/imports/openapi/analysis', 'reader-token', '{"document": ')).status).toBe(403);
    expect((await post('/v1/imports/openapi/analysis', 'nobody', '{"document": ')).status).toBe(401);
    const admin = await post('/v1/imports/openapi/analysis', 'admin-token', '{"document": ');
    expect(admin.status).toBe(400);
  });

  it('analyse without a config repository (no existing pack), but draft only with one', async () => {
    const analysis = await post(
      '/v1/imports/openapi/analysis',
      'admin-token',
      JSON.stringify({ document: PETSTORE }),
    );
    expect(analysis.status).toBe(200);
    expect(analysis.json).toMatchObject({ pack: { name: 'pets' }, existingPack: null });
    const draft = await post(
      '/v1/imports/openapi/draft',
      'admin-token',
      JSON.stringify({ source: { document: PETSTORE }, operations: [{ id: 'GET /pets' }] }),
    );
    expect(draft.status).toBe(404);
    expect(draft.json.error?.message).toBe('this gateway has no config repository to draft a change on');
  });
});
