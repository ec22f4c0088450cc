/**
 * The set-up every browser test of the console shares: the console built, a local gateway
 * (browser-local-gateway.ts), headless Chromium, a fresh browser context per test (closed after it), and a page
 * signed in with a new one-time link, as the banner of a restarted `npm start` would print it.
 *
 *   const c = useConsoleBrowser(() => startLocalConsole({ env: { … } }));
 *   const { page, errors } = await c.signedIn('/catalog');   // errors: the page's own, must stay empty
 *
 * Call it at the top of a test file: it registers the beforeAll/afterEach/afterAll hooks. Hooks a file adds after
 * it run after its beforeAll (c.lc is there) and before its afterAll (vitest runs after-hooks in reverse).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { ensureConsoleBuilt, launchBrowser, newContext, pageErrors } from '../helpers/browser.ts';
import { type LocalConsole, startLocalConsole } from './browser-local-gateway.ts';

/** A ceiling for something the page should show soon; never a wait by itself. */
export const SOON = { timeout: 30_000 };

export interface ConsoleBrowser {
  /** The local gateway (set once the file's beforeAll ran). */
  readonly lc: LocalConsole;
  readonly browser: Browser;
  /** A page in a new browser context, not signed in, with the list of its errors. */
  freshPage(gateway?: LocalConsole): Promise<{ page: Page; errors: string[] }>;
  /** Signs `page` in at `path` (an app path such as '/traces') with a new one-time link. */
  signIn(page: Page, path: string, gateway?: LocalConsole): Promise<void>;
  /** freshPage, then signIn. */
  signedIn(path: string, gateway?: LocalConsole): Promise<{ page: Page; errors: string[] }>;
}

export function useConsoleBrowser(
  start: () => Promise<LocalConsole> = () => startLocalConsole(),
): ConsoleBrowser {
  let lc: LocalConsole | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    await ensureConsoleBuilt();
    lc = await start();
    browser = await launchBrowser();
  }, 180_000);
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await lc?.close();
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside a test or hook`);
    return value;
  };
  const harness: ConsoleBrowser = {
    get lc() {
      return ready(lc, 'the local gateway');
    },
    get browser() {
      return ready(browser, 'Chromium');
    },
    async freshPage(gateway = harness.lc) {
      const context = await newContext(harness.browser);
      contexts.push(context);
      const page = await context.newPage();
      return { page, errors: pageErrors(page, gateway.base) };
    },
    async signIn(page, path, gateway = harness.lc) {
      const token = gateway.local.console?.issueLoginToken();
      if (!token) throw new Error('the local gateway serves no console');
      await page.goto(`${gateway.base}/console${path}#login=${token}`);
      await expect.poll(() => page.getByRole('navigation').count(), SOON).toBeGreaterThan(0);
    },
    async signedIn(path, gateway = harness.lc) {
      const opened = await harness.freshPage(gateway);
      await harness.signIn(opened.page, path, gateway);
      return opened;
    },
  };
  return harness;
}
