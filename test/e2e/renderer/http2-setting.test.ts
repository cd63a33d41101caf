/**
 * Settings → HTTP/2 in Chromium against a real UI server: the switch turns HTTP/2 off and on, the choice lands
 * in the data folder and the core applies it to new connections; a run started with `--http2` (CoreOptions.http2)
 * says the flag wins.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { chromiumAvailable, launchChromium, openPage } from '../../helpers/browser';
import { startTestCore, type TestCore } from '../../helpers/core';
import { RENDERER_DIR, rendererBuilt } from '../../helpers/renderer-harness';

const TIMEOUT = 90_000;
const WAIT = { timeout: 20_000 };
const skip = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

describe('Settings → HTTP/2', { skip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  async function withUi(options: { http2?: 'auto' | 'off' }, colorScheme: 'light' | 'dark', run: (page: Awaited<ReturnType<typeof openPage>>['page'], core: TestCore) => Promise<void>) {
    const core = await startTestCore(options);
    const ui = await startUiServer(core.core, { port: 0, rendererDir: RENDERER_DIR });
    const { page, context, errors } = await openPage(browser, ui.url, { width: 1280, height: 800, colorScheme });
    try {
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
      await page.click('[data-testid=open-settings]');
      await page.click('[data-testid=settings-tab-http2]');
      await page.waitForSelector('[data-testid=http2-switch]', WAIT);
      await run(page, core);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
      await ui.close();
      await core.dispose();
    }
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`the switch turns HTTP/2 off and on, saved in the data folder (${colorScheme})`, { timeout: TIMEOUT }, async () => {
      const shots = process.env.HINDSIGHT_SCREENSHOTS;
      await withUi({}, colorScheme, async (page, core) => {
        const file = path.join(core.dataDir, 'http2.json');
        const state = async () => ({ checked: await page.getAttribute('[data-testid=http2-switch]', 'aria-checked'), core: core.core.http2.info(), kept: fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).mode : null });
        const initially = await state();
        await page.click('[data-testid=http2-switch]');
        await page.waitForSelector('[data-testid=http2-switch][aria-checked=false]:not([aria-busy=true])', WAIT);
        const off = await state();
        if (shots) {
          // The knob slides: the picture waits for its transition to end.
          await page.evaluate(() => Promise.all((globalThis as unknown as { document: { getAnimations(): { finished: Promise<unknown> }[] } }).document.getAnimations().map((a) => a.finished)));
          await page.screenshot({ path: `${shots}/settings-http2-${colorScheme}.png` });
        }
        await page.click('[data-testid=http2-switch]');
        await page.waitForSelector('[data-testid=http2-switch][aria-checked=true]:not([aria-busy=true])', WAIT);
        assert.deepEqual(
          { initially, off, on: await state(), flagNote: await page.locator('[data-testid=http2-from-flag]').count() },
          {
            initially: { checked: 'true', core: { saved: 'auto', effective: 'auto' }, kept: null },
            off: { checked: 'false', core: { saved: 'off', effective: 'off' }, kept: 'off' },
            on: { checked: 'true', core: { saved: 'auto', effective: 'auto' }, kept: 'auto' },
            flagNote: 0,
          },
        );
      });
    });

    test(`a run started with --http2 off says the flag wins (${colorScheme})`, { timeout: TIMEOUT }, async () => {
      const shots = process.env.HINDSIGHT_SCREENSHOTS;
      await withUi({ http2: 'off' }, colorScheme, async (page, core) => {
        const note = await page.textContent('[data-testid=http2-from-flag]', WAIT);
        if (shots) await page.screenshot({ path: `${shots}/settings-http2-flag-${colorScheme}.png` });
        assert.deepEqual(
          { checked: await page.getAttribute('[data-testid=http2-switch]', 'aria-checked'), note: note?.replace(/\s+/g, ' ').trim(), core: core.core.http2.info() },
          {
            checked: 'true',
            note: 'This run was started with hindsight serve --http2 off, which wins: HTTP/2 is off until the next start. The switch is saved for starts without the flag.',
            core: { saved: 'auto', effective: 'off', fromFlag: 'off' },
          },
        );
      });
    });
  }
});
