/**
 * Replay from the UI against a real core and a recording origin: the replayed request reaches the origin
 * as the original did and shows in the list as a linked replay (↻, "Replay of"); several selected flows
 * (ctrl-click) replay in capture order; "bypass rules" goes past a mock that "through rules" hits.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { PageGlobals } from '../../helpers/browser';
import { menuOnRow, notice, row, TIMEOUT, useToolsSession, WAIT, waitForRowCount } from '../../helpers/tools-page';

describe('replay', () => {
  const session = useToolsSession();

  const selectedRows = (page: Page) =>
    page.$$eval('[data-flow-id][aria-selected=true]', (rows) => rows.map((r) => ({ path: r.querySelectorAll('[role=gridcell]')[5]?.textContent, replay: !!r.querySelector('[data-testid=replay-marker]') })));

  test('a replay reaches the origin as the original did and is linked to it', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/echo?id=7'), ['-H', 'X-Order: 1', '-H', 'x-order: 2', '-H', 'Content-Type: text/plain', '--data-raw', 'hello body']);
    await page.click(row('/echo?id=7'));
    await page.click('[data-testid=replay]');
    await waitForRowCount(page, 2);
    await notice(page, /^Replayed: 200$/);
    const original = bed.harness.core.store.query({ limit: 10 }).flows.find((f) => !f.replayOf)!;
    await page.waitForSelector(`[data-testid=detail] button.link-button:text-is("${original.id}")`, WAIT);
    const [sent, replayed] = bed.harness.origin.received;
    assert.deepEqual(
      { selected: await selectedRows(page), received: bed.harness.origin.received.length, replayed: { method: replayed.method, url: replayed.url, rawHeaders: replayed.rawHeaders } },
      { selected: [{ path: '/echo?id=7', replay: true }], received: 2, replayed: { method: sent.method, url: sent.url, rawHeaders: sent.rawHeaders } },
    );
    // "Replay of" leads back to the original.
    await page.click(`[data-testid=detail] button.link-button:text-is("${original.id}")`);
    await page.waitForFunction((id) => (globalThis as unknown as PageGlobals).document.querySelector('[data-flow-id][aria-selected=true]')?.getAttribute('data-flow-id') === id, original.id, WAIT);
  });

  test('several selected flows replay in capture order', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/status/201'));
    await bed.send(bed.harness.origin.url('/status/202'));
    await bed.send(bed.harness.origin.url('/status/203'));
    await waitForRowCount(page, 3);
    // Newest first in the list: select 203 and 201 (ctrl-click), leaving 202 out.
    await page.click(row('/status/203'));
    await page.click(row('/status/201'), { modifiers: ['Control'] });
    assert.equal((await selectedRows(page)).length, 2);
    await menuOnRow(page, row('/status/201'), 'menu-replay');
    await waitForRowCount(page, 5);
    await notice(page, /^Replayed 2 requests$/);
    assert.deepEqual(
      { received: bed.harness.origin.received.map((r) => r.url), selected: (await selectedRows(page)).sort((a, b) => String(a.path).localeCompare(String(b.path))) },
      {
        received: ['/status/201', '/status/202', '/status/203', '/status/201', '/status/203'],
        selected: [
          { path: '/status/201', replay: true },
          { path: '/status/203', replay: true },
        ],
      },
    );
  });

  test('"bypass rules" goes past a mock that a replay through the rules hits', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.harness.core.rules.store.save({ name: 'Fake json', matchers: [{ type: 'url', pattern: '*/json', syntax: 'wildcard' }], action: { type: 'mock', status: 299, headers: [], body: 'fake' } });
    const mocked = await bed.send(bed.harness.origin.url('/json'));
    await waitForRowCount(page, 1);
    await menuOnRow(page, row('/json'), 'menu-replay-bypass');
    await waitForRowCount(page, 2);
    await notice(page, /^Replayed without rules: 200$/);
    const afterBypass = bed.harness.origin.received.length;
    // The original is the older row, second in the list.
    await menuOnRow(page, `${row('/json')} >> nth=1`, 'menu-replay');
    await waitForRowCount(page, 3);
    await notice(page, /^Replayed: 299$/);
    const statuses = await page.$$eval('[data-flow-id] [role=gridcell]:nth-child(7)', (cells) => cells.map((c) => (c.textContent ?? '').trim()));
    assert.deepEqual({ mocked: mocked.status, afterBypass, afterThrough: bed.harness.origin.received.length, statuses }, { mocked: 299, afterBypass: 1, afterThrough: 1, statuses: ['299', '200', '299'] });
  });
});
