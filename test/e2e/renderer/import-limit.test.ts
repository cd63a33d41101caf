/**
 * Issue 14, item 7, in the window: a HAR dropped on a store that keeps fewer flows than the file has stores
 * the newest, and the notice says how many older ones were not kept (it said only "Imported N flows").
 * SCREENSHOT_DIR=… also saves the notice at 1280 px, light and dark, to look at.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../../helpers/browser';
import { startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';
import { dropFile, notice, TIMEOUT, WAIT, waitForRowCount } from '../../helpers/tools-page';

let harness: RendererHarness;
let browser: Browser;
before(async () => {
  harness = await startRendererHarness({ core: { store: { maxFlows: 3, trimCount: 1 } } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await harness?.dispose();
});

const har = JSON.stringify({
  log: {
    version: '1.2',
    entries: [0, 1, 2, 3, 4].map((hour) => ({
      startedDateTime: new Date(Date.UTC(2025, 2, 4, hour)).toISOString(),
      request: { method: 'GET', url: `https://limit.example.test/${hour}`, httpVersion: 'HTTP/1.1', headers: [] },
      response: { status: 204, statusText: 'No Content', httpVersion: 'HTTP/1.1', headers: [] },
    })),
  },
});

for (const colorScheme of ['light', 'dark'] as const) {
  test(`a dropped HAR over the store's limit says how many older flows were not kept (${colorScheme})`, { timeout: TIMEOUT }, async () => {
    await harness.core.store.clear({ includePinned: true });
    const { page, context } = await openPage(browser, harness.url, { width: 1280, height: 800, colorScheme });
    try {
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
      await dropFile(page, 'five.har', har);
      const said = await notice(page, /^Imported/);
      await waitForRowCount(page, 3);
      if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, `import-limit-${colorScheme}.png`) });
      const urls = harness.core.store
        .query({ limit: 10 })
        .flows.map((f) => f.url)
        .sort();
      assert.deepEqual(
        { said, urls },
        {
          said: 'Imported 5 flows from five.har (the store keeps the newest 3: 2 older ones were not kept)',
          urls: [2, 3, 4].map((hour) => `https://limit.example.test/${hour}`),
        },
      );
    } finally {
      await context.close();
    }
  });
}
