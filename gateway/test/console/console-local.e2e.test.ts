/**
 * The console in real headless Chromium against `npm start`'s local gateway (startLocal on a temporary copy
 * of the repository's config, traces in PGlite): sign-in with the banner's one-time link, zones with
 * deployment records posted through the API, the live tail and per-tool charts filling while the official MCP
 * client calls tools, a trace's detail, cancelling a job, the health view. Every view is checked with axe-core
 * and photographed into test-results/console/. Nothing waits for a fixed time: locators wait for what should
 * appear, with generous ceilings.
 */
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, screenshot } from '../helpers/browser.ts';
import { connectClient } from '../helpers/mcp-client.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

/** A test drives a browser through several views: a ceiling for a busy 2-core machine, not an expectation. */
const TEST_TIMEOUT = 120_000;

const c = useConsoleBrowser();
const { freshPage, signedIn } = c;
let agent: Client;

beforeAll(async () => {
  agent = await connectClient(c.lc.local.url, 'modern', c.lc.token);
});

afterAll(async () => {
  await agent?.close();
});

/** Follows the navigation link to a view (client-side: the page and its event stream stay). */
async function navigate(page: Page, path: string): Promise<void> {
  const label = { '/traces': 'Traces', '/approvals': 'Approvals', '/jobs': 'Jobs', '/health': 'Health' }[
    path
  ];
  if (!label) throw new Error(`no navigation link for ${path}`);
  await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).click();
  await heading(page, label);
}

async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor(SOON);
}

