import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'raku-generate-action-'));
const env = { ...process.env };
afterAll(() => {
  process.env = env;
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('the generate action', () => {
  it('renders every zone into the output folder and reports its path and file count', async () => {
    for (const d of ['packs', 'zones', 'policies', 'tenants'])
      cpSync(path.join(REPO_ROOT, d), path.join(dir, 'repo', d), { recursive: true });
    const output = path.join(dir, 'output.txt');
    writeFileSync(output, '');
    writeFileSync(path.join(dir, 'summary.md'), '');
    Object.assign(process.env, {
      GITHUB_WORKSPACE: path.join(dir, 'repo'),
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
      INPUT_PATH: '.',
      INPUT_OUT: 'gitops',
      INPUT_REVISION: 'abc123',
      INPUT_ZONES: 'dev, prod',
    });
    await import('../src/main.ts');
    expect(process.exitCode ?? 0).toBe(0);
    const outputs = readFileSync(output, 'utf8');
    expect(outputs).toContain(path.join(dir, 'repo', 'gitops'));
    // prod 12 files, monitoring included; dev 16 (also its two tenants' CRM pack servers, 2 files each)
    expect(outputs).toMatch(/files<<[^\n]+\n28\n/);
    expect(readFileSync(path.join(dir, 'repo/gitops/prod/kustomization.yaml'), 'utf8')).toContain(
      'namespace: raku',
    );
    expect(readFileSync(path.join(dir, 'summary.md'), 'utf8')).toContain('Raku generate');
  });
});
