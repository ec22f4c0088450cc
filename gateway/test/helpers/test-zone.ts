/**
 * The config model of the gateway tests: the widgets pack, a dev zone with a third-party fallback, and a
 * policy exercising roles, a conditional deny, an approval and a rate limit. The bundle comes from the real
 * buildBundle; only the in-cluster URLs are pointed at the local servers.
 */

import type { Pack, Policy, RepoModel, Zone } from '../../../generator/config/src/model/types.ts';
import { compilePolicies } from '../../../generator/policy/src/compile.ts';
import type { CompiledPolicy } from '../../../generator/policy/src/types.ts';
import { buildBundle } from '../../../generator/render/src/bundle/build-bundle.ts';
import type { GatewayBundle } from '../../../generator/render/src/bundle/types.ts';
import { hashOf } from './third-party-server.ts';

export const REMOTE_SECRET_ENV = 'RAKU_SECRET_PARTNER_TOKEN_TOKEN';

export const TEST_POLICY: Policy = {
  name: 'test',
  roles: [
    { name: 'reader', tools: ['widgets.get_*', 'widgets.list_*', 'partner.*'] },
    { name: 'writer', tools: ['widgets.create_widget'] },
  ],
  bindings: [
    { role: 'reader', subjects: ['group:engineering', 'agent:bot', 'agent:spammer'] },
    { role: 'writer', subjects: ['user:alice'] },
  ],
  denies: [
    {
      name: 'no-red-for-bots',
      tools: ['widgets.list_widgets'],
      subjects: ['agent:bot'],
      when: [{ field: 'args.color', equals: 'red' }],
    },
  ],
  approvals: [
    {
      name: 'widget-creation',
      tools: ['widgets.create_widget'],
      approvers: ['group:maintainers'],
      timeoutSeconds: 600,
    },
  ],
  rateLimits: [{ name: 'spam-guard', subjects: ['agent:spammer'], limit: 2, windowSeconds: 3600 }],
};

/**
 * A clock for a rate limiter counting the spam-guard: half an hour into an hour. The limiters count in fixed
 * windows aligned to the epoch, so on the real clock a test's calls made at an hour's end could fall into two
 * windows and the third call pass; on this one they all fall into the same window.
 */
export const MID_HOUR = (): number => Date.UTC(2026, 11, 4, 12, 30);

export function testModel(pack: Pack, remoteUrl: string): RepoModel {
  const zone: Zone = {
    name: 'dev',
    environment: 'dev',
    cluster: { context: 'test' },
    namespace: 'raku-test',
    registry: { host: 'registry.test', repository: 'raku' },
    gitops: { repository: 'acme/gitops', branch: 'main', path: 'dev' },
    gateway: { auth: { issuer: 'https://issuer.test', audience: 'https://gateway.test' } },
    packs: [{ name: pack.name }],
    remotes: [
      {
        name: 'partner',
        url: remoteUrl,
        auth: { type: 'bearer', token: { secretRef: { name: 'partner-token', key: 'token' } } },
        tools: [
          { name: 'get_widget', descriptionSha256: hashOf('get_widget'), fallbackFor: 'widgets.get_widget' },
          { name: 'search', descriptionSha256: hashOf('search') },
          { name: 'tampered', descriptionSha256: '0'.repeat(64) },
        ],
      },
    ],
  };
  return {
    packs: [{ file: 'packs/widgets/pack.yaml', value: pack }],
    zones: [{ file: 'zones/dev.yaml', value: zone }],
    policies: [{ file: 'policies/test.yaml', value: TEST_POLICY }],
    tenants: [],
  };
}

/** The zone's bundle with the pack server URL replaced by `packServerUrl`. */
export function testBundle(
  model: RepoModel,
  packServerUrl: string,
): { bundle: GatewayBundle; policy: CompiledPolicy } {
  const bundle = buildBundle(model, 'dev', { revision: 'test-rev' });
  for (const route of bundle.routes) {
    for (const target of route.targets) if (target.kind === 'pack') target.url = packServerUrl;
  }
  return { bundle, policy: compilePolicies(model.policies, 'dev') };
}
