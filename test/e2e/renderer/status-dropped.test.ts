/**
 * The status bar's count of exchanges the store dropped (issue 16), in Chromium against a real core: the
 * store's backlog limit is set to nothing, a batch is on its way to the disk, and the store refuses the
 * next exchange exactly as the proxy asks it (admit).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../../helpers/browser';
import { startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';
import { makeFlow } from '../../helpers/flows';

let harness: RendererHarness;
let browser: Browser;
before(async () => {
  harness = await startRendererHarness({ core: { store: { maxBacklogBytes: 0 } } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await harness?.dispose();
});

/** Runs the microtasks queued so far, but no timer or I/O callback: the batch is still on its way. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

test('exchanges the store could not take show in the status bar as "N not recorded"', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openPage(browser, harness.url, { width: 1280 });
  try {
    await page.waitForSelector('[data-testid=status-bar]', { timeout: 20_000 });
    const before = await page.$('[data-testid=dropped-count]');
    const store = harness.core.store;
    const seq = store.nextSeq();
    store.flowStarted(makeFlow({ response: true, id: `f${seq}`, seq }));
    const flushed = store.flush();
    await microtasks();
    const admitted = [store.admit(), store.admit(), store.admit()];
    await flushed;
    await page.waitForSelector('[data-testid=dropped-count]', { timeout: 20_000 });
    const shown = ((await page.textContent('[data-testid=dropped-count]')) ?? '').replace(/\s+/g, ' ').trim();
    assert.deepEqual({ before, admitted, status: harness.core.status().dropped, shown, errors }, { before: null, admitted: [false, false, false], status: 3, shown: '3 not recorded', errors: [] });
  } finally {
    await context.close();
  }
});
