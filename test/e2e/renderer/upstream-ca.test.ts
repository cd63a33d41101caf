/**
 * Settings → Server CAs in Chromium against a real UI server: a pasted CA certificate is checked, saved to the
 * data folder and listed; text that holds no certificate is refused with the reason and nothing changes;
 * Remove takes it out again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { dataPaths } from '../../../electron/core/paths';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { chromiumAvailable, launchChromium, openPage } from '../../helpers/browser';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startOrigin, type Origin } from '../../helpers/origin';
import { RENDERER_DIR, rendererBuilt } from '../../helpers/renderer-harness';

const TIMEOUT = 90_000;
const WAIT = { timeout: 20_000 };
const skip = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

describe('Settings → Server CAs', { skip }, () => {
  let core: TestCore;
  let ui: UiServer;
  let browser: Browser;
  let origin: Origin;
  before(async () => {
    origin = await startOrigin();
    core = await startTestCore();
    ui = await startUiServer(core.core, { port: 0, rendererDir: RENDERER_DIR });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
    await core?.dispose();
    await origin?.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    test(`a pasted CA is saved and listed, junk is refused, Remove takes it out (${colorScheme})`, { timeout: TIMEOUT }, async () => {
      const shots = process.env.HINDSIGHT_SCREENSHOTS;
      const { page, context, errors } = await openPage(browser, ui.url, { width: 1280, height: 800, colorScheme });
      const file = dataPaths(core.core.dataDir).upstreamCa;
      try {
        await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
        await page.click('[data-testid=open-settings]');
        await page.click('[data-testid=settings-tab-upstream-ca]');
        await page.waitForSelector('[data-testid=upstream-ca-none]', WAIT);
        await page.fill('[data-testid=upstream-ca-pem]', 'not a certificate');
        await page.click('[data-testid=upstream-ca-add]');
        const refused = await page.textContent('[data-testid=upstream-ca-error]', WAIT);
        const afterRefused = fs.existsSync(file);
        await page.fill('[data-testid=upstream-ca-pem]', origin.caPem);
        await page.click('[data-testid=upstream-ca-add]');
        await page.waitForSelector('[data-testid=upstream-ca-saved]', WAIT);
        const listed = await page.locator('[data-testid=upstream-ca-cert] .name').allTextContents();
        const saved = fs.readFileSync(file, 'utf8');
        if (shots) await page.screenshot({ path: `${shots}/settings-server-cas-${colorScheme}.png` });
        await page.click('[data-testid=upstream-ca-remove]');
        await page.waitForSelector('[data-testid=upstream-ca-none]', WAIT);
        assert.deepEqual(
          { refused, afterRefused, listed, saved, afterRemove: fs.existsSync(file), pasted: await page.inputValue('[data-testid=upstream-ca-pem]'), errors },
          {
            refused: 'upstreamCa.set: pem: holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)',
            afterRefused: false,
            listed: ['O=Hindsight, CN=Hindsight test origin CA'],
            saved: `${origin.caPem.trim()}\n`,
            afterRemove: false,
            pasted: '',
            errors: [],
          },
        );
      } finally {
        await context.close();
      }
    });
  }
});
