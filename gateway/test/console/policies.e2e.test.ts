/**
 * The policy explorer in real headless Chromium against `npm start`'s local gateway (startLocal on a temporary
 * copy of the repository's config): the Rules tab links each rule to its file:line (opening the file at that
 * line in the Edit tab), the Access tab shows the matrix with the rules behind a cell, the Simulator decides a
 * denied and an allowed call and shows the deciding rules, and the Edit tab previews a policy edit with the
 * access diff. With the example's tenants, the tenant selector shows one tenant's matrix and the simulator
 * decides a call made in it, saying why another tenant's rule does not apply. Each tab is checked with axe-core
 * and photographed into test-results/console/. Nothing waits for a fixed time: locators wait for what should
 * appear, with generous ceilings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, screenshot } from '../helpers/browser.ts';
import { type FakeGitHub, fakeGitHub } from '../helpers/fake-github.ts';
import { startLocalConsole } from './browser-local-gateway.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

const TEST_TIMEOUT = 180_000;
const REPOSITORY = 'acme/raku-config';
const GITHUB_TOKEN = 'ghs_policies_e2e';

// Pull requests go to a fake GitHub (nock, in this process) whose main branch holds the local config.
const c = useConsoleBrowser(() =>
  startLocalConsole({ env: { RAKU_CONFIG_REPOSITORY: REPOSITORY, RAKU_GITHUB_TOKEN: GITHUB_TOKEN } }),
);
const signedIn = c.signedIn;
let github: FakeGitHub;

beforeAll(() => {
  github = fakeGitHub({ repository: REPOSITORY, folder: c.lc.root, token: GITHUB_TOKEN });
});

afterAll(() => {
  github?.close();
});

/** The 1-based line of the first line of a config file containing `text`. */
function lineOf(file: string, text: string): number {
  const lines = readFileSync(path.join(c.lc.root, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${file}`);
  return i + 1;
}

/** axe-core finds nothing at all (checkA11y fails on serious and critical findings; this view has none). */
async function axeClean(page: Page, view: string) {
  expect(await checkA11y(page, view)).toEqual([]);
}

describe('policies', () => {
  it(
    'links rules to file:line, shows the access matrix, simulates a denied and an allowed call',
    async () => {
      const { page, errors } = await signedIn('/');
      await page.getByRole('navigation').getByRole('link', { name: 'Policies', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Policies' }).waitFor(SOON);

      // Rules: grouped by kind, each with its file:line.
      await page.getByRole('tab', { name: 'Rules', selected: true }).waitFor(SOON);
      for (const group of ['Roles', 'Denies', 'Bindings', 'Approvals', 'Rate limits'])
        await page.getByRole('heading', { level: 2, name: new RegExp(`^${group} \\(`) }).waitFor(SOON);
      const triagerLine = lineOf('policies/default.yaml', '- role: triager');
      const bindings = page.getByRole('table', { name: 'Bindings' });
      const triager = bindings.getByRole('row').filter({ hasText: 'default/bindings[1]' });
      await triager.getByRole('link', { name: `policies/default.yaml:${triagerLine}` }).waitFor(SOON);
      expect(await triager.textContent()).toContain('args.owner == "acme"');
      const roles = page.getByRole('table', { name: 'Roles' });
      expect(await roles.getByRole('row').filter({ hasText: 'triager' }).textContent()).toContain('github.*');
      await axeClean(page, 'policies rules');
      await screenshot(page, 'policies-rules');

      // The link opens the file in the Edit tab with that line selected.
      await triager.getByRole('link', { name: `policies/default.yaml:${triagerLine}` }).click();
      await page.getByRole('tab', { name: 'Edit', selected: true }).waitFor(SOON);
      const editor = page.getByRole('textbox', { name: /^policies\/default\.yaml/ });
      await expect
        .poll(
          () =>
            editor.evaluate((el: { value: string; selectionStart: number; selectionEnd: number }) =>
              el.value.slice(el.selectionStart, el.selectionEnd),
            ),
          SOON,
        )
        .toBe('  - role: triager');

      // Access: prod's matrix (of callers of no tenant: the repository has tenants); a cell's rules on focus.
      await page.getByRole('tab', { name: 'Access' }).click();
      await page.getByRole('combobox', { name: 'Environment' }).selectOption('prod');
      const matrix = page.getByRole('table', { name: 'Access in prod, tenant default: tools by subject' });
      await matrix.waitFor(SOON);
      const cell = matrix.getByRole('button', { name: 'agent:triage-bot, github.close_issue: conditional' });
      await cell.focus();
      const detail = page.getByRole('complementary');
      await expect
        .poll(() => detail.textContent(), SOON)
        .toContain('denied by default/denies/office-hours-for-bots if time.hour < 7');
      expect(await detail.textContent()).toContain(
        'default/bindings[1] (role triager) if args.owner == "acme"',
      );
      expect(
        await matrix.getByRole('button', { name: 'group:engineering, petstore.get_pet: allow' }).count(),
      ).toBe(1);
      // No binding grants the deletion in prod.
      expect(
        await matrix.getByRole('row').filter({ hasText: 'petstore.delete_pet' }).textContent(),
      ).not.toMatch(/allow|approval|conditional/);
      await page.getByRole('searchbox', { name: 'Filter tools or subjects' }).fill('github');
      await expect.poll(() => matrix.getByRole('row').filter({ hasText: 'petstore.' }).count(), SOON).toBe(0);
      await axeClean(page, 'policies access');
      await screenshot(page, 'policies-access');

      // Simulator, from the cell: a denied call (the binding's condition fails) ...
      await detail.getByRole('button', { name: 'Simulate this call' }).click();
      await page.getByRole('tab', { name: 'Simulator', selected: true }).waitFor(SOON);
      expect(await page.getByRole('textbox', { name: 'Subject id' }).inputValue()).toBe('triage-bot');
      expect(await page.getByRole('combobox', { name: 'Kind' }).inputValue()).toBe('agent');
      expect(await page.getByRole('combobox', { name: 'Tool' }).inputValue()).toBe('github.close_issue');
      const args = page.getByRole('textbox', { name: /^Arguments/ });
      const time = page.getByRole('textbox', { name: /^Time/ });
      const decide = page.getByRole('button', { name: 'Decide' });
      await args.fill('{"owner": "evil"}');
      await time.fill('2026-12-04T12:00:00Z');
      await decide.click();
      await page.getByRole('heading', { level: 2, name: /Denied by default-deny/ }).waitFor(SOON);
      const rules = page.getByRole('table', { name: 'Every rule of the environment, in decision order' });
      const binding = rules.getByRole('row', { name: /^binding default\/bindings\[1\] / });
      await expect
        .poll(() => binding.textContent(), SOON)
        .toContain('its condition args.owner == "acme" (args.owner is "evil") does not hold');
      expect(await binding.textContent()).toContain(`policies/default.yaml:${triagerLine}`);

      // ... an allowed one (with its approval and rate limit) ...
      await args.fill('{"owner": "acme"}');
      await decide.click();
      await page.getByRole('heading', { level: 2, name: /Allowed by default\/bindings\[1\]/ }).waitFor(SOON);
      await expect.poll(() => binding.textContent(), SOON).toContain('deciding rule');
      await page.getByText('Needs an approval: default/approvals/maintainers-close-issues').waitFor(SOON);

      // ... and the same call at night, denied by the office-hours rule.
      await time.fill('2026-12-04T03:00:00Z');
      await decide.click();
      await page
        .getByRole('heading', { level: 2, name: /Denied by default\/denies\/office-hours-for-bots/ })
        .waitFor(SOON);
      const deny = rules.getByRole('row', { name: /^deny default\/denies\/office-hours-for-bots / });
      await expect.poll(() => deny.textContent(), SOON).toContain('deciding rule');
      expect(await deny.getAttribute('class')).toContain('row-deciding');
      expect(await binding.textContent()).toContain(
        'would allow (role triager), but default/denies/office-hours-for-bots denies the call',
      );
      await axeClean(page, 'policies simulator');
      await screenshot(page, 'policies-simulator');
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    "shows a tenant's access matrix and simulates a call made in that tenant",
    async () => {
      const { page, errors } = await signedIn('/policies?tab=access&env=dev');
      const tenant = page.getByRole('combobox', { name: 'Tenant' });
      await tenant.waitFor(SOON);
      expect(await tenant.locator('option').allTextContents()).toEqual([
        'default (callers of no tenant)',
        'payments',
        'support',
      ]);
      // Callers of no tenant first: no tenant's crm tools, no tenant's subjects.
      const implicit = page.getByRole('table', { name: 'Access in dev, tenant default: tools by subject' });
      await implicit.waitFor(SOON);
      expect(await implicit.getByRole('row').filter({ hasText: 'crm.' }).count()).toBe(0);

      await tenant.selectOption('support');
      const matrix = page.getByRole('table', { name: 'Access in dev, tenant support: tools by subject' });
      await matrix.waitFor(SOON);
      expect(page.url()).toContain('tenant=support');
      expect(await matrix.getByRole('columnheader', { name: 'agent:billing-bot' }).count()).toBe(0);
      // Support's own crm tools and its own approval rule; weather is not granted to support.
      const note = matrix.getByRole('button', { name: 'group:support, crm.add_note: approval' });
      await note.focus();
      const detail = page.getByRole('complementary');
      await expect
        .poll(() => detail.textContent(), SOON)
        .toContain('support/approvals/customer-visible-notes by group:support-oncall');
      expect(await matrix.getByRole('row').filter({ hasText: 'weather.' }).count()).toBe(0);
      await axeClean(page, 'policies access (tenant)');
      await screenshot(page, 'policies-tenant-access');

      // The simulator, from the cell: the call is made in support.
      await detail.getByRole('button', { name: 'Simulate this call' }).click();
      await page.getByRole('tab', { name: 'Simulator', selected: true }).waitFor(SOON);
      await page.getByText('Call in dev, tenant support').waitFor(SOON);
      expect(await tenant.inputValue()).toBe('support');
      await page.getByRole('button', { name: 'Decide' }).click();
      await page.getByRole('heading', { level: 2, name: /Allowed by support\/bindings\[0\]/ }).waitFor(SOON);
      await page.getByText('Needs an approval: support/approvals/customer-visible-notes').waitFor(SOON);
      const rules = page.getByRole('table', { name: 'Every rule of the environment, in decision order' });
      const payments = rules.getByRole('row', { name: /^binding payments\/bindings\[0\] / });
      await expect
        .poll(() => payments.textContent(), SOON)
        .toContain('it applies only to calls in tenant payments; this call is in tenant support');
      expect(await payments.textContent()).toContain('policies/payments.yaml');
      await axeClean(page, 'policies simulator (tenant)');
      await screenshot(page, 'policies-tenant-simulator');

      // The same tool in the payments tenant is payments' own crm pack, which has no add_note.
      await tenant.selectOption('payments');
      await page.getByText('Call in dev, tenant payments').waitFor(SOON);
      await page.getByRole('button', { name: 'Decide' }).click();
      await page.getByText(/is not a tool of tenant payments in dev/).waitFor(SOON);

      // Rules say where each applies.
      await page.getByRole('tab', { name: 'Rules' }).click();
      const approvals = page.getByRole('table', { name: 'Approvals' });
      await approvals.waitFor(SOON);
      expect(
        await approvals
          .getByRole('row')
          .filter({ hasText: 'support/approvals/customer-visible-notes' })
          .textContent(),
      ).toContain('tenant support');
      expect(
        await approvals.getByRole('row').filter({ hasText: 'default/approvals/pet-deletion' }).textContent(),
      ).toContain('every tenant');
      await axeClean(page, 'policies rules (tenant)');
      await screenshot(page, 'policies-tenant-rules');
      expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'previews a policy edit with the access diff and opens its pull request',
    async () => {
      const { page, errors } = await signedIn('/policies?tab=edit&file=policies/local-dev.yaml');
      const editor = page.getByRole('textbox', { name: /^policies\/local-dev\.yaml/ });
      await expect.poll(() => editor.inputValue(), SOON).toContain('user:local-dev');
      const before = await editor.inputValue();
      const after = before.replace('"user:local-dev"]', '"user:local-dev", "group:testers"]');
      expect(after).not.toBe(before);
      await editor.fill(after);
      await page
        .getByRole('textbox', { name: 'Pull request title' })
        .fill('Testers may call every tool in dev');
      await page.getByRole('button', { name: 'Preview' }).click();
      const diff = page.getByRole('table', { name: 'Access diff (as raku plan shows it)' });
      await diff.waitFor(SOON);
      const gained = diff.getByRole('row').filter({ hasText: 'group:testers' });
      await expect.poll(() => gained.count(), SOON).toBeGreaterThan(0);
      expect(await gained.first().textContent()).toContain('gains');
      // Per tenant: callers of no tenant and support (granted the petstore) gain the deletion; payments does not.
      const deletion = diff.getByRole('row').filter({ hasText: 'petstore.delete_pet' });
      const tenantsGaining = (await deletion.allTextContents()).map((row) => row.split('dev')[0]);
      expect(tenantsGaining).toEqual(['default', 'support']);
      expect((await deletion.allTextContents()).every((row) => row.includes('group:testers'))).toBe(true);
      await page.getByText('raku validate would pass').waitFor(SOON);
      const download = page.getByRole('link', { name: 'Download patch' });
      expect(await download.getAttribute('download')).toBe('local-dev.patch');
      await page.getByText('Patch (').click();
      await page.getByText('+++ b/policies/local-dev.yaml').waitFor(SOON);
      await axeClean(page, 'policies edit');
      await screenshot(page, 'policies-edit');

      // Someone edits the same file on GitHub's main after the preview: the console sends what its preview
      // showed (base), so the gateway refuses instead of reverting their edit.
      const original = github.filesOf('main').get('policies/local-dev.yaml') as string;
      github.commit('main', { 'policies/local-dev.yaml': `${original}# reviewed on GitHub\n` });
      await page.getByRole('button', { name: 'Open pull request' }).click();
      await page
        .getByText(/policies\/local-dev\.yaml changed on .* since the preview: preview again/)
        .waitFor(SOON);
      expect(github.pulls).toHaveLength(0);
      github.commit('main', { 'policies/local-dev.yaml': original });

      await page.getByRole('button', { name: 'Open pull request' }).click();
      const link = page.getByRole('status').getByRole('link', { name: /^#\d+$/ });
      await link.waitFor(SOON);
      expect(github.pulls).toHaveLength(1);
      const pull = github.pulls[0]!;
      expect(pull.title).toBe('Testers may call every tool in dev');
      expect(await link.getAttribute('href')).toBe(pull.url);
      // The branch carries exactly the edited file, as edited.
      const files = github.filesOf(pull.head);
      const base = github.filesOf('main');
      expect([...files.keys()].filter((p) => base.get(p) !== files.get(p))).toEqual([
        'policies/local-dev.yaml',
      ]);
      expect(files.get('policies/local-dev.yaml')).toBe(after);
      await axeClean(page, 'policies edit (pull request)');
      expect(errors.filter((e) => !e.includes('status of 409'))).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
