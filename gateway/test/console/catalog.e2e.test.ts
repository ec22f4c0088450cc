/**
 * The catalog in real headless Chromium against `npm start`'s local gateway (startLocal on a temporary copy of
 * the repository's config plus the widgets pack, whose upstream is a fake API on 127.0.0.1): sign in, open the
 * catalog, search it, open a tool, fill the form generated from its input schema, try it, see the result and
 * follow the link to its trace. Each view is checked with axe-core and photographed into test-results/console/.
 * Nothing waits for a fixed time: locators wait for what should appear, with generous ceilings.
 */
import { describe, expect, it } from 'vitest';
import { checkA11y, screenshot } from '../helpers/browser.ts';
import { SOON, useConsoleBrowser } from './console-browser.ts';

const TEST_TIMEOUT = 120_000;

const c = useConsoleBrowser();
const signedIn = c.signedIn;

describe('catalog', () => {
  it(
    'lists the packs, opens a tool, tries it through the form and links to its trace',
    async () => {
      const { page, errors } = await signedIn('/');
      await page.getByRole('navigation').getByRole('link', { name: 'Catalog', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Catalog' }).waitFor(SOON);
      for (const pack of ['petstore', 'widgets'])
        await page.getByRole('heading', { level: 2, name: new RegExp(`^${pack} `) }).waitFor(SOON);
      // The petstore's destructive, sensitive tool carries both marks in words.
      const deleteRow = page.getByRole('row').filter({ hasText: 'petstore.delete_pet' });
      await expect.poll(() => deleteRow.textContent(), SOON).toContain('sensitive');
      expect(await deleteRow.textContent()).toContain('destructive');
      expect(await deleteRow.textContent()).toContain('DELETE /pet/{petId}');
      // The dev zone's third-party server, with its reviewed tools (its credential is not set here).
      await page.getByRole('heading', { level: 2, name: 'Third-party servers' }).waitFor(SOON);
      await page.getByRole('table', { name: 'Reviewed tools of github-mcp' }).waitFor(SOON);
      await checkA11y(page, 'catalog');
      await screenshot(page, 'catalog');

      // A richer schema: integer, required string with bounds, array of strings, enum, each as its control.
      await page.getByRole('link', { name: 'petstore.add_pet' }).click();
      await page.getByRole('heading', { level: 1, name: 'Add a pet' }).waitFor(SOON);
      await page.getByRole('textbox', { name: /^id/ }).fill('12');
      await page.getByRole('textbox', { name: /^name \(required\)/ }).fill('Rex');
      await page
        .getByRole('textbox', { name: /^photoUrls \(required\)/ })
        .fill('https://pets.example/rex-1.png\nhttps://pets.example/rex-2.png');
      await page.getByRole('combobox', { name: /^status/ }).selectOption('pending');
      const preview = page.locator('.try-it-preview');
      await expect
        .poll(async () => JSON.parse((await preview.textContent()) ?? 'null'), SOON)
        .toEqual({
          id: 12,
          name: 'Rex',
          photoUrls: ['https://pets.example/rex-1.png', 'https://pets.example/rex-2.png'],
          status: 'pending',
        });
      await checkA11y(page, 'catalog-tool');
      await screenshot(page, 'catalog-tool');
      await page.getByRole('link', { name: '← Catalog' }).click();
      await page.getByRole('heading', { level: 1, name: 'Catalog' }).waitFor(SOON);

      await page.getByRole('searchbox', { name: 'Search tools' }).fill('widget');
      await expect
        .poll(() => page.getByRole('heading', { level: 2, name: /^petstore / }).count(), SOON)
        .toBe(0);
      await page.getByRole('link', { name: 'widgets.get_widget' }).click();
      await page.getByRole('heading', { level: 1, name: 'widgets.get_widget' }).waitFor(SOON);
      await page.getByText('GET /widgets/{id}').waitFor(SOON);
      const id = page.getByRole('textbox', { name: /^id \(required\)/ });
      await id.waitFor(SOON);

      // The form refuses to send without the required field, and names it.
      const call = page.getByRole('button', { name: 'Call widgets.get_widget' });
      await call.click();
      await page.getByText('id: required').waitFor(SOON);
      expect(await id.getAttribute('aria-invalid')).toBe('true');

      await id.fill('w1');
      await page.getByRole('combobox', { name: /^verbose/ }).selectOption('false');
      await expect
        .poll(() => page.locator('.try-it-preview').textContent(), SOON)
        .toContain('"verbose": false');
      await call.click();
      const result = page.getByRole('region', { name: /^Result/ });
      await result.waitFor(SOON);
      await expect.poll(() => result.textContent(), SOON).toContain('"name": "bolt"');
      expect(await result.textContent()).toContain('ok');
      const traceLink = page.getByRole('link', { name: 'View the trace of this call' });
      await traceLink.waitFor(SOON);
      await checkA11y(page, 'catalog-try-it');
      await screenshot(page, 'catalog-try-it');

      const href = await traceLink.getAttribute('href');
      expect(href).toMatch(/^\/console\/traces\/[0-9a-f-]{36}$/);
      await traceLink.click();
      await page.getByRole('heading', { level: 1, name: 'Call of widgets.get_widget' }).waitFor(SOON);
      await page.getByText(href!.split('/').pop()!).first().waitFor(SOON);
      // The call reached the upstream with the form's values (verbose is a query parameter of the tool).
      expect(c.lc.upstream.requests.map((r) => r.url)).toContain('/api/widgets/w1?verbose=false');
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'shows a call that needs approval as its approval and job, waiting',
    async () => {
      const { page, errors } = await signedIn('/catalog/widgets.create_widget');
      await page.getByRole('heading', { level: 1, name: 'widgets.create_widget' }).waitFor(SOON);
      await page.getByText('This tool is sensitive: the call waits for an approver.').waitFor(SOON);
      await page.getByRole('textbox', { name: /^name \(required\)/ }).fill('sprocket');
      await page.getByRole('textbox', { name: /^tags/ }).fill('small\nsteel');
      await page.getByRole('button', { name: 'Call widgets.create_widget' }).click();
      const result = page.getByRole('region', { name: /^Result/ });
      await result.getByText('waiting for approval').waitFor(SOON);
      const text = (await result.textContent()) ?? '';
      const [, approvalId, jobId] =
        /Approval ([0-9a-f-]{36}): the call runs as job ([0-9a-f-]{36})/.exec(text) ?? [];
      expect(jobId, text).toBeDefined();
      const job = await c.lc.api('GET', `/v1/jobs/${jobId}`);
      expect(job.json).toMatchObject({ tool: 'widgets.create_widget', status: 'waiting_approval' });
      // What the approver is asked about is what the form sent.
      const approval = await c.lc.api('GET', `/v1/approvals/${approvalId}`);
      expect(approval.json).toMatchObject({
        status: 'pending',
        rule: 'console-e2e/approvals/widget-creation',
        args: { name: 'sprocket', tags: ['small', 'steel'] },
      });
      await result.getByRole('link', { name: 'Approvals' }).waitFor(SOON);
      await checkA11y(page, 'catalog-approval');
      expect(errors).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
