/**
 * The console on a gateway with tenants, in real headless Chromium (browser-tenant-gateway.ts: the example's
 * dev zone with payments and support, people signing in through a real OpenID provider). Agents of each tenant
 * make calls first, so both tenants have traces and approval requests. A member and admin of payments sees
 * only payments' rows and payments' crm tools; a member of both switches tenant in the header (the catalog
 * follows, the choice goes out as X-Raku-Tenant and is kept); an organisation admin sees every tenant, filters
 * by one, and may act in any tenant. Screenshots and axe-core on each view; nothing waits for a fixed time.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkA11y,
  ensureConsoleBuilt,
  launchBrowser,
  newContext,
  pageErrors,
  screenshot,
} from '../helpers/browser.ts';
import { connectClient } from '../helpers/mcp-client.ts';
import { startTenantConsole, type TenantConsole } from './browser-tenant-gateway.ts';

const SOON = { timeout: 30_000 };
const TEST_TIMEOUT = 120_000;

let tc: TenantConsole;
let browser: Browser;
let context: BrowserContext | undefined;
const agents: Client[] = [];

beforeAll(async () => {
  await ensureConsoleBuilt();
  tc = await startTenantConsole();
  browser = await launchBrowser();
  // One agent per tenant: a lookup each (a trace), and a call each that waits for its tenant's approvers.
  const payments = await connectClient(
    tc.gateway.url,
    'modern',
    await tc.agentToken('payments-bot', ['payments']),
  );
  const support = await connectClient(
    tc.gateway.url,
    'modern',
    await tc.agentToken('support-bot', ['support']),
  );
  agents.push(payments, support);
  expect((await payments.callTool({ name: 'crm.find_customers', arguments: {} })).isError).toBeFalsy();
  expect(
    (await support.callTool({ name: 'crm.find_customers', arguments: { q: 'leanne' } })).isError,
  ).toBeFalsy();
  await payments.callTool({ name: 'crm.get_customer', arguments: { id: 1 } });
  await support.callTool({ name: 'crm.add_note', arguments: { customerId: 1, text: 'called back' } });
  await tc.persistence.traces.flush();
}, 180_000);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  for (const agent of agents) await agent.close();
  await browser?.close();
  await tc?.close();
});

/** Signs `user` in through the provider's login form, as a person does. */
async function signIn(user: string): Promise<{ page: Page; errors: string[] }> {
  context = await newContext(browser);
  const page = await context.newPage();
  const errors = pageErrors(page, tc.base);
  await page.goto(`${tc.base}/console/`);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click(SOON);
  await page.waitForURL((url) => url.origin === tc.idp.issuer, SOON);
  await page.locator('input[name=login]').fill(user);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  await page.waitForURL((url) => url.href.startsWith(`${tc.base}/console/`), SOON);
  await page.getByRole('navigation').waitFor(SOON);
  return { page, errors };
}

