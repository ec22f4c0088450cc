import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeKubeApi,
  startFakeKubeApi,
  workloadObjects,
} from '../../../generator/test/helpers/fake-kube-api.ts';
import { makeReleaseRepo, REPO_ROOT } from '../../../generator/test/helpers/release-repo.ts';

const run = promisify(execFile);
const NS = 'raku-dev';
const NAMES = [
  'github-issues-mcp',
  'open-meteo-mcp',
  'payments-crm-mcp',
  'petstore-mcp',
  'raku-gateway',
  'support-crm-mcp',
];

/** Runs the committed bundle (dist/index.mjs) the way the runner does: inputs as INPUT_* variables, files for outputs. */
async function runAction(dir: string, inputs: Record<string, string>) {
  const output = path.join(dir, 'github-output');
  const summary = path.join(dir, 'step-summary');
  await writeFile(output, '');
  await writeFile(summary, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: '/nonexistent',
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: dir,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const result = await run(process.execPath, [path.join(REPO_ROOT, 'actions/status/dist/index.mjs')], {
    env,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
  return { ...result, outputs: await readFile(output, 'utf8'), summary: await readFile(summary, 'utf8') };
}

describe('actions/status (bundled)', () => {
  let repo: { dir: string; revision: string };
  let kube: FakeKubeApi;
  beforeAll(async () => {
    repo = await makeReleaseRepo({});
    const objects = NAMES.map((name) =>
      workloadObjects({
        name,
        namespace: NS,
        image: `ghcr.io/acme/raku/x@sha256:${'a'.repeat(64)}`,
        revision: repo.revision,
      }),
    );
    kube = await startFakeKubeApi(NS, {
      deployments: objects.map((o) => o.deployment),
      pods: objects.flatMap((o) => o.pods),
      events: [],
      readyz: { status: 200, body: '{"status":"ready"}' },
    });
  });
  afterAll(async () => {
    await kube?.close();
    await rm(repo.dir, { recursive: true, force: true });
  });
  const inputs = () => ({
    path: '.',
    zones: 'dev',
    kubeconfig: kube.kubeconfig('dev-cluster'),
    wait: 'false',
    timeout: '10m',
    output: 'status',
    'admin-url': '',
    'admin-token': '',
  });

  it('publishes healthy=true, the health JSON and a job summary', async () => {
    const res = await runAction(repo.dir, inputs());
    expect(res.stdout).not.toContain('::error::');
    expect(res.code).toBe(0);
    expect(res.outputs).toMatch(/^healthy<<.*\ntrue\n/m);
    expect(res.summary).toContain('<h2>Raku status</h2>');
    expect(res.summary).toContain('petstore-mcp');
    expect(JSON.parse(await readFile(path.join(repo.dir, 'status/dev.json'), 'utf8'))).toMatchObject({
      zone: 'dev',
      healthy: true,
    });
    // The kubeconfig (a secret) is masked in the log.
    expect(res.stdout).toContain('::add-mask::');
  });

  it('fails the step with healthy=false when the gateway is not ready', async () => {
    kube.state.readyz = { status: 503, body: '{"status":"not ready"}' };
    const res = await runAction(repo.dir, inputs());
    expect(res.code).toBe(1);
    expect(res.outputs).toMatch(/^healthy<<.*\nfalse\n/m);
    expect(res.stdout).toContain('::error::unhealthy: dev');
  });
});
