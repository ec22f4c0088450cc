/**
 * The Import API view in real headless Chromium against `npm start`'s local gateway, with pull requests going to
 * a fake GitHub (nock in this process intercepts the gateway's Octokit calls: the gateway runs in-process).
 * The issue's "done means": the Petstore document uploaded through the file input, exactly three operations
 * selected, one marked sensitive, added to the dev zone, previewed, the pull request opened and its link shown;
 * then the files the fake pull request's branch carries, laid over the base config, validate with `raku
 * validate`. A second test lists the GitHub REST description (~1,200 operations) and scrolls and filters it.
 * Nothing waits for a fixed time: locators wait for what should appear, with generous ceilings.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkA11y, screenshot } from '../helpers/browser.ts';
import { type FakeGitHub, fakeGitHub } from '../helpers/fake-github.ts';
import { type LocalConsole, startLocalConsole } from './browser-local-gateway.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
const PETSTORE = require.resolve('@readme/oas-examples/3.0/json/petstore.json');
const GITHUB_REST = require.resolve('@octokit/openapi/generated/api.github.com.json');
const REPOSITORY = 'acme/raku-config';
const GITHUB_TOKEN = 'ghs_import_e2e';
const OPENAI = 'https://openai.e2e.test/v1';

/** The 12 MB document is uploaded, parsed and analysed on a busy 2-core machine: a ceiling, not an expectation. */
const SLOW = { timeout: 120_000 };

const c = useConsoleBrowser(() =>
  startLocalConsole({
    env: {
      RAKU_CONFIG_REPOSITORY: REPOSITORY,
      RAKU_GITHUB_TOKEN: GITHUB_TOKEN,
      // OpenAI is faked by nock in this process (the gateway runs in it), per test.
      OPENAI_API_KEY: 'sk-import-e2e',
      OPENAI_BASE_URL: OPENAI,
      RAKU_AI_MODEL: 'gpt-e2e',
    },
  }),
);
let github: FakeGitHub;

beforeAll(() => {
  // The fake repository's main branch holds what the local gateway's config folder holds.
  github = fakeGitHub({ repository: REPOSITORY, folder: c.lc.root, token: GITHUB_TOKEN });
});

afterAll(() => {
  github?.close();
});

