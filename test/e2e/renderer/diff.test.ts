/**
 * The diff view against a real core: a replay sent with one header changed, compared with its original in
 * one click, shows that header as changed (and the echoed body's JSON paths that follow from it); any two
 * flows selected in the list compare too (status, body).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { PageGlobals } from '../../helpers/browser';
import { menuOnRow, notice, row, TIMEOUT, useToolsSession, values, WAIT, waitForRowCount } from '../../helpers/tools-page';

describe('diff', () => {
  const session = useToolsSession();

  const cells = (page: Page, selector: string) =>
    page.$$eval(selector, (rows) => rows.map((r) => [...r.querySelectorAll('td, th')].map((c) => (c.textContent ?? '').replace(/\s+/g, ' ').trim())));

  test('a replay with a changed header, compared with its original in one click', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/echo?d=1'), ['-H', 'X-Token: one']);
    await page.click(row('/echo?d=1'));
    await page.click('[data-testid=resend]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=composer-url]')?.value !== '', undefined, WAIT);
    const names = await values(page, '[data-testid=composer-headers-name]');
    await page.locator('[data-testid=composer-headers-value]').nth(names.indexOf('X-Token')).fill('two');
    await page.click('[data-testid=composer-send]');
    await notice(page, /^Sent: 200$/);
    await waitForRowCount(page, 2);

    await page.click('[data-testid=compare-original]');
    await page.waitForSelector('[data-testid=diff-request-headers]', WAIT);
    const sides = await page.$$eval('[data-testid=diff] .side .which', (els) => els.map((e) => e.textContent));
    const requestHeaders = await cells(page, '[data-testid=diff-request-headers] [data-testid=header-change]');
    const bodyKind = await page.getAttribute('[data-testid=diff-response-body]', 'data-kind');
    const bodyPaths = await page.$$eval('[data-testid=diff-response-body] [data-testid=json-change] th', (ths) => ths.map((t) => t.textContent));
    assert.deepEqual(
      { sides, requestHeaders, same: await page.$('[data-testid=diff-same]'), bodyKind, bodyChangesHeaderValue: bodyPaths.some((path) => /^\$\.rawHeaders\[\d+\]$/.test(path ?? '')) },
      { sides: ['Original', 'Replay'], requestHeaders: [['~', 'X-Token', 'one→two']], same: null, bodyKind: 'json', bodyChangesHeaderValue: true },
    );
  });

  test('any two selected flows compare: status and body', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/status/200'));
    await bed.send(bed.harness.origin.url('/status/404'));
    await waitForRowCount(page, 2);
    await page.click(row('/status/200'));
    await page.click(row('/status/404'), { modifiers: ['Shift'] });
    await menuOnRow(page, row('/status/404'), 'menu-compare');
    await page.waitForSelector('[data-testid=diff-status]', WAIT);
    const text = async (selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
    assert.deepEqual(
      { url: await text('[data-testid=diff-url]'), status: await text('[data-testid=diff-status]'), body: await page.getAttribute('[data-testid=diff-response-body]', 'data-kind') },
      { url: `URL ${bed.harness.origin.url('/status/200')} → ${bed.harness.origin.url('/status/404')}`, status: 'Status 200 → 404', body: 'text' },
    );
  });
});
