import { DEPLOYMENT_HEALTHS, type DeploymentRecordInput } from '@raku/config';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { checkBody } from './request-validation.ts';

// Every field of the record declared in @raku/config, optional ones included: a field added to the type and
// not here fails `tsc`; a field added to the OpenAPI schema and not to the type fails the key comparison below.
const full: Required<DeploymentRecordInput> = {
  zone: 'prod-eu',
  workload: 'github-issues',
  pack: 'github-issues',
  version: '1.2.0',
  imageDigest: `sha256:${'a'.repeat(64)}`,
  health: 'healthy',
  revision: 'abc123',
  detail: { desired: 2, ready: 2 },
};

describe('the Deployment record of the admin API', () => {
  const schema = OPENAPI_DOCUMENT.components.schemas.DeploymentInput;

  it('documents exactly the fields of the record declared in @raku/config', () => {
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(full).sort());
  });

  it('takes every health the record type allows, and nothing else', () => {
    expect(schema.properties.health.enum).toEqual([...DEPLOYMENT_HEALTHS]);
    for (const health of DEPLOYMENT_HEALTHS)
      expect(checkBody('DeploymentInput', { ...full, health })).toMatchObject({ ok: true });
    expect(checkBody('DeploymentInput', { ...full, health: 'fine' })).toMatchObject({ ok: false });
  });
});
