/**
 * The Reports view against a real core: real traffic from an iPhone, an Android phone and a desktop
 * client in two releases, then the endpoint table (sortable, a row filters the flow list), the error
 * groups (an example opens its flow), the coverage view, and saving the HTML report.
 * HINDSIGHT_SCREENSHOTS=DIR saves the views at 1280 and 1024 px, light and dark.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { PageGlobals } from '../../helpers/browser';
import { SENT, send, startApiOrigin, type ApiOrigin } from '../../helpers/report-traffic';
import { openToolsPage, TIMEOUT, useToolsSession, WAIT, waitForRowCount } from '../../helpers/tools-page';

const texts = (page: Page, selector: string): Promise<string[]> =>
  page.evaluate((s) => [...(globalThis as unknown as PageGlobals).document.querySelectorAll(s)].map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()), selector);

/** The cells of each matching table row, as text; `columns` picks some. */
async function cells(page: Page, selector: string, columns: number[]): Promise<string[][]> {
  const rows = await page.evaluate(
    (s) => [...(globalThis as unknown as PageGlobals).document.querySelectorAll(s)].map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim())),
    selector,
  );
  return rows.map((row) => columns.map((c) => row[c]));
}

describe('reports', () => {
  const session = useToolsSession();
  let origin: ApiOrigin;
  before(async () => {
    origin = await startApiOrigin();
  });
  after(async () => {
    await origin.close();
  });

  async function traffic(): Promise<void> {
    for (const item of SENT) await send(session.bed.harness.test.port, origin.port, item);
    await waitForRowCount(session.page, SENT.length);
  }

  test('endpoint table: sorted by count, re-sorted by error rate, a row filters the flow list', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    await traffic();
    await page.click('[data-testid=open-reports]');
    await page.waitForSelector('[data-testid=endpoint-row]', WAIT);
    const endpoint = (rows: string[]) => rows.map((r) => r.split(' ').slice(0, 3).join(' '));
    assert.deepEqual(endpoint(await texts(page, '[data-testid=endpoint-row] td.endpoint')), [
      'GET /users/{id} api.test',
      'GET /boom/{id} api.test',
      'POST /orders api.test',
      'DELETE /users/{id} api.test',
      'GET /users/{id}/orders/{uuid} api.test',
      'GET /reports/{date} api.test',
      'GET /users/{id} nope.test',
    ]);
    await page.click('[data-testid=sort-errorRate]');
    assert.deepEqual(endpoint(await texts(page, '[data-testid=endpoint-row] td.endpoint')).slice(0, 4), [
      'GET /boom/{id} api.test',
      'DELETE /users/{id} api.test',
      'GET /users/{id} nope.test',
      'GET /users/{id}/orders/{uuid} api.test',
    ]);
    await page.click('[data-testid=endpoint-row]:has-text("/boom/{id}")');
    await page.waitForSelector('[data-testid=reports-panel]', { state: 'detached', ...WAIT });
    await waitForRowCount(page, 2);
    assert.match(await page.inputValue('[data-testid=filter-input]'), /^method:GET host:api\.test path:\/\^\\\/boom\\\/\[\^\/\?\]\+\(\?:\\\?\|\$\)\/$/);
  });

  test('a device profile narrows the report to its clients', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.harness.core.rules.store.saveProfile({ name: 'QA iPhone', clients: ['127.0.0.2'] });
    await traffic();
    await page.click('[data-testid=open-reports]');
    await page.waitForSelector('[data-testid=endpoint-row]', WAIT);
    await page.selectOption('[data-testid=report-profile]', { label: 'QA iPhone' });
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=endpoint-row]').length === 4, undefined, WAIT);
    assert.deepEqual(await cells(page, '[data-testid=endpoint-row]', [0, 1]), [
      ['GET /boom/{id} api.test', '2'],
      ['POST /orders api.test', '2'],
      ['GET /users/{id} api.test', '2'],
      ['GET /users/{id}/orders/{uuid} api.test', '1'],
    ]);
  });

  test('errors: grouped by endpoint and status; an example opens its flow', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    await traffic();
    await page.click('[data-testid=open-reports]');
    await page.click('[data-testid=report-tab-errors]');
    await page.waitForSelector('[data-testid=error-row]', WAIT);
    assert.deepEqual(await cells(page, '[data-testid=error-row]', [0, 1, 2]), [
      ['GET /boom/{id} api.test', '500', '2'],
      ['DELETE /users/{id} api.test', '403', '2'],
      ['GET /users/{id}/orders/{uuid} api.test', '404', '1'],
      ['GET /users/{id} nope.test', 'failed dns: could not resolve nope.test (ENOTFOUND)', '1'],
    ]);
    const id = (await cells(page, '[data-testid=error-row]', [5]))[3][0];
    await page.click(`[data-testid=error-row] .examples button:text-is("${id}")`);
    await waitForRowCount(page, 1);
    assert.equal(await page.inputValue('[data-testid=filter-input]'), `id:${id}`);
  });

  test('coverage of the newest release per platform, and the HTML report saved', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    await traffic();
    await page.click('[data-testid=open-reports]');
    await page.click('[data-testid=report-tab-coverage]');
    await page.fill('[data-testid=release-from]', 'ua:/MyApp\\/(\\d+\\.\\d+)/');
    await page.press('[data-testid=release-from]', 'Enter');
    await page.waitForSelector('[data-testid=uncovered-row]', WAIT);
    assert.deepEqual(await texts(page, '[data-testid=coverage-summary] .count'), ['4 / 6 (67%)', '2 / 4 (50%)', '2 / 3 (67%)', '0 / 0']);
    assert.deepEqual(await cells(page, '[data-testid=uncovered-row]', [0, 1, 3]), [
      ['GET /boom/{id} api.test', 'iOS', '1.0'],
      ['GET /reports/{date} api.test', 'Android', '1.0'],
      ['GET /users/{id}/orders/{uuid} api.test', 'iOS', '1.0'],
    ]);
    const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('[data-testid=save-html]')]);
    const html = fs.readFileSync(await download.path(), 'utf8');
    assert.match(download.suggestedFilename(), /^hindsight-coverage-[\d-]+\.html$/);
    assert.match(html, /<h1>Coverage report<\/h1>[\s\S]*4 \/ 6 \(67%\)/);
  });

  test('screenshots at 1280 and 1024 px, light and dark', { timeout: TIMEOUT, skip: !process.env.HINDSIGHT_SCREENSHOTS }, async () => {
    const dir = process.env.HINDSIGHT_SCREENSHOTS!;
    fs.mkdirSync(dir, { recursive: true });
    await session.bed.harness.core.rules.store.saveProfile({ name: 'QA iPhone', clients: ['127.0.0.2'] });
    await traffic();
    for (const scheme of ['light', 'dark'] as const) {
      const { page, context } = await openToolsPage(session.bed, { colorScheme: scheme });
      for (const width of [1280, 1024]) {
        await page.setViewportSize({ width, height: 800 });
        await page.screenshot({ path: path.join(dir, `reports-toolbar-${width}-${scheme}.png`), clip: { x: 0, y: 0, width, height: 48 } });
        // Below 1360 px this branch's toolbar overflows and the filter bar covers the tools (main folds them,
        // issue 13), so the screenshot run opens the view with a DOM click rather than at the button's spot.
        await page.dispatchEvent('[data-testid=open-reports]', 'click');
        await page.click('[data-testid=report-tab-endpoints]');
        await page.waitForSelector('[data-testid=endpoint-row]', WAIT);
        await page.screenshot({ path: path.join(dir, `reports-endpoints-${width}-${scheme}.png`) });
        await page.click('[data-testid=report-tab-coverage]');
        await page.fill('[data-testid=release-from]', 'ua:/MyApp\\/(\\d+\\.\\d+)/');
        await page.press('[data-testid=release-from]', 'Enter');
        await page.waitForSelector('[data-testid=uncovered-row]', WAIT);
        await page.screenshot({ path: path.join(dir, `reports-coverage-${width}-${scheme}.png`) });
        await page.click('[data-testid=report-tab-errors]');
        await page.waitForSelector('[data-testid=error-row]', WAIT);
        await page.screenshot({ path: path.join(dir, `reports-errors-${width}-${scheme}.png`) });
        await page.keyboard.press('Escape');
        await page.waitForSelector('[data-testid=reports-panel]', { state: 'detached', ...WAIT });
      }
      await context.close();
    }
  });
});
