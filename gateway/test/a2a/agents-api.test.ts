/**
 * GET /v1/agents over real HTTP: a real @a2a-js/sdk agent behind a bearer token, imported as the pack `helper`
 * with the importer's own code, served by the whole gateway stack (pack server, PGlite, JWTs from a test
 * issuer). An admin sees the card as reviewed, its protocol and scheme name (never the token), its URL and its
 * skills; another caller sees only the skills policy shows it, without the URL (a changed card: the console's
 * agents.e2e.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Policy } from '../../../generator/config/src/model/types.ts';
import { readAgentCard } from '../../../generator/import/src/a2a/agent-card.ts';
import { buildA2aPack } from '../../../generator/import/src/a2a/build-a2a-pack.ts';
import type { Agents } from '../../src/catalog/agents.ts';
import { AGENT_TOKEN, startAgent, type TestAgent } from '../helpers/a2a-agents.ts';
import { type GatewayStack, startGatewayStack } from '../helpers/gateway-stack.ts';

const WAIT = { timeout: 20_000, interval: 50 };
const POLICY: Policy = {
  name: 'agents',
  roles: [{ name: 'summarizer', tools: ['helper.summarize'] }],
  bindings: [{ role: 'summarizer', subjects: ['group:engineering'] }],
};

let agent: TestAgent;
let stack: GatewayStack;
const tokens: Record<string, string> = {};

async function agents(who: string): Promise<Agents> {
  const res = await fetch(`${stack.base}/v1/agents`, { headers: { authorization: `Bearer ${tokens[who]}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Agents;
}

beforeAll(async () => {
  agent = await startAgent('bearer');
  const card = await (await fetch(agent.cardUrl, { headers: { 'A2A-Version': '1.0' } })).json();
  const { pack } = buildA2aPack(readAgentCard(card, agent.cardUrl), card, {
    name: 'helper',
    owner: 'ai-team',
    cardUrl: agent.cardUrl,
  });
  stack = await startGatewayStack({
    database: 'PGlite',
    approvalWaitMs: 0,
    policies: [POLICY],
    adminSubjects: ['user:ada'],
    pack: () => pack,
    secrets: (name) => (name === 'RAKU_SECRET_HELPER_A2A_TOKEN' ? AGENT_TOKEN : undefined),
  });
  tokens['ada'] = await stack.issuer.sign({ sub: 'ada' });
  tokens['bob'] = await stack.issuer.sign({ sub: 'bob', groups: ['engineering'] });
  tokens['nobody'] = await stack.issuer.sign({ sub: 'nobody' });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await agent?.close();
});

describe('GET /v1/agents', () => {
  it('shows an admin the agent, its card as reviewed, protocol, scheme name and skills', async () => {
    const helper = await vi.waitFor(async () => {
      const found = (await agents('ada')).agents.find((a) => a.pack === 'helper');
      expect(found?.status).toBe('reviewed');
      return found!;
    }, WAIT);
    expect(helper).toMatchObject({
      cardUrl: agent.cardUrl,
      error: null,
      card: {
        name: 'bearer agent',
        protocolVersions: ['1.0'],
        securitySchemes: [{ name: 'bearerAuth', kind: 'bearer' }],
      },
    });
    expect(helper.liveSha256).toBe(helper.reviewedSha256);
    expect(helper.skills.map((s) => [s.tool, s.skill])).toEqual([
      ['helper.count-words', 'count-words'],
      ['helper.summarize', 'summarize'],
    ]);
    expect(JSON.stringify(helper)).not.toContain(AGENT_TOKEN);
  });

  it('shows other callers only the skills policy shows them, without the card URL', async () => {
    const bob = (await agents('bob')).agents;
    expect(bob.map((a) => [a.pack, a.cardUrl, a.skills.map((s) => s.tool)])).toEqual([
      ['helper', null, ['helper.summarize']],
    ]);
    expect((await agents('nobody')).agents).toEqual([]);
    const anonymous = await fetch(`${stack.base}/v1/agents`);
    expect(anonymous.status).toBe(401);
  });
});
