/**
 * The policy explorer's endpoints served over real HTTP for the tests of this folder: the admin router as
 * persistence wires it (scratch Postgres), one gateway reading a git copy of this repository's config (local
 * config repository) and one with only its dev bundle. Call `useExplorer()` at the top of a test file.
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll } from 'vitest';
import { readRepoFiles } from '../../../generator/config/src/fs/read-repo.ts';
import { loadRepo } from '../../../generator/config/src/load/load-repo.ts';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import type { Schema } from '../../client/src/index.ts';
import { localConfigRepository } from '../../src/config-repo/local-config-repository.ts';
import { openPersistence, type Persistence } from '../../src/server/persistence.ts';
import { configCopy } from '../config-repo/config-copy.ts';
import { authorize } from '../helpers/admin-callers.ts';
import { createTestDatabase, type TestDatabase } from '../persistence/helpers/test-database.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const REV = `sha256:${'d'.repeat(64)}`;

/** The answers, as the OpenAPI document types them (errors share the same shape). */
export type Answer = Schema<'PolicyOverview'> &
  Schema<'PolicyAccessMatrix'> &
  Schema<'PolicyDecisionTrace'> &
  Schema<'Error'>;

export interface Explorer {
  /** The git checkout the repository-backed gateway reads (tests may edit it, and put it back). */
  checkout: string;
  bundle: GatewayBundle;
  persistence: Persistence;
  /** Base URL of the gateway reading the config repository. */
  withRepo: string;
  /** Base URL of the gateway with only its bundle. */
  bundleOnly: string;
  /** Serves another admin router, closed after the file's tests. */
  serve(router: express.Router): Promise<string>;
}

/** Starts the two gateways before the file's tests and stops them after; the fields are set in beforeAll. */
export function useExplorer(prefix: string): Explorer {
  const servers: ReturnType<express.Express['listen']>[] = [];
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  const explorer = {
    async serve(router: express.Router): Promise<string> {
      const app = express();
      app.use(router);
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  } as Explorer;

  beforeAll(async () => {
    explorer.bundle = buildBundle(loadRepo(await readRepoFiles(ROOT)).model, 'dev', { revision: REV });
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), `${prefix}data-`));
    explorer.checkout = configCopy(`${prefix}config-`);
    explorer.persistence = await openPersistence({ databaseUrl: database.url, dataDir, log: () => {} });
    const bundle = () => explorer.bundle;
    explorer.withRepo = await explorer.serve(
      explorer.persistence.adminRouter({
        authorize,
        routes: () => ({}),
        bundle,
        configRepository: localConfigRepository(explorer.checkout),
      }),
    );
    explorer.bundleOnly = await explorer.serve(
      explorer.persistence.adminRouter({ authorize, routes: () => ({}), bundle }),
    );
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await explorer.persistence?.close();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (explorer.checkout) rmSync(explorer.checkout, { recursive: true, force: true });
  });
  return explorer;
}

/** A request to the admin API as the admin (or `token`); the status and the JSON answer. */
export async function call(
  base: string,
  method: string,
  url: string,
  body?: unknown,
  token = 'admin-token',
): Promise<{ status: number; body: Answer }> {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

/** The 1-based line of the first line of `file` (in `checkout`) containing `text`. */
export function lineIn(checkout: string, file: string, text: string): number {
  const lines = readFileSync(path.join(checkout, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}
