/**
 * The pack `raku import a2a` makes from a test agent's live card (the importer's own functions, as the
 * command runs them), owned by 'ai-team'; with `timeoutMs`, each tool is given that budget.
 */
import type { Pack, Policy } from '../../../generator/config/src/model/types.ts';
import { readAgentCard } from '../../../generator/import/src/a2a/agent-card.ts';
import { buildA2aPack } from '../../../generator/import/src/a2a/build-a2a-pack.ts';
import type { TestAgent } from './a2a-agents.ts';

export async function importedPack(
  agent: TestAgent,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<Pack> {
  const card = await (await fetch(agent.cardUrl, { headers: { 'A2A-Version': '1.0' } })).json();
  const { pack } = buildA2aPack(readAgentCard(card, agent.cardUrl), card, {
    name: options.name ?? 'helper',
    owner: 'ai-team',
    cardUrl: agent.cardUrl,
  });
  const { timeoutMs } = options;
  return timeoutMs ? { ...pack, tools: pack.tools.map((t) => ({ ...t, timeoutMs })) } : pack;
}

/**
 * The policy of the imported 'helper' pack's tests: engineering may ask its two skills; nobody may send it a
 * message that starts with 'password'.
 */
export const HELPER_POLICY: Policy = {
  name: 'agents',
  roles: [{ name: 'asker', tools: ['helper.summarize', 'helper.count-words'] }],
  bindings: [{ role: 'asker', subjects: ['group:engineering'] }],
  denies: [
    {
      name: 'no-secrets-to-agents',
      tools: ['helper.*'],
      subjects: ['*'],
      when: [{ field: 'args.message', matches: 'password*' }],
    },
  ],
};