async function open(page: Page, view: string, heading: string): Promise<string> {
  await page.goto(`${tc.base}/console${view}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor(SOON);
  return page.locator('main').innerText();
}

const header = (page: Page) => page.getByRole('banner');

describe('the console on a gateway with tenants (real Chromium)', { timeout: TEST_TIMEOUT }, () => {
  it("shows a member of payments only payments' traces, approvals and crm tools", async () => {
    const { page, errors } = await signIn('pat');
    await header(page).getByText('payments', { exact: true }).waitFor(SOON);
    for (const label of ['Zones', 'Health', 'Import API'])
      expect(await page.getByRole('navigation').getByRole('link', { name: label }).count()).toBe(0);

    await open(page, '/traces', 'Traces');
    await page
      .getByRole('cell', { name: /payments-bot/ })
      .first()
      .waitFor(SOON);
    const traces = await page.locator('main').innerText();
    expect(traces).toContain('crm.find_customers');
    expect(traces).not.toContain('support-bot');
    expect(traces).not.toMatch(/\bsupport\b/);
    // pat reads one tenant: no filter to offer.
    expect(await page.getByRole('main').getByLabel('Tenant').count()).toBe(0);
    await checkA11y(page, 'traces (tenant admin)');
    // A trace's page names its tenant too.
    await page.getByRole('row').filter({ hasText: 'crm.find_customers' }).getByRole('link').first().click();
    await page.getByRole('heading', { level: 1, name: 'Call of crm.find_customers' }).waitFor(SOON);
    expect(await page.locator('dt:has-text("Tenant") + dd').innerText()).toBe('payments');

    await open(page, '/approvals', 'Approvals');
    await page
      .getByRole('button', { name: /^Approve crm\.get_customer called by user:payments-bot/ })
      .waitFor(SOON);
    expect(await page.locator('main').innerText()).not.toContain('crm.add_note');

    // The policy explorer is a tenant admin's too, without the Edit tab (changes stay with the admin role).
    await page.getByRole('navigation').getByRole('link', { name: 'Policies', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Policies' }).waitFor(SOON);
    await page.getByRole('tab', { name: 'Rules' }).waitFor(SOON);
    await page.getByRole('tab', { name: 'Access' }).waitFor(SOON);
    expect(await page.getByRole('tab', { name: 'Edit' }).count()).toBe(0);
    await checkA11y(page, 'policies (tenant admin)');

    await open(page, '/catalog', 'Catalog');
    await page.getByRole('link', { name: 'crm.find_customers' }).waitFor(SOON);
    await page.getByRole('heading', { level: 2, name: /^payments-crm\b/ }).waitFor(SOON);
    expect(await page.getByRole('heading', { level: 2, name: /^support-crm\b/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'crm.add_note' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('lets a member of both tenants switch in the header: the catalog follows and the choice is kept', async () => {
    const { page, errors } = await signIn('sam');
    const switcher = header(page).getByRole('combobox', { name: 'Tenant' });
    await switcher.waitFor(SOON);
    expect(await switcher.inputValue()).toBe('payments');

    await open(page, '/catalog', 'Catalog');
    await page.getByRole('heading', { level: 2, name: /^payments-crm\b/ }).waitFor(SOON);
    expect(await page.getByRole('link', { name: 'crm.add_note' }).count()).toBe(0);

    const asked = page.waitForRequest((r) => r.url().endsWith('/v1/catalog'));
    await switcher.selectOption('support');
    expect((await asked).headers()['x-raku-tenant']).toBe('support');
    await page.getByRole('link', { name: 'crm.add_note' }).waitFor(SOON);
    await page.getByRole('heading', { level: 2, name: /^support-crm\b/ }).waitFor(SOON);
    expect(await page.getByRole('heading', { level: 2, name: /^payments-crm\b/ }).count()).toBe(0);
    await checkA11y(page, 'catalog (tenant switcher)');
    await screenshot(page, 'tenant-switcher');

    // The session says so too, and the choice outlives a reload.
    await page.reload();
    await expect.poll(() => switcher.inputValue(), SOON).toBe('support');
    // The API reference's Try it out acts in the same tenant.
    await page.goto(`${tc.base}/console/api`);
    const catalog = page
      .locator('.opblock.opblock-get')
      .filter({ has: page.locator('.opblock-summary-path[data-path="/v1/catalog"]') });
    await catalog.locator('.opblock-summary-control').click(SOON);
    await catalog.getByRole('button', { name: 'Try it out' }).click();
    const tried = page.waitForRequest((r) => r.url().startsWith(`${tc.base}/v1/catalog`));
    await catalog.getByRole('button', { name: 'Execute' }).click();
    expect((await tried).headers()['x-raku-tenant']).toBe('support');

    // sam administers support only: its traces, never payments', and no filter of one choice.
    await open(page, '/traces', 'Traces');
    await page
      .getByRole('cell', { name: /support-bot/ })
      .first()
      .waitFor(SOON);
    expect(await page.locator('main').innerText()).not.toContain('payments-bot');
    expect(await page.getByRole('main').getByLabel('Tenant').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('shows an organisation admin every tenant, with a tenant column and filter, and lets it act in any', async () => {
    const { page, errors } = await signIn('olga');
    await header(page).getByText('All tenants', { exact: true }).waitFor(SOON);

    await open(page, '/traces', 'Traces');
    await page
      .getByRole('cell', { name: /support-bot/ })
      .first()
      .waitFor(SOON);
    await page
      .getByRole('cell', { name: /payments-bot/ })
      .first()
      .waitFor(SOON);
    await page.getByRole('columnheader', { name: 'Tenant' }).waitFor(SOON);
    const filter = page.getByRole('main').getByRole('combobox', { name: 'Tenant' });
    expect(await filter.locator('option').allInnerTexts()).toEqual([
      'All tenants',
      'default',
      'payments',
      'support',
    ]);
    await filter.selectOption('support');
    await expect.poll(() => new URL(page.url()).searchParams.get('tenant'), SOON).toBe('support');
    await expect.poll(() => page.getByRole('cell', { name: /payments-bot/ }).count(), SOON).toBe(0);
    await page
      .getByRole('cell', { name: /support-bot/ })
      .first()
      .waitFor(SOON);
    await filter.selectOption('');
    await page
      .getByRole('cell', { name: /payments-bot/ })
      .first()
      .waitFor(SOON);
    await checkA11y(page, 'traces (all tenants)');
    // The list is what the picture is about: the charts folded away.
    await page.getByRole('button', { name: 'Charts' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Per tool' }).count(), SOON).toBe(0);
    // Every column fits the window: the table does not scroll sideways (long targets break instead).
    const overflow = await page
      .locator('.table-scroll')
      .first()
      .evaluate((e) => e.scrollWidth - e.clientWidth);
    expect(overflow).toBe(0);
    // docs/console/tenants.png is a copy of this one (docs/console.md, Browser tests).
    await screenshot(page, 'tenants');

    const approvals = await open(page, '/approvals', 'Approvals');
    await page.getByText('crm.add_note').first().waitFor(SOON);
    expect(await page.locator('main').innerText()).toContain('crm.get_customer');
    expect(approvals).toBeDefined();
    await page.getByRole('main').getByRole('combobox', { name: 'Tenant' }).selectOption('payments');
    await expect.poll(() => page.getByText('crm.add_note').count(), SOON).toBe(0);
    await page.getByText('crm.get_customer').first().waitFor(SOON);
    await checkA11y(page, 'approvals (tenant filter)');

    // The calls parked for approval are jobs, each with its tenant.
    await open(page, '/jobs', 'Jobs');
    const addNote = page.getByRole('row').filter({ hasText: 'crm.add_note' });
    await addNote.waitFor(SOON);
    expect(await addNote.getByText('support', { exact: true }).count()).toBe(1);
    await page.getByRole('main').getByRole('combobox', { name: 'Tenant' }).selectOption('payments');
    await expect.poll(() => addNote.count(), SOON).toBe(0);
    await page.getByRole('row').filter({ hasText: 'crm.get_customer' }).waitFor(SOON);
    await checkA11y(page, 'jobs (tenant filter)');
    await screenshot(page, 'jobs-tenants');

    // The catalog lists every tenant's packs to an org admin (as the API does); try-it acts in the tenant
    // chosen in the header, `default` until one is picked, named in X-Raku-Tenant once picked.
    const actIn = header(page).getByRole('combobox', { name: 'Act in' });
    expect(await actIn.inputValue()).toBe('default');
    await open(page, '/catalog', 'Catalog');
    await page.getByRole('heading', { level: 2, name: /^payments-crm\b/ }).waitFor(SOON);
    await page.getByRole('heading', { level: 2, name: /^support-crm\b/ }).waitFor(SOON);
    const asked = page.waitForRequest((r) => r.url().endsWith('/v1/catalog'));
    await actIn.selectOption('payments');
    expect((await asked).headers()['x-raku-tenant']).toBe('payments');
    await page.reload();
    await expect.poll(() => actIn.inputValue(), SOON).toBe('payments');
    await header(page).getByText('All tenants', { exact: true }).waitFor(SOON);
    expect(errors).toEqual([]);
  });
});