describe('console in local mode (real Chromium)', { timeout: TEST_TIMEOUT }, () => {
  it('shows the sign-in page without a session', async () => {
    const { page, errors } = await freshPage();
    await page.goto(`${c.lc.base}/console/`);
    await heading(page, 'Sign in to the Raku console');
    await checkA11y(page, 'login');
    await screenshot(page, 'login');
    expect(await page.getByRole('navigation').count()).toBe(0);
    // Local mode says how local mode signs in, and offers no identity provider it does not have.
    await page.getByRole('heading', { level: 2, name: 'Local mode (npm start)' }).waitFor(SOON);
    expect(await page.getByRole('link', { name: 'Sign in', exact: true }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('signs in with the banner link once: the fragment leaves the address bar and the link does not work twice', async () => {
    expect(c.lc.loginLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/console\/#login=[A-Za-z0-9_-]{20,}$/);
    const { page } = await freshPage();
    await page.goto(c.lc.loginLink);
    await heading(page, 'Zones');
    expect(page.url()).toBe(`${c.lc.base}/console/`);
    expect(await page.evaluate('window.location.hash')).toBe('');
    const session = (await page.context().cookies()).find((k) => k.name === 'raku_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const who = await page.context().request.get(`${c.lc.base}/v1/session`);
    expect(await who.json()).toMatchObject({ subject: 'user:local-dev', admin: true, mode: 'local' });
    await page.context().close();

    // The same link in another browser: refused, no session.
    const second = await freshPage();
    await second.page.goto(c.lc.loginLink);
    await second.page.getByRole('alert').waitFor(SOON);
    expect(await second.page.getByRole('navigation').count()).toBe(0);
    expect(second.page.url()).toBe(`${c.lc.base}/console/`);
    expect((await second.page.context().request.get(`${c.lc.base}/v1/session`)).status()).toBe(401);
  });

  it('shows the zones pipeline and deployment records posted through the API, without reload', async () => {
    const { page, errors } = await signedIn('/');
    await heading(page, 'Zones');
    const pipeline = page.getByRole('list', { name: /^Promotion pipeline/ });
    for (const zone of ['dev', 'staging', 'prod'])
      await pipeline.getByRole('heading', { level: 2, name: new RegExp(`^${zone}\\b`) }).waitFor(SOON);
    const digest = `sha256:${'ab'.repeat(32)}`;
    const posted = await c.lc.api('POST', '/v1/deployments', {
      zone: 'dev',
      workload: 'petstore',
      pack: 'petstore',
      version: '1.0.0',
      health: 'healthy',
      imageDigest: digest,
      revision: 'c0ffee1',
    });
    expect(posted.status).toBe(201);
    await c.lc.api('POST', '/v1/deployments', {
      zone: 'dev',
      workload: 'widgets',
      pack: 'widgets',
      version: '0.9.0',
      health: 'degraded',
    });
    // Live: the page was open before the records existed.
    await page.getByText('c0ffee1').first().waitFor(SOON);
    await page.getByText('0.9.0').first().waitFor(SOON);
    await checkA11y(page, 'zones');
    await screenshot(page, 'zones');

    await page.getByRole('link', { name: 'petstore in dev: deployment logs' }).first().click();
    await heading(page, /petstore in dev/);
    await page.getByText('c0ffee1').first().waitFor(SOON);
    await checkA11y(page, 'deployment logs');
    await screenshot(page, 'deployment-logs');
    expect(errors).toEqual([]);
  });

  it('shows MCP calls in the live tail and the per-tool charts without reload, and a trace in detail', async () => {
    const { page, errors } = await signedIn('/traces');
    const rows = page.getByRole('link', { name: /: call of widgets\.get_widget$/ });
    const before = await rows.count();
    for (let i = 0; i < 3; i++) {
      const result = await agent.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
      expect(result.isError).toBeFalsy();
    }
    await agent.callTool({ name: 'petstore.get_pet', arguments: { petId: 'seven' } });
    await expect.poll(() => rows.count(), SOON).toBe(before + 3);
    await page
      .getByRole('link', { name: /: call of petstore\.get_pet$/ })
      .first()
      .waitFor(SOON);

    // Charts: one pair per tool, summarised for screen readers in their accessible names.
    const charts = page.getByRole('button', { name: /charts/i });
    if ((await charts.getAttribute('aria-pressed')) === 'false') await charts.click();
    const volume = page.getByRole('img', { name: /^widgets\.get_widget: calls and errors, \d+ points/ });
    await volume.waitFor(SOON);
    await page.getByRole('img', { name: /^widgets\.get_widget: latency/ }).waitFor(SOON);
    // The charts count the calls in the database: a call made now shows in them too, without reload.
    const callsShown = async () => {
      const text = await page.getByRole('heading', { level: 3, name: /^widgets\.get_widget \(/ }).innerText();
      return Number(/\(([\d,]+) calls?\)/.exec(text)?.[1]?.replaceAll(',', ''));
    };
    await expect.poll(callsShown, SOON).toBe(before + 3);
    await agent.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    await expect.poll(() => rows.count(), SOON).toBe(before + 4);
    await expect.poll(callsShown, SOON).toBe(before + 4);
    await checkA11y(page, 'traces');
    await screenshot(page, 'traces');

    await rows.first().click();
    await heading(page, 'Call of widgets.get_widget');
    await page.getByText('pack:widgets@1.0.0').first().waitFor(SOON);
    await page
      .getByRole('region', { name: /arguments/i })
      .getByText('w1')
      .waitFor(SOON);
    await checkA11y(page, 'trace detail');
    await screenshot(page, 'trace-detail');
    expect(errors).toEqual([]);
  });

  it('cancels a job waiting for an approval from the browser, and its status changes live', async () => {
    // The sensitive tool needs an approver; the local gateway waits 200 ms, then hands back a job.
    const result = await agent.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } });
    const { jobId } = result.structuredContent as { jobId: string };
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    const { page, errors } = await signedIn('/jobs');
    const cancel = page.getByRole('button', { name: `Cancel the job widgets.create_widget ${jobId}` });
    await cancel.waitFor(SOON);
    const row = page.getByRole('row').filter({ has: cancel });
    await row.getByText('Waiting for approval').waitFor(SOON);
    await checkA11y(page, 'jobs');
    await screenshot(page, 'jobs');

    await cancel.click();
    const dialog = page.getByRole('dialog', { name: 'Cancel the job widgets.create_widget?' });
    await dialog.waitFor(SOON);
    await checkA11y(page, 'jobs (cancel dialog)');
    await dialog.getByRole('button', { name: 'Cancel the job' }).click();
    await page
      .getByRole('row')
      .filter({ hasText: jobId.slice(0, 8) })
      .getByText('Cancelled')
      .waitFor(SOON);
    expect(await cancel.count()).toBe(0);
    expect((await c.lc.api('GET', `/v1/jobs/${jobId}`)).json).toMatchObject({ status: 'cancelled' });
    expect(errors).toEqual([]);
  });

  it('shows the approvals view and the health of the gateway and its routes', async () => {
    const { page, errors } = await signedIn('/approvals');
    await page.getByRole('heading', { level: 2, name: 'For you to decide' }).waitFor(SOON);
    await checkA11y(page, 'approvals');
    await screenshot(page, 'approvals-local');

    await navigate(page, '/health');
    await page.getByText('widgets.get_widget', { exact: true }).first().waitFor(SOON);
    await page.getByRole('heading', { level: 2, name: 'Trace queue' }).waitFor(SOON);
    await page.getByText('failed writes', { exact: true }).waitFor(SOON);
    await checkA11y(page, 'health');
    await screenshot(page, 'health');
    expect(errors).toEqual([]);
  });
});
