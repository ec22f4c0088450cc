/** A sigv4 pack's credentials reach its pack server as secret references, like every other auth kind's. */
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { validateRepo } from '../config/src/validate/validate-repo.ts';
import { renderZone } from '../render/src/generate/render-zone.ts';
import { exampleFiles } from './repo-fixture.ts';

describe('a sigv4 pack in generated manifests', () => {
  it('gets its access key id, secret access key and session token as secretKeyRef variables', () => {
    const files = exampleFiles().map((f) => {
      if (f.path !== 'packs/open-meteo/pack.yaml') return f;
      const doc = parseDocument(Buffer.from(f.bytes).toString('utf8'));
      doc.setIn(['upstream', 'auth'], {
        type: 'sigv4',
        region: 'eu-west-1',
        service: 'execute-api',
        accessKeyId: { secretRef: { name: 'meteo-aws', key: 'access-key-id' } },
        secretAccessKey: { secretRef: { name: 'meteo-aws', key: 'secret-access-key' } },
        sessionToken: { secretRef: { name: 'meteo-aws', key: 'session-token' } },
      });
      return { path: f.path, bytes: Buffer.from(doc.toString()) };
    });
    const { model, diagnostics } = validateRepo(files);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const manifests = [...renderZone(model, 'dev', { revision: 'local' })].find(
      ([file]) => file === 'pack-servers/open-meteo/manifests.yaml',
    )?.[1];
    for (const key of ['access-key-id', 'secret-access-key', 'session-token']) {
      const env = `RAKU_SECRET_METEO_AWS_${key.toUpperCase().replaceAll('-', '_')}`;
      expect(manifests).toContain(`name: ${env}`);
      expect(manifests).toMatch(new RegExp(`name: meteo-aws\\s+key: ${key}`));
    }
  });
});
