/**
 * The browser harness itself (helpers/browser.ts), so the console's tests can be trusted to fail: under the
 * console's own Content-Security-Policy, checkA11y throws on a page with serious and critical violations and
 * names rule, impact and target, passes a clean page, and screenshot writes a PNG.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/console/static.ts';
import { axeViolations, checkA11y, launchBrowser, newContext, screenshot } from '../helpers/browser.ts';

const PAGES: Record<string, string> = {
  '/clean':
    '<!doctype html><html lang="en"><head><title>Clean</title></head><body><main><h1>Clean</h1>' +
    '<button type="button">Approve</button></main></body></html>',
  '/broken':
    '<!doctype html><html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1>' +
    '<button type="button"></button><img src="data:image/png;base64,iVBORw0KGgo="></main></body></html>',
};

let server: http.Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = PAGES[req.url ?? ''];
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html', 'content-security-policy': CONSOLE_CSP });
    res.end(body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe('browser harness', { timeout: 60_000 }, () => {
  it('runs axe-core under the console CSP and fails on serious or critical violations, naming them', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => blocked.push(m.text()));
    await page.goto(`${base}/broken`);
    const error = await checkA11y(page, 'broken').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain('axe-core on the broken view');
    expect(error?.message).toContain('button-name (critical)');
    expect(error?.message).toContain('image-alt (critical)');
    expect(error?.message).toContain('["img"]');
    // Injected without weakening the page: the CSP reported nothing refused.
    expect(blocked.filter((m) => m.includes('Content Security Policy'))).toEqual([]);

    await page.goto(`${base}/clean`);
    expect(await checkA11y(page, 'clean')).toEqual(
      (await axeViolations(page)).filter((v) => v.impact !== 'serious' && v.impact !== 'critical'),
    );
    const file = await screenshot(page, 'harness-clean');
    expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    await context.close();
  });
});
