/**
 * Settings → UI access → Rotate token in Chromium against a real UI server: the tab gets the new token in its
 * address and reconnects with it; a second tab holding the old address is disconnected and cannot come back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { chromiumAvailable, launchChromium, openPage } from '../../helpers/browser';
import { startTestCore, type TestCore } from '../../helpers/core';
import { RENDERER_DIR, rendererBuilt } from '../../helpers/renderer-harness';

const TIMEOUT = 90_000;
const WAIT = { timeout: 20_000 };
const skip = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

describe('rotating the UI token', { skip }, () => {
  let core: TestCore;
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    core = await startTestCore();
    ui = await startUiServer(core.core, { port: 0, rendererDir: RENDERER_DIR });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
    await core?.dispose();
  });

  test('this tab switches to the new token; another tab with the old one is locked out', { timeout: TIMEOUT }, async () => {
    const shots = process.env.HINDSIGHT_SCREENSHOTS;
    const oldUrl = ui.url;
    const me = await openPage(browser, oldUrl, { width: 1280, height: 800 });
    const other = await openPage(browser, oldUrl, { width: 1280, height: 800, colorScheme: 'dark' });
    try {
      for (const { page } of [me, other]) await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
      await me.page.click('[data-testid=open-settings]');
      await me.page.click('[data-testid=settings-tab-access]');
      await me.page.click('[data-testid=rotate-token]');
      await me.page.waitForSelector('[data-testid=token-rotated]', WAIT);
      const hash = await me.page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash);
      // The server closes every socket just after answering: the other tab drops and stays out; this tab
      // drops too and reconnects with the token now in its address.
      await other.page.waitForSelector('[data-testid=connection-state]:not(.open)', WAIT);
      await me.page.waitForSelector('[data-testid=connection-state].open', WAIT);
      if (shots) await me.page.screenshot({ path: `${shots}/token-rotated-light.png` });
      if (shots) await other.page.screenshot({ path: `${shots}/token-old-tab-dark.png` });
      const status = await me.page.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('[data-testid=connection-state]')?.textContent);
      assert.deepEqual(
        { hash, changed: ui.token !== new URL(oldUrl).hash.slice('#token='.length), status: status?.includes('Connected'), errors: me.errors },
        { hash: `#token=${ui.token}`, changed: true, status: true, errors: [] },
      );
    } finally {
      await me.context.close();
      await other.context.close();
    }
  });
});
