/**
 * Real headless Chromium for the console's end-to-end tests: Debian's /usr/bin/chromium driven by
 * playwright-core (one browser per test file, a fresh context per test), screenshots written to
 * test-results/console/<name>.png on every run, and an axe-core check that fails on any serious or critical
 * violation.
 *
 * axe-core is injected with `page.evaluate` of its source: the console's Content-Security-Policy allows no
 * inline script (so `addScriptTag({ content })` is refused), but DevTools-protocol evaluation is not subject
 * to the page's CSP, so the check runs against the page exactly as it is served (no bypassCSP anywhere).
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildConsole } from '../../../scripts/build-console.ts';

export const CHROMIUM = process.env['RAKU_CHROMIUM'] ?? '/usr/bin/chromium';
const ROOT = path.resolve(import.meta.dirname, '../../..');
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'console');

/**
 * Builds the console once per run (kept when its sources are unchanged: buildConsole's hash). Test files run
 * in parallel forks, so a lock folder makes a second file wait for the first's build instead of building into
 * the same dist/ at the same time; a lock older than 5 minutes is a crashed run's and is taken over.
 */
export async function ensureConsoleBuilt(): Promise<string> {
  const lock = path.join(ROOT, 'test-results', '.console-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return (await buildConsole({ ifStale: true })).dist;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Headless Chromium without the sandbox (containers) and without anything that calls home. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh context (no cookies, no storage) at a desktop size, English, UTC: screenshots stay comparable. */
export function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    colorScheme: 'light',
  });
}

/** Writes a full-page PNG of the page to test-results/console/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: use a-z, 0-9, -`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

let axeSource: string | undefined;
function axe(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core (WCAG 2.x A/AA and best practices) on the page as it is now; returns every violation. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(`${axe()}\n;true`);
  return (await page.evaluate(`window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    resultTypes: ['violations'],
  }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
  })))`)) as AxeViolation[];
}

/** Fails (throws) on any serious or critical axe-core violation, naming rule, impact and targets. */
export async function checkA11y(page: Page, view: string): Promise<AxeViolation[]> {
  const violations = await axeViolations(page);
  const grave = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (grave.length > 0) {
    const lines = grave.flatMap((v) => [
      `${v.id} (${v.impact}): ${v.help}`,
      ...v.nodes.map(
        (n) =>
          `    at ${JSON.stringify(n.target)}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`,
      ),
    ]);
    throw new Error(`axe-core on the ${view} view (${page.url()}):\n  ${lines.join('\n  ')}`);
  }
  return violations;
}

/**
 * Collects the console errors and uncaught exceptions of `origin`'s pages, so a test can assert there were
 * none. Other origins (an identity provider's login page) are not the console's to answer for, and the 401 of
 * GET /v1/session while signed out is the gateway's documented answer, which the browser logs as an error.
 */
export function pageErrors(page: Page, origin: string): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => {
    if (page.url().startsWith(origin)) errors.push(`uncaught: ${error.message}`);
  });
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const where = message.location().url;
    if (!where.startsWith(origin)) return;
    if (where === `${origin}/v1/session` && message.text().includes('status of 401')) return;
    errors.push(`console.error at ${where}: ${message.text()}`);
  });
  return errors;
}
