import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExampleRepo, runRaku } from './repo-fixture.ts';

/** A kubeconfig for the dev zone's context, pointing at `server`. */
const kubeconfig = (server: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    'contexts: [{name: dev-cluster, context: {cluster: c, user: u}}]',
    'users: [{name: u, user: {token: t}}]',
    'current-context: dev-cluster',
    '',
  ].join('\n');

let repo: string;
let forbidding: Server;
/**
 * A port nothing listens on: below the ephemeral range a server on port 0 is given (and not one fetch refuses).
 * A port found free and closed could be bound by another test file's server before the CLI connects to it.
 */
const closedPort = 81;
beforeAll(async () => {
  repo = copyExampleRepo('raku-status-errors-');
  forbidding = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        message: 'deployments is forbidden: user "ci" cannot list',
        code: 403,
      }),
    );
  });
  await new Promise<void>((r) => forbidding.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await new Promise((r) => forbidding.close(r));
  rmSync(repo, { recursive: true, force: true });
});

const status = async (server: string) => {
  const file = path.join(repo, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, kubeconfig(server));
  return runRaku(['status', '-C', repo, '--zone', 'dev', '--revision', 'abc123', '--kubeconfig', file]);
};

describe('raku status when the cluster cannot be read', () => {
  it('reports an API server that refuses the credentials as one error: line, exit 1', async () => {
    const { port } = forbidding.address() as AddressInfo;
    const r = await status(`http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `error: zone dev: the Kubernetes API at http://127.0.0.1:${port} answered HTTP 403: deployments is forbidden: user "ci" cannot list (check the kubeconfig's credentials and their RBAC in the zone's namespace)\n`,
    );
  });

  it('reports an unreachable API server as one error: line naming it, exit 1', async () => {
    const r = await status(`http://127.0.0.1:${closedPort}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      new RegExp(
        `^error: zone dev: cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:${closedPort} \\(.*ECONNREFUSED.*\\); check the kubeconfig .*\\n$`,
      ),
    );
    expect(r.err).not.toMatch(/Error:|internal error/);
  });
});
