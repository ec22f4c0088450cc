/**
 * The Import view at the scale of the GitHub REST description (issue #14, `npm run bench console`): a local
 * gateway (`npm start`'s startLocal on a temporary copy of the config), and
 *  1. the server side: POST /v1/imports/openapi/analysis of the 12 MB document over HTTP with the local bearer
 *     token (request, parse, analysis, JSON answer), median of N runs after one warm-up; aim ≤ 2 s;
 *  2. the browser: the Import view in headless Chromium, the document chosen in its file input, then the time
 *     from pressing Analyse until the first operation row's checkbox can be clicked, and from scrolling the list
 *     to its end until the last row is there (virtualised: it is rendered only when in sight).
 *
 *   console.log(formatImport(await measureImport()));
 */

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startLocalConsole } from '../../gateway/test/console/browser-local-gateway.ts';
import { ensureConsoleBuilt, launchBrowser, newContext } from '../../gateway/test/helpers/browser.ts';

/** The aim of the issue for the server-side analysis. */
export const ANALYSIS_AIM_MS = 2000;

export interface ImportReport {
  documentBytes: number;
  operations: number;
  /** Server-side analysis over HTTP: every run's milliseconds. */
  analysisMs: number[];
  /** Pressing Analyse → the first row's checkbox is enabled and visible. */
  firstRowMs: number | null;
  /** Scrolling the list to its end → the last row is rendered. */
  lastRowMs: number | null;
  browserError: string | null;
}

export function githubDescription(): string {
  return createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function measureImport(options: { runs?: number } = {}): Promise<ImportReport> {
  const runs = options.runs ?? 5;
  const file = githubDescription();
  const document = readFileSync(file, 'utf8');
  await ensureConsoleBuilt();
  const lc = await startLocalConsole();
  try {
    const analysisMs: number[] = [];
    let operations = 0;
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      const { status, json } = await lc.api('POST', '/v1/imports/openapi/analysis', { document });
      const ms = performance.now() - started;
      if (status !== 200)
        throw new Error(`analysis answered ${status}: ${JSON.stringify(json).slice(0, 500)}`);
      operations = (json as { operations: unknown[] }).operations.length;
      if (i > 0) analysisMs.push(ms); // the first run warms the JIT and the loader's caches
    }

    const report: ImportReport = {
      documentBytes: statSync(file).size,
      operations,
      analysisMs,
      firstRowMs: null,
      lastRowMs: null,
      browserError: null,
    };
    const browser = await launchBrowser();
    try {
      const context = await newContext(browser);
      const page = await context.newPage();
      const token = lc.local.console?.issueLoginToken();
      if (!token) throw new Error('the local gateway serves no console');
      await page.goto(`${lc.base}/console/import#login=${token}`);
      await page.getByRole('heading', { level: 1, name: 'Import API' }).waitFor({ timeout: 60_000 });
      await page.getByLabel(/OpenAPI or Swagger document/).setInputFiles(file);
      await page.getByText(/api\.github\.com\.json, /).waitFor({ timeout: 60_000 });
      const analyse = page.getByRole('button', { name: 'Analyse', exact: true });
      let started = performance.now();
      await analyse.click();
      const first = page.locator('.import-row[aria-posinset="1"] input[type="checkbox"]').first();
      await first.waitFor({ state: 'visible', timeout: 120_000 });
      await first.click({ trial: true, timeout: 60_000 });
      report.firstRowMs = performance.now() - started;

      started = performance.now();
      await page.locator('.import-list').evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      await page.locator(`.import-row[aria-posinset="${operations}"]`).waitFor({ timeout: 60_000 });
      report.lastRowMs = performance.now() - started;
      await context.close();
    } catch (error) {
      report.browserError = error instanceof Error ? error.message : String(error);
    } finally {
      await browser.close();
    }
    return report;
  } finally {
    await lc.close();
  }
}

export function formatImport(r: ImportReport): string {
  const m = median(r.analysisMs);
  const lines = [
    // The machine is shared: say how busy it was, or the figures cannot be read.
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min)`,
    `document: GitHub REST description, ${(r.documentBytes / 1024 / 1024).toFixed(1)} MB, ${r.operations.toLocaleString('en-US')} operations`,
    `server-side analysis over HTTP (POST /v1/imports/openapi/analysis, median of ${r.analysisMs.length} after a warm-up): ` +
      `${m.toFixed(0)} ms, worst ${Math.max(...r.analysisMs).toFixed(0)} ms, aim ≤ ${ANALYSIS_AIM_MS} ms = ${(m / ANALYSIS_AIM_MS).toFixed(2)}x the aim`,
  ];
  if (r.browserError) lines.push(`browser: failed: ${r.browserError}`);
  else {
    lines.push(
      `browser: Analyse pressed → first operation row clickable: ${r.firstRowMs?.toFixed(0)} ms (upload, analysis, JSON, render)`,
      `browser: list scrolled to its end → last row (#${r.operations}) rendered: ${r.lastRowMs?.toFixed(0)} ms`,
    );
  }
  return lines.join('\n');
}
