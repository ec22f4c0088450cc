import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretEnvName } from '../config/src/model/names.ts';
import { parseBuildRecord } from '../release/src/build/build-record.ts';
import { RegistryClient } from '../release/src/build/registry-client.ts';
import { type LocalRegistry, startRegistry } from './helpers/local-registry.ts';
import { makeReleaseRepo, raku } from './helpers/release-repo.ts';
import { pushTestBaseImage } from './helpers/test-base-image.ts';

/** Where `raku build` finds registry credentials, against a registry with htpasswd auth. */
describe('raku build registry credentials', () => {
  let registry: LocalRegistry;
  let repo: { dir: string; revision: string };
  const auth = Buffer.from('ci:s3cret').toString('base64');
  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: { username: 'ci', password: 's3cret' } });
    const client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: 'ci', password: 's3cret' },
    });
    const base = await pushTestBaseImage(client, 'base/node');
    repo = await makeReleaseRepo({
      editZone: (name, zone) => {
        if (name !== 'dev') return;
        zone['registry'] = {
          host: registry.host,
          repository: 'acme/raku',
          insecure: true,
          credentials: { secretRef: { name: 'registry-push', key: '.dockerconfigjson' } },
        };
        zone['baseImages'] = { default: { image: `${registry.host}/base/node`, digest: base } };
      },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(repo.dir, { recursive: true, force: true });
  });
  const build = (env: Record<string, string>) =>
    raku(['-C', repo.dir, 'build', '--zone', 'dev', '--pack', 'petstore', '--push'], env);

  it('uses the zone credentials secret (a docker config.json in RAKU_SECRET_<NAME>_<KEY>)', async () => {
    const name = secretEnvName({ secretRef: { name: 'registry-push', key: '.dockerconfigjson' } });
    expect(name).toBe('RAKU_SECRET_REGISTRY_PUSH__DOCKERCONFIGJSON');
    const res = await build({ [name]: JSON.stringify({ auths: { [registry.host]: { auth } } }) });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const record = parseBuildRecord(
      await readFile(path.join(repo.dir, 'out/builds/dev.json'), 'utf8'),
      'dev.json',
    );
    expect(record.images['petstore']?.pushed).toBe(true);
  });

  it('uses a docker config.json from DOCKER_CONFIG when the secret is not set', async () => {
    const dir = path.join(repo.dir, 'docker-config');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ auths: { [`http://${registry.host}`]: { auth } } }),
    );
    const res = await build({ DOCKER_CONFIG: dir });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
  });

  it('uses RAKU_REGISTRY_USERNAME/PASSWORD, and reports a 401 for wrong ones', async () => {
    expect((await build({ RAKU_REGISTRY_USERNAME: 'ci', RAKU_REGISTRY_PASSWORD: 's3cret' })).code).toBe(0);
    const wrong = await build({ RAKU_REGISTRY_USERNAME: 'ci', RAKU_REGISTRY_PASSWORD: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401 Unauthorized/);
  });

  it('fails clearly on anonymous access and on a malformed secret', async () => {
    const anonymous = await build({});
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('authentication required and no credentials configured');
    const name = secretEnvName({ secretRef: { name: 'registry-push', key: '.dockerconfigjson' } });
    const bad = await build({ [name]: 'just-a-token' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `registry ${registry.host}: ${name}: must hold a docker config.json or "username:password"`,
    );
  });
});
