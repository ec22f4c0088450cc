/**
 * The console's API reference (/console/api) in real headless Chromium against `npm start`'s local gateway:
 * Swagger UI renders the gateway's /openapi.json under the console's strict CSP (no violation reported), "Try
 * it out" on GET /v1/routes answers 200 with the route table through the console session (cookie, no bearer
 * token), and a POST with a bad body reaches the gateway's body validation (so the CSRF header was sent: the
 * CSRF check runs first and would answer 403) and shows its 400 message. axe-core runs on the page; pageErrors
 * must stay empty.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { checkA11y, SCREENSHOT_DIR, screenshot } from '../helpers/browser.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

const TEST_TIMEOUT = 120_000;

const c = useConsoleBrowser();

/**
 * A signed-in page at /console/api, recording the page's CSP violations (the listener is added by the
 * DevTools protocol before any script of the page runs, so the page's own CSP does not apply to it).
 */
async function apiPage(): Promise<{ page: Page; errors: string[]; cspViolations(): Promise<string[]> }> {
  const { page, errors } = await c.freshPage();
  // A string, evaluated in the page: this file is compiled without the DOM's types.
  await page.addInitScript(`
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
      e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber,
    ));
  `);
  await c.signIn(page, '/api');
  await page.getByRole('heading', { level: 1, name: 'API reference' }).waitFor(SOON);
  return {
    page,
    errors,
    cspViolations: () => page.evaluate('window.__cspViolations') as Promise<string[]>,
  };
}

/** The operation block of `method apiPath` (Swagger UI marks each with its path in data-path). */
function operation(page: Page, method: string, apiPath: string) {
  return page
    .locator(`.opblock.opblock-${method}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${apiPath}"]`) });
}

/** Expands an operation, switches it to "Try it out" and returns its block. */
async function tryOut(page: Page, method: string, apiPath: string) {
  const block = operation(page, method, apiPath);
  await block.locator('.opblock-summary-control').click();
  await block.getByRole('button', { name: 'Try it out' }).click();
  await block.getByRole('button', { name: 'Execute' }).waitFor(SOON);
  return block;
}

