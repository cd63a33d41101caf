/**
 * The status bar's count of failures before a request that the rate limit held back (issue 17), in Chromium
 * against a real core: one client sends requests Node cannot parse, all at once, over real sockets; one becomes
 * a failed flow, the rest are counted in status.get and shown beside "N not recorded", with a tooltip saying
 * what the number counts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../../helpers/browser';
import { startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';
import { themeScreenshots } from '../../helpers/theme-screenshots';

let harness: RendererHarness;
let browser: Browser;
before(async () => {
  harness = await startRendererHarness();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await harness?.dispose();
});

/** A request Node's parser refuses (400), from 127.0.0.3; resolves when the proxy has answered and closed. */
async function garbage(): Promise<void> {
  const socket = net.connect({ port: harness.test.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.end('\x16\x03\x01 not http at all\r\n\r\n');
  for await (const _ of socket);
}

const SENT = 12;

test('failures held back by the rate limit show in the status bar as "N failures not listed"', { timeout: 60_000 }, async () => {
  const { context, page, errors } = await openPage(browser, harness.url, { width: 1280 });
  try {
    await page.waitForSelector('[data-testid=status-bar]', { timeout: 20_000 });
    const before = await page.$('[data-testid=suppressed-failures]');
    await Promise.all(Array.from({ length: SENT }, () => garbage()));
    // Every refusal is counted when it happens: those recorded as flows plus those held back make all of them.
    const held = harness.core.status().suppressedFailures ?? 0;
    // The count is announced within a second of the last refusal held back (no flow tells of it).
    const item = page.locator('[data-testid=suppressed-failures]');
    const shownText = async () => ((await item.textContent({ timeout: 20_000 })) ?? '').replace(/\s+/g, ' ').trim();
    const deadline = Date.now() + 20_000;
    let shown = await shownText();
    while (shown !== `${held} failures not listed` && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      shown = await shownText();
    }
    await harness.test.finishedFlows(1);
    const recorded = harness.core.store.query({ limit: 100 }).flows.length;
    assert.deepEqual(
      {
        before,
        seen: held + recorded,
        heldSome: held > 0,
        shown,
        tooltip: await item.getAttribute('title'),
        errors,
      },
      {
        before: null,
        seen: SENT,
        heldSome: true,
        shown: `${held} failures not listed`,
        tooltip: "Failures before a request (a client rejecting Hindsight's certificate, a request refused as too large or unparseable) held back since the start: one is recorded per client, reason and second, and each recorded one says how many like it were held back before it.",
        errors: [],
      },
    );
    await themeScreenshots(page, 'status-suppressed');
  } finally {
    await context.close();
  }
});