async function importPage(gateway: LocalConsole = c.lc): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await c.signedIn('/', gateway);
  await page.getByRole('navigation').getByRole('link', { name: 'Import API', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Import API' }).waitFor(SOON);
  return { page, errors };
}

/** The files (path → content) written into a new temporary folder; returns it. */
function writeTree(files: Map<string, string>): string {
  const tree = mkdtempSync(path.join(tmpdir(), 'raku-import-tree-'));
  for (const [file, content] of files) {
    mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
    writeFileSync(path.join(tree, file), content);
  }
  return tree;
}

/** Shows the operation `label` ("GET /pet/{petId}") through the filter, and returns its row. */
async function findOperation(page: Page, method: string, opPath: string) {
  await page.getByLabel('Filter (path, tag, name)').fill(`${method} ${opPath}`);
  const row = page.locator(`li[data-operation="${method} ${opPath}"]`);
  await row.waitFor(SOON);
  return row;
}

describe('Import API view (real Chromium)', () => {
  it('imports three Petstore operations, one sensitive, into dev as a pull request whose files validate', {
    timeout: 240_000,
  }, async () => {
    const { page, errors } = await importPage();
    await checkA11y(page, 'import (source)');
    await page.getByLabel(/OpenAPI or Swagger document/).setInputFiles(PETSTORE);
    await page.getByText('petstore.json, 25.1 KB').waitFor(SOON);
    await screenshot(page, 'import-source');
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^2\. Operations of Swagger Petstore/ }).waitFor(SOON);

    // Start from nothing, then pick exactly three through the filter (the list renders only rows in sight).
    await page.getByRole('button', { name: 'Select none shown' }).click();
    await expect.poll(() => page.getByText(/0 selected/).count(), SOON).toBe(1);
    const picks: [string, string][] = [
      ['GET', '/pet/findByStatus'],
      ['GET', '/pet/{petId}'],
      ['GET', '/store/inventory'],
    ];
    for (const [method, opPath] of picks) {
      const row = await findOperation(page, method, opPath);
      await row.getByRole('checkbox', { name: `Import ${method} ${opPath}` }).check();
    }
    const pet = await findOperation(page, 'GET', '/pet/{petId}');
    await pet.getByRole('checkbox', { name: 'Sensitive: GET /pet/{petId}' }).check();
    await pet.getByRole('button', { name: 'Details of GET /pet/{petId}' }).click();
    await page.getByRole('region', { name: 'Operation GET /pet/{petId}' }).waitFor(SOON);
    await page.getByLabel('Filter (path, tag, name)').fill('');
    await page.getByText('3 selected').waitFor(SOON);
    await expect.poll(() => page.getByText(/3 selected, 1 of them sensitive/).count(), SOON).toBe(1);
    await checkA11y(page, 'import (operations)');
    await screenshot(page, 'import-operations');

    await page.getByLabel('Add to zone').selectOption('dev');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Files' }).waitFor(SOON);
    await page.locator('.import-preview .badge', { hasText: /^valid$/ }).waitFor(SOON);
    await expect
      .poll(() => page.locator('.import-file summary', { hasText: 'zones/dev.yaml' }).count())
      .toBe(1);
    await checkA11y(page, 'import (preview)');
    await screenshot(page, 'import-preview');

    // The patch download: <pack>.patch, and git applies it to the base.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download patch' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('swagger-petstore.patch');
    const patchFile = await download.path();
    const baseTree = writeTree(github.filesOf('main'));
    try {
      execFileSync('git', ['apply', '--check', patchFile], { cwd: baseTree });
    } finally {
      rmSync(baseTree, { recursive: true, force: true });
    }

    await page.getByRole('button', { name: 'Open pull request' }).click();
    const link = page.getByRole('status').getByRole('link', { name: /^#\d+$/ });
    await link.waitFor(SOON);
    await checkA11y(page, 'import (pull request)');
    await screenshot(page, 'import-pull-request');
    expect(errors).toEqual([]);

    expect(github.pulls).toHaveLength(1);
    const pull = github.pulls[0]!;
    expect(await link.getAttribute('href')).toBe(pull.url);
    expect(await page.getByText('Pull request opened:').count()).toBe(1);

    // The files the pull request's branch carries: three tools, one sensitive, the pack added to dev.
    const files = github.filesOf(pull.head);
    const base = github.filesOf('main');
    const changed = [...files.keys()].filter((p) => base.get(p) !== files.get(p)).sort();
    // The pack is named from the document's title, as the CLI names it.
    const packPath = 'packs/swagger-petstore/pack.yaml';
    expect(changed).toEqual([packPath, 'zones/dev.yaml']);
    const pack = parse(files.get(packPath)!) as { name: string; tools: { sensitive?: boolean }[] };
    expect(pack.tools).toHaveLength(3);
    expect(pack.tools.filter((t) => t.sensitive)).toHaveLength(1);
    const dev = parse(files.get('zones/dev.yaml')!) as { packs: { name: string }[] };
    expect(dev.packs.map((p) => p.name)).toContain(pack.name);

    // `raku validate` on the branch's tree (base + the pull request's files).
    const tree = writeTree(files);
    try {
      // Exit code 0 (execFileSync throws otherwise) and no error among the diagnostics.
      const out = execFileSync(
        'node',
        [path.join(ROOT, 'bin/raku.js'), 'validate', '-C', tree, '-f', 'json'],
        {
          encoding: 'utf8',
        },
      );
      const diagnostics = JSON.parse(out) as { severity: string; message: string }[];
      expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }

    // The same change again is the same pull request, said as such.
    await page.getByRole('button', { name: 'Open pull request' }).click();
    await page.getByText('This change is already open as').waitFor(SOON);
    expect(github.pulls).toHaveLength(1);
  });

  it("shows the gateway's reason when the pasted text is not an OpenAPI document", async () => {
    const { page, errors } = await importPage();
    await page.getByRole('radio', { name: 'Paste text' }).check();
    await page.getByLabel('OpenAPI or Swagger document (JSON or YAML)').fill('openapi: [not, a, document');
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(SOON);
    // The gateway's own message, naming the field: not a generic failure.
    const answer = await c.lc.api('POST', '/v1/imports/openapi/analysis', {
      document: 'openapi: [not, a, document',
    });
    expect(answer.status).toBe(400);
    expect(await alert.textContent()).toBe((answer.json as { error: { message: string } }).error.message);
    expect(await page.getByRole('heading', { level: 2, name: /^2\./ }).count()).toBe(0);
    await checkA11y(page, 'import (refused document)');
    // The browser logs the 400 as a failed resource load; nothing else may fail.
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it("shows the gateway's reason when a renamed tool is refused, and no preview", async () => {
    const { page, errors } = await importPage();
    await page.getByLabel(/OpenAPI or Swagger document/).setInputFiles(PETSTORE);
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^2\. Operations of Swagger Petstore/ }).waitFor(SOON);
    const row = await findOperation(page, 'GET', '/pet/{petId}');
    await row.getByRole('textbox', { name: 'Tool name of GET /pet/{petId}' }).fill('get pet!');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(SOON);
    expect(await alert.textContent()).toMatch(/^operations\[\d+\]\.name: "get pet!" is not a tool name/);
    expect(await page.getByRole('heading', { level: 3, name: 'Files' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Open pull request' }).count()).toBe(0);
    await checkA11y(page, 'import (refused draft)');
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it('offers the AI suggestions as a diff: one accepted by keyboard, one rejected, the rest accepted', async () => {
    const asked: unknown[] = [];
    const answer = {
      tools: [
        { name: 'deletePet', title: null, description: 'Deletes a pet for good.', sensitive: true },
        { name: 'addPet', title: null, description: 'Adds a pet to the store.', sensitive: null },
      ],
      groups: [],
      suggestedSelection: ['getPetById', 'deletePet'],
      approvals: [{ tools: ['deletePet'], reason: 'irreversible' }],
    };
    const openai = nock(new URL(OPENAI).origin)
      .post('/v1/chat/completions', (body) => {
        asked.push(body);
        return true;
      })
      .reply(200, {
        id: 'c1',
        object: 'chat.completion',
        created: 0,
        model: 'gpt-e2e',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content: JSON.stringify(answer), refusal: null },
          },
        ],
      });
    const { page, errors } = await importPage();
    await page.getByLabel(/OpenAPI or Swagger document/).setInputFiles(PETSTORE);
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^2\. Operations of Swagger Petstore/ }).waitFor(SOON);
    await page.getByRole('button', { name: 'Select none shown' }).click();
    for (const [method, opPath] of [
      ['POST', '/pet'],
      ['GET', '/pet/{petId}'],
      ['DELETE', '/pet/{petId}'],
    ] as const) {
      const row = await findOperation(page, method, opPath);
      await row.getByRole('checkbox', { name: `Import ${method} ${opPath}` }).check();
    }
    await page.getByRole('button', { name: 'Suggest with AI' }).click();
    await page.getByText('Suggested by gpt-e2e.').waitFor(SOON);
    expect(openai.isDone()).toBe(true);
    // The model was asked about the three operations selected, no others.
    const sent = asked[0] as { messages: { content: string }[] };
    const payload = JSON.parse(sent.messages[1]?.content ?? '{}') as { tools: { name: string }[] };
    expect(payload.tools.map((t) => t.name).sort()).toEqual(['addPet', 'deletePet', 'getPetById']);

    // Each differing field is an item: POST /pet deselected and described, DELETE described and sensitive.
    const items = page.locator('.import-suggestion');
    await expect.poll(() => items.count(), SOON).toBe(4);
    await checkA11y(page, 'import (AI suggestions)');
    await screenshot(page, 'import-ai');

    // Accept one with the keyboard only.
    await page.getByRole('button', { name: 'Accept sensitive of DELETE /pet/{petId}' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => items.count(), SOON).toBe(3);
    await page.getByRole('button', { name: 'Reject import of POST /pet' }).click();
    await expect.poll(() => items.count(), SOON).toBe(2);
    await page.getByRole('button', { name: 'Accept all 2' }).click();
    await page.getByText('No suggestion left that differs from your edits.').waitFor(SOON);

    // The edits now carry what was accepted, and not what was rejected.
    const del = await findOperation(page, 'DELETE', '/pet/{petId}');
    expect(await del.getByRole('checkbox', { name: 'Sensitive: DELETE /pet/{petId}' }).isChecked()).toBe(
      true,
    );
    await del.getByRole('button', { name: 'Details of DELETE /pet/{petId}' }).click();
    expect(await page.getByLabel('Tool description').inputValue()).toBe('Deletes a pet for good.');
    const add = await findOperation(page, 'POST', '/pet');
    expect(await add.getByRole('checkbox', { name: 'Import POST /pet' }).isChecked()).toBe(true);
    await page.getByLabel('Filter (path, tag, name)').fill('');
    await page.getByText('3 selected, 1 of them sensitive').waitFor(SOON);
    expect(errors).toEqual([]);
  });

  it('lists the GitHub REST description: every operation, scrolled to the end, filtered', {
    timeout: 300_000,
  }, async () => {
    const { page, errors } = await importPage();
    await page.getByLabel(/OpenAPI or Swagger document/).setInputFiles(GITHUB_REST);
    await page.getByText(/api\.github\.com\.json, 12\.\d MB/).waitFor(SOON);
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    const listed = page.getByRole('heading', { level: 2, name: /^2\. Operations of GitHub/ });
    await listed.or(page.getByRole('alert')).first().waitFor(SLOW);
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);

    const shown = page.getByText(/^[\d,]+ of [\d,]+ operations shown$/);
    const total = Number(/of ([\d,]+)/.exec((await shown.textContent()) ?? '')?.[1]?.replace(/,/g, ''));
    expect(total).toBeGreaterThan(1000);
    // Virtualised: far fewer rows in the page than operations.
    expect(await page.locator('.import-row').count()).toBeLessThan(100);

    await page.locator('.import-list').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.locator(`.import-row[aria-posinset="${total}"]`);
    await last.waitFor(SOON);
    await expect.poll(() => last.isVisible(), SOON).toBe(true);

    await page
      .getByLabel('Filter (path, tag, name)')
      .fill('/repos/{owner}/{repo}/issues/{issue_number}/comments');
    await expect
      .poll(async () => Number(/^(\d+) of/.exec((await shown.textContent()) ?? '')?.[1]), SOON)
      .toBeLessThan(10);
    const rows = await page
      .locator('.import-row')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-operation')));
    expect(rows.length).toBeGreaterThan(0);
    for (const id of rows) expect(id).toContain('/repos/{owner}/{repo}/issues/{issue_number}/comments');
    await checkA11y(page, 'import (GitHub REST)');
    await screenshot(page, 'import-large');
    expect(errors).toEqual([]);
  });
});

describe('Import API view on a gateway without GitHub settings that may fetch URLs (real Chromium)', () => {
  let plain: LocalConsole;
  let documents: http.Server;
  let documentsUrl: string;
  beforeAll(async () => {
    // This one may fetch documents from URLs, private addresses included (the documents server is 127.0.0.1;
    // the import's own switch: the packs' private-network setting does not count for imports).
    plain = await startLocalConsole({ env: { RAKU_IMPORT_URLS: 'private' } });
    documents = http.createServer((req, res) => {
      if (req.url !== '/petstore.json') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(PETSTORE));
    });
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve));
    documentsUrl = `http://127.0.0.1:${(documents.address() as AddressInfo).port}`;
  }, 180_000);
  afterAll(async () => {
    await new Promise((resolve) => documents?.close(resolve));
    await plain?.close();
  });

  it('analyses a document the gateway fetches from a URL, when it may', { timeout: 120_000 }, async () => {
    const { page, errors } = await importPage(plain);
    await page.getByRole('radio', { name: 'From a URL' }).check();
    await page.getByLabel('Document URL (fetched by the gateway)').fill(`${documentsUrl}/petstore.json`);
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^2\. Operations of Swagger Petstore/ }).waitFor(SOON);
    await page.getByText('20 of 20 operations shown').waitFor(SOON);
    // A URL that answers 404: the gateway's reason, naming the URL's answer.
    await page.getByLabel('Document URL (fetched by the gateway)').fill(`${documentsUrl}/missing.json`);
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor(SOON);
    expect(await alert.textContent()).toMatch(/404/);
    // The first document's analysis is gone: nothing of it can be proposed any more.
    expect(await page.getByRole('heading', { level: 2, name: /^2\./ }).count()).toBe(0);
    await checkA11y(page, 'import (URL)');
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  });

  it('shows the contract diff against the pack of the same name already in the repository', {
    timeout: 120_000,
  }, async () => {
    const { page, errors } = await importPage(plain);
    await page.getByLabel(/OpenAPI or Swagger document/).setInputFiles(PETSTORE);
    await page.getByLabel('Pack name (optional)').fill('petstore');
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^2\. Operations of Swagger Petstore/ }).waitFor(SOON);
    await page.getByText(/petstore 1\.0\.0 is already in the repository/).waitFor(SOON);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('heading', { level: 3, name: 'Contract' }).waitFor(SOON);
    const contract = page.getByRole('region', { name: 'Contract diff' });
    await contract.waitFor(SOON);
    // The committed pack's tools were named by hand; the document's operationIds come in as new tools.
    expect(await contract.textContent()).toContain('+ addPet (new tool)');
    await checkA11y(page, 'import (existing pack)');
    await screenshot(page, 'import-contract');
    expect(errors).toEqual([]);
  });

  it('says why pull requests are off and offers the patch, of the previewed selection only', {
    timeout: 120_000,
  }, async () => {
    const status = await plain.api('GET', '/v1/config-repository');
    expect(status.status).toBe(200);
    const { pullRequests } = status.json as { pullRequests: { enabled: boolean; reason: string } };
    expect(pullRequests.enabled).toBe(false);

    const { page, errors } = await importPage(plain);
    // This time the document is dropped on the field, as from a file manager.
    const dropped = await page.evaluateHandle(
      (text: string) => {
        // Runs in the page; this file is compiled without the DOM's types, hence the shapes spelled out.
        const dom = globalThis as unknown as {
          DataTransfer: new () => { items: { add(file: unknown): void } };
          File: new (parts: string[], name: string, init: { type: string }) => unknown;
        };
        const transfer = new dom.DataTransfer();
        transfer.items.add(new dom.File([text], 'petstore.json', { type: 'application/json' }));
        return transfer;
      },
      readFileSync(PETSTORE, 'utf8'),
    );
    await page.locator('.import-drop').dispatchEvent('dragover', { dataTransfer: dropped });
    await page.locator('.import-drop').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByText('petstore.json, 25.1 KB').waitFor(SOON);
    await page.getByRole('button', { name: 'Analyse', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: /^2\. Operations of Swagger Petstore/ }).waitFor(SOON);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: '4. Pull request' }).waitFor(SOON);
    await page.getByText(`Pull requests are off: ${pullRequests.reason}.`).waitFor(SOON);
    expect(await page.getByRole('button', { name: 'Open pull request' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Download patch' }).isEnabled()).toBe(true);
    await checkA11y(page, 'import (no pull requests)');
    await screenshot(page, 'import-no-pull-requests');

    // A change after the preview: the shown draft is no longer what would be proposed.
    const row = await findOperation(page, 'GET', '/store/inventory');
    await row.getByRole('checkbox', { name: 'Import GET /store/inventory' }).uncheck();
    await page.getByText('The selection or target changed since this preview').waitFor(SOON);
    expect(await page.getByRole('button', { name: 'Download patch' }).isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  });
});