describe('API reference (real Chromium)', { timeout: TEST_TIMEOUT }, () => {
  it('lists the gateway API from /openapi.json in the console, reachable from the navigation', async () => {
    const { page, errors, cspViolations } = await apiPage();
    const nav = page.getByRole('navigation', { name: 'Console sections' });
    expect(await nav.getByRole('link', { name: 'API', exact: true }).getAttribute('aria-current')).toBe(
      'page',
    );
    await operation(page, 'get', '/v1/routes').waitFor(SOON);
    await operation(page, 'post', '/v1/approvals/{id}/decision').waitFor(SOON);
    // One h1, the view's: the document's own title is a level-2 heading under it.
    // (Chromium and axe take aria-level over the tag; Playwright's role queries take the tag, hence attributes.)
    await expect.poll(() => page.locator('.swagger-ui .info h1').getAttribute('aria-level'), SOON).toBe('2');
    expect(await page.locator('h1:not([aria-level])').allInnerTexts()).toEqual(['API reference']);
    // The session is how the console calls the API: no bearer-token Authorize button.
    expect(await page.getByRole('button', { name: /authorize/i }).count()).toBe(0);
    await checkA11y(page, 'API reference');
    await screenshot(page, 'api-reference');

    // Keyboard: an operation opens with Enter on its summary, and its code boxes take focus (they scroll).
    const zones = operation(page, 'get', '/v1/zones');
    const summary = zones.locator('.opblock-summary-control');
    await summary.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => summary.getAttribute('aria-expanded'), SOON).toBe('true');
    const example = zones.locator('.highlight-code pre').first();
    await example.waitFor(SOON);
    await example.focus();
    expect(
      await page.evaluate(
        `[document.activeElement.tagName, document.activeElement.closest('.opblock').querySelector('.opblock-summary-path').dataset.path]`,
      ),
    ).toEqual(['PRE', '/v1/zones']);
    await zones.getByRole('button', { name: 'Try it out' }).press('Enter');
    await zones.getByRole('button', { name: 'Execute' }).waitFor(SOON);
    const remaining = await checkA11y(page, 'API reference, an operation open');
    // Swagger UI's own <main> no longer nests a second main landmark in the console's.
    const ids = remaining.map((v) => v.id);
    expect(ids).not.toContain('landmark-no-duplicate-main');
    expect(ids).not.toContain('landmark-main-is-top-level');
    expect(ids).not.toContain('heading-order');
    expect(await cspViolations()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('"Try it out" GET /v1/routes answers 200 with JSON through the console session', async () => {
    const { page, errors, cspViolations } = await apiPage();
    const block = await tryOut(page, 'get', '/v1/routes');
    const sent = page.waitForRequest((r) => r.url() === `${c.lc.base}/v1/routes`);
    await block.getByRole('button', { name: 'Execute' }).click();
    const request = await sent;
    // The console's cookie, not a bearer token.
    expect(await request.headerValue('cookie')).toMatch(/raku_session=/);
    expect(await request.headerValue('authorization')).toBeNull();

    const live = block.locator('.live-responses-table');
    await live.locator('.response-col_status').filter({ hasText: '200' }).waitFor(SOON);
    const body = await live.locator('.response-col_description pre').first().innerText();
    const table = JSON.parse(body) as { routes: { tool: string }[] };
    expect(table.routes.map((r) => r.tool)).toContain('widgets.get_widget');
    await checkA11y(page, 'API reference, try it out');
    // The operation only: the whole page is the list above it again, five screens long.
    await block.screenshot({
      path: path.join(SCREENSHOT_DIR, 'api-reference-try-it.png'),
      animations: 'disabled',
    });

    // An event stream never ends: no Execute, a sentence instead.
    const events = operation(page, 'get', '/v1/events');
    await events.locator('.opblock-summary-control').click();
    await events.getByRole('button', { name: 'Try it out' }).click();
    await events.getByText('This endpoint streams events and never ends').waitFor(SOON);
    expect(await events.getByRole('button', { name: 'Execute' }).count()).toBe(0);
    expect(await cspViolations()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('says when the session has ended: a 401 in Try it out with no session left', async () => {
    const { page, errors } = await apiPage();
    const block = await tryOut(page, 'get', '/v1/routes');
    // The session ends under the page (as when it expires or the gateway restarts).
    await page.context().clearCookies();
    await block.getByRole('button', { name: 'Execute' }).click();
    await block
      .locator('.live-responses-table .response-col_status')
      .filter({ hasText: '401' })
      .waitFor(SOON);
    await page.getByRole('alert').filter({ hasText: 'your console session has ended' }).waitFor(SOON);
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to the Raku console' }).waitFor(SOON);
    // Chromium logs the asked-for 401 of /v1/routes as a console error.
    expect(errors.filter((e) => !/\/v1\/routes: .*status of 401/.test(e))).toEqual([]);
  });

  it('a POST with a bad body carries the CSRF header and shows the gateway 400 message', async () => {
    const { page, errors, cspViolations } = await apiPage();
    const block = await tryOut(page, 'post', '/v1/approvals/{id}/decision');
    await block.locator('tr[data-param-name="id"] input').fill(randomUUID());
    // Swagger UI checks required fields and types itself; an unknown field is the gateway's to refuse.
    await block.locator('textarea.body-param__text').fill('{ "approve": true, "verdict": "yes" }');
    const sent = page.waitForRequest((r) => r.method() === 'POST' && r.url().includes('/decision'));
    await block.getByRole('button', { name: 'Execute' }).click();
    const csrf = await (await sent).headerValue('x-raku-csrf');
    const session = (await (await page.context().request.get(`${c.lc.base}/v1/session`)).json()) as {
      csrfToken: string;
    };
    expect(csrf).toBe(session.csrfToken);

    const live = block.locator('.live-responses-table');
    await live.locator('.response-col_status').filter({ hasText: '400' }).waitFor(SOON);
    const body = JSON.parse(await live.locator('.response-col_description pre').first().innerText()) as {
      error: { code: string; message: string };
    };
    expect(body.error.message).toMatch(/verdict: unknown field/);
    expect(body.error.code).not.toBe('csrf');
    expect(await cspViolations()).toEqual([]);
    // Chromium logs every 4xx answer of a fetch as a console error: this one was asked for.
    expect(errors.filter((e) => !/\/decision: .*status of 400/.test(e))).toEqual([]);
  });
});
