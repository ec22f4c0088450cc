/**
 * The Agents view in real headless Chromium against `npm start`'s local gateway, with two real A2A agents built
 * with @a2a-js/sdk on 127.0.0.1, each imported as a pack with the importer's own code: `helper` (requires a
 * bearer token, which the gateway has) and `drifter`, whose card changed after it was reviewed. The view shows
 * both cards (reviewed / changed and hidden), the protocol, the security scheme's name and never its value,
 * the skills linking to the catalog's try-it; a call made there and one made through the API appear among the
 * recent calls with the A2A task's state and id. Checked with axe-core and photographed into
 * test-results/console/. Nothing waits for a fixed time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readAgentCard } from '../../../generator/import/src/a2a/agent-card.ts';
import { buildA2aPack } from '../../../generator/import/src/a2a/build-a2a-pack.ts';
import { AGENT_TOKEN, startAgent, type TestAgent } from '../helpers/a2a-agents.ts';
import { checkA11y, screenshot } from '../helpers/browser.ts';
import { startLocalConsole } from './browser-local-gateway.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

const TEST_TIMEOUT = 120_000;

/** The pack `raku import a2a` makes of the agent's live card. */
async function importedPack(agent: TestAgent, name: string) {
  const card = await (await fetch(agent.cardUrl, { headers: { 'A2A-Version': '1.0' } })).json();
  return buildA2aPack(readAgentCard(card, agent.cardUrl), card, {
    name,
    owner: 'ai-team',
    cardUrl: agent.cardUrl,
  }).pack;
}

const agents: TestAgent[] = [];
const c = useConsoleBrowser(async () => {
  const helper = await startAgent('bearer');
  const drifter = await startAgent('sync');
  agents.push(helper, drifter);
  const packs = [await importedPack(helper, 'helper'), await importedPack(drifter, 'drifter')];
  // Reviewed, then changed: the gateway reads the new card at start and hides drifter's skills.
  drifter.setDescription('A sync test agent, now answering differently.');
  return startLocalConsole({ packs, env: { RAKU_SECRET_HELPER_A2A_TOKEN: AGENT_TOKEN } });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close()));
});

describe('agents', () => {
  it(
    'shows the A2A agents with their card status, auth scheme and skills, and their calls with task states',
    async () => {
      const { page, errors } = await c.signedIn('/');
      await page.getByRole('navigation').getByRole('link', { name: 'Agents', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Agents' }).waitFor(SOON);

      const helper = page.getByRole('region', { name: /^helper / });
      await helper.waitFor(SOON);
      await expect.poll(() => helper.textContent(), SOON).toContain('card as reviewed: skills served');
      const helperText = (await helper.textContent()) ?? '';
      expect(helperText).toContain('bearerAuth (bearer)');
      expect(helperText).toContain('1.0');
      expect(helperText).toContain(agents[0]!.cardUrl);
      expect(helperText).not.toContain(AGENT_TOKEN);
      const skills = helper.getByRole('table', { name: 'Skills of helper' });
      await skills.getByText('Summarizes the text it is given.', { exact: false }).waitFor(SOON);
      await skills.getByText('helper.count-words').waitFor(SOON);

      const drifter = page.getByRole('region', { name: /^drifter / });
      await expect
        .poll(() => drifter.textContent(), SOON)
        .toContain('card changed since review: skills hidden');
      expect(await drifter.textContent()).toContain('none');

      // A call through the API while the view is open arrives live, with its task.
      await page.getByRole('heading', { level: 2, name: 'Recent calls' }).waitFor(SOON);
      const answer = await c.lc.api('POST', '/v1/tools/helper.count-words/call', {
        arguments: { message: 'four words right here' },
      });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      expect((answer.json as { result: { isError?: boolean } }).result.isError).toBeFalsy();
      const calls = page.getByRole('table', { name: 'Agent-to-agent calls, newest first' });
      const row = calls.getByRole('row').filter({ hasText: 'count-words' });
      await expect.poll(() => row.count(), SOON).toBe(1);
      await expect.poll(() => row.textContent(), SOON).toContain('completed');
      expect(await row.textContent()).toContain('helper');
      expect(await row.textContent()).toMatch(/context [0-9a-f-]{8,}/);
      await checkA11y(page, 'agents');
      await screenshot(page, 'agents');

      // Try-it is the catalog's: the skill links to its tool view, and the call shows up here too.
      await skills.getByRole('link', { name: /^helper\.summarize/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Summarize' }).waitFor(SOON);
      await page.getByRole('textbox', { name: /^message \(required\)/ }).fill('a long paragraph');
      await page.getByRole('button', { name: 'Call helper.summarize' }).click();
      const result = page.getByRole('region', { name: /^Result/ });
      await expect.poll(() => result.textContent(), SOON).toContain('answer to: a long paragraph');
      await page.getByRole('navigation').getByRole('link', { name: 'Agents', exact: true }).click();
      const summarize = page
        .getByRole('table', { name: 'Agent-to-agent calls, newest first' })
        .getByRole('row')
        .filter({ hasText: 'summarize' });
      await expect.poll(() => summarize.count(), SOON).toBe(1);
      expect(await summarize.textContent()).toContain('ok');
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
