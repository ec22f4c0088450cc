/**
 * The console in real headless Chromium against the gateway role, signing in through a real OpenID provider
 * (oidc-provider): the provider's login form filled in the browser; an approval decided by an approver with
 * the keyboard only while the agent's MCP call waits, which then gets its result; and a subject without admin
 * rights, who sees none of the admin data in the page and is refused by the API. Screenshots and axe-core on
 * the views involved. Nothing waits for a fixed time.
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
import { type OidcConsole, startOidcConsole } from './browser-oidc-gateway.ts';

const SOON = { timeout: 30_000 };
/** A test drives a browser through several views: a ceiling for a busy 2-core machine, not an expectation. */
const TEST_TIMEOUT = 120_000;

let oc: OidcConsole;
let browser: Browser;
let context: BrowserContext | undefined;
/** alice's agent: its calls to widgets.create_widget wait for an approver (group maintainers). */
let agent: Client;

beforeAll(async () => {
  await ensureConsoleBuilt();
  oc = await startOidcConsole();
  browser = await launchBrowser();
  agent = await connectClient(oc.gateway.url, 'modern', await oc.agentToken('alice'));
}, 180_000);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

afterAll(async () => {
  await agent?.close();
  await browser?.close();
  await oc?.close();
});

/** Signs `user` in as a person does: the console's Sign in, the provider's login form, back to the console. */
async function signInThroughProvider(user: string): Promise<{ page: Page; errors: string[] }> {
  context = await newContext(browser);
  const page = await context.newPage();
  const errors = pageErrors(page, oc.base);
  await page.goto(`${oc.base}/console/`);
  await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor(SOON);
  // The gateway role signs in through its identity provider only: no one-time link to speak of.
  expect(await page.getByRole('heading', { name: 'Local mode (npm start)' }).count()).toBe(0);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.origin === oc.idp.issuer, SOON);
  await page.locator('input[name=login]').fill(user);
  await page.locator('input[name=password]').fill('any password');
  await page.locator('button[type=submit]').click();
  await page.waitForURL((url) => url.href.startsWith(`${oc.base}/console/`), SOON);
  await page.getByRole('navigation').waitFor(SOON);
  return { page, errors };
}

/** Presses Tab until the focused element has the accessible name `name` (at most `limit` presses). */
async function tabTo(page: Page, name: RegExp, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const focused = String(
      await page.evaluate(
        `(() => { const el = document.activeElement; return el ? (el.getAttribute('aria-label') || (el.labels && el.labels[0] ? el.labels[0].textContent : '') || el.textContent || '').trim() : ''; })()`,
      ),
    );
    if (name.test(focused)) return;
  }
  throw new Error(`${limit} presses of Tab did not reach a control named ${name}`);
}

describe('console in the gateway role, signed in with OIDC (real Chromium)', {
  timeout: TEST_TIMEOUT,
}, () => {
  it('signs an admin in through the provider login form and shows the admin views', async () => {
    const { page, errors } = await signInThroughProvider('alice');
    await page.getByRole('heading', { level: 1, name: 'Zones' }).waitFor(SOON);
    expect(new URL(page.url()).pathname).toBe('/console/');
    const who = await context!.request.get(`${oc.base}/v1/session`);
    expect(await who.json()).toMatchObject({ subject: 'user:alice', admin: true, mode: 'oidc' });
    const session = (await context!.cookies()).find((c) => c.name === 'raku_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The cookie holds the provider's tokens sealed: nothing in it reads as a JWT.
    expect(session?.value).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    for (const label of ['Zones', 'Traces', 'Approvals', 'Jobs', 'Health'])
      await page.getByRole('navigation').getByRole('link', { name: label, exact: true }).waitFor(SOON);
    expect(errors).toEqual([]);
  });

  it("lets an approver decide a waiting call with the keyboard only; the agent's call then returns its result", async () => {
    const call = agent.callTool({ name: 'widgets.create_widget', arguments: { name: 'bolt' } });
    const { page, errors } = await signInThroughProvider('mona');
    expect(await (await context!.request.get(`${oc.base}/v1/session`)).json()).toMatchObject({
      subject: 'user:mona',
      admin: false,
    });
    // To the approvals view by keyboard: Tab to the navigation link, Enter.
    await tabTo(page, /^Approvals$/);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor(SOON);
    const approve = page.getByRole('button', {
      name: /^Approve widgets\.create_widget called by user:alice/,
    });
    await approve.waitFor(SOON);
    await page.getByText('bolt').first().waitFor(SOON);
    await checkA11y(page, 'approvals');
    await screenshot(page, 'approvals');

    await tabTo(page, /^Approve widgets\.create_widget called by user:alice/);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', {
      name: /^Approve widgets\.create_widget called by user:alice\?/,
    });
    await dialog.waitFor(SOON);
    await checkA11y(page, 'approvals (decision dialog)');
    await screenshot(page, 'approval-dialog');
    await tabTo(page, /^Reason/, 20);
    await page.keyboard.type('checked the name');
    await tabTo(page, /^Approve the call$/, 10);
    await page.keyboard.press('Enter');

    const result = await call;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ id: 'w2', name: 'bolt' });
    await expect.poll(() => approve.count(), SOON).toBe(0);
    const decided = await oc.persistence.db.prisma.approval.findMany({
      where: { tool: 'widgets.create_widget' },
    });
    expect(decided.map((a) => [a.status, a.decidedBy, a.reason])).toContainEqual([
      'approved',
      'user:mona',
      'checked the name',
    ]);
    expect(errors).toEqual([]);
  });

  it('shows a subject without admin rights none of the admin data, and the API refuses it', async () => {
    // Data bob must not see: a trace of alice's agent and a deployment record.
    await agent.callTool({ name: 'widgets.get_widget', arguments: { id: 'w1' } });
    await oc.persistence.traces.flush();
    const admin = await oc.agentToken('ops', ['raku-admins']);
    const posted = await fetch(`${oc.base}/v1/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        zone: 'dev',
        workload: 'widgets',
        pack: 'widgets',
        version: '7.7.7',
        health: 'healthy',
      }),
    });
    expect(posted.status).toBe(201);

    const { page } = await signInThroughProvider('bob');
    const nav = page.getByRole('navigation');
    for (const label of ['Zones', 'Traces', 'Health'])
      expect(await nav.getByRole('link', { name: label, exact: true }).count()).toBe(0);
    for (const path of ['/v1/traces', '/v1/zones', '/v1/deployments', '/v1/routes', '/v1/traces/stats']) {
      const res = await context!.request.get(`${oc.base}${path}`);
      expect([path, res.status()]).toEqual([path, 403]);
    }
    // Each view, opened by its address: admin views say so, the others show only bob's (nothing).
    for (const path of ['/', '/traces', '/health', '/approvals', '/jobs', '/agents']) {
      await page.goto(`${oc.base}/console${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor(SOON);
      const text = await page.locator('body').innerText();
      for (const secret of ['user:alice', 'widgets.get_widget', 'widgets.create_widget', '7.7.7', 'agent:'])
        expect([path, text.includes(secret)]).toEqual([path, false]);
    }
    await page.goto(`${oc.base}/console/traces`);
    await page.getByRole('heading', { level: 1 }).waitFor(SOON);
    await checkA11y(page, 'traces (no admin rights)');
    await screenshot(page, 'no-admin-rights');
  });
});
