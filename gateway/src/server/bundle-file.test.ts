import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBundle, readBundle, watchBundle } from './bundle-file.ts';

const minimal = {
  bundleVersion: 1,
  zone: 'dev',
  environment: 'dev',
  namespace: 'raku-dev',
  revision: 'abc',
  tools: [],
  routes: [],
  remotes: [],
  policies: { environment: 'dev', allows: [], denies: [], approvals: [], rateLimits: [] },
  auth: { groupsClaim: 'groups', agentClaim: 'agent' },
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('parseBundle', () => {
  it('accepts a version-1 bundle and returns its compiled policy', () => {
    const loaded = parseBundle('b.json', JSON.stringify(minimal));
    expect(loaded.bundle.zone).toBe('dev');
    expect(loaded.policy?.environment).toBe('dev');
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['not json', '{', 'b.json: not valid JSON'],
    [
      'another version',
      JSON.stringify({ ...minimal, bundleVersion: 3 }),
      'b.json: bundleVersion is 3; this gateway reads versions 1 and 2',
    ],
    ['a missing list', JSON.stringify({ ...minimal, routes: undefined }), 'b.json: routes must be an array'],
    [
      'a policy of another environment',
      JSON.stringify({ ...minimal, policies: { ...minimal.policies, environment: 'prod' } }),
      'b.json: policies must be the compiled policy of environment dev',
    ],
  ])('rejects %s with the file and field', (_what, text, message) => {
    expect(() => parseBundle('b.json', text)).toThrow(message);
  });

  it('names a bundle file it cannot read', async () => {
    await expect(readBundle('/nonexistent/bundle.json')).rejects.toThrow(
      'cannot read the gateway bundle /nonexistent/bundle.json: ENOENT',
    );
  });
});

describe('watchBundle', () => {
  it('reports each new valid version once and keeps the old one when the new file is invalid', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'raku-bundle-'));
    dirs.push(dir);
    const file = path.join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(minimal));
    const first = await readBundle(file);
    const seen: string[] = [];
    const errors: string[] = [];
    const stop = watchBundle(
      file,
      first.hash,
      (b) => seen.push(b.bundle.revision),
      (e) => errors.push(e.message),
      20,
    );
    try {
      writeFileSync(file, '{ broken');
      await waitFor(() => errors.length > 0);
      writeFileSync(file, JSON.stringify({ ...minimal, revision: 'def' }));
      await waitFor(() => seen.length > 0);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual(['def']);
      expect(errors[0]).toContain('not valid JSON');
    } finally {
      stop();
    }
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}
