/**
 * A hindsight://profile/ link the desktop app was handed (the `profiles/link-opened` event) in Chromium on
 * the built renderer: the page asks first, with the rules the link holds, and imports only on confirm.
 * The event is published by a real API server side over the UI server's WebSocket (the renderer's client
 * treats IPC and WebSocket events alike); main's side of it is test/unit/main/desktop.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { createApiServerSide, type ApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { chromiumAvailable, launchChromium, openPage } from '../../helpers/browser';
import { startTestCore, type TestCore } from '../../helpers/core';
import { hostileProfileLink, sharedProfileLink } from '../../helpers/profiles';
import { RENDERER_DIR, rendererBuilt } from '../../helpers/renderer-harness';

const TIMEOUT = 90_000;
const WAIT = { timeout: 20_000 };
const skip = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

describe('a profile link opened in the desktop app', { skip }, () => {
  let core: TestCore;
  let api: ApiServerSide;
  let ui: UiServer;
  let browser: Browser;
  before(async () => {
    core = await startTestCore();
    api = createApiServerSide(createApiHandlers(core.core), core.core);
    ui = await startUiServer(core.core, { port: 0, rendererDir: RENDERER_DIR, api });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await ui?.close();
    api?.dispose();
    await core?.dispose();
  });

  test('asks before importing, then imports the profile', { timeout: TIMEOUT }, async () => {
    const { page, context, errors } = await openPage(browser, ui.url);
    try {
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
      api.publish('profiles/link-opened', { link: sharedProfileLink });
      await page.waitForSelector('[data-testid=profile-link-rules]', WAIT);
      const offered = await page.$$eval('[data-testid=profile-link-rules] li', (items) => items.map((li) => (li as unknown as { innerText: string }).innerText));
      const before = core.core.rules.store.profileList().length;
      await page.click('[data-testid=confirm-profile-import]');
      await page.waitForSelector('[data-testid=profile-link-rules]', { ...WAIT, state: 'detached' });
      const profiles = core.core.rules.store.profileList().map((p) => [p.name, p.clients, p.rules.map((r) => r.name)]);
      assert.deepEqual(
        { offered, before, profiles, errors },
        { offered: ['Mock 500 for api.test/* from profile "Pixel — staging"\nnamed “down” by its author'], before: 0, profiles: [['Pixel — staging', ['127.0.0.2'], ['down']]], errors: [] },
      );
    } finally {
      await context.close();
    }
  });

  // Issue 14, item 1: the link reads "Mock 200 for GET example.com/health" in its author's words.
  test('a catch-all rule behind a harmless name is shown for what it does; a link without conditions is refused', { timeout: TIMEOUT }, async () => {
    const shots = process.env.HINDSIGHT_SCREENSHOTS;
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page, context, errors } = await openPage(browser, ui.url, { width: 1280, height: 800, colorScheme });
      try {
        await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
        api.publish('profiles/link-opened', { link: hostileProfileLink({ emptyMatchers: true }) });
        await page.waitForSelector('[data-testid=profile-link-rules]', WAIT);
        const offered = await page.$$eval('[data-testid=profile-link-rules] li', (items) => items.map((li) => (li as unknown as { innerText: string }).innerText));
        if (shots) await page.screenshot({ path: `${shots}/profile-link-catch-all-${colorScheme}.png` });
        await page.click('text=Cancel');
        api.publish('profiles/link-opened', { link: hostileProfileLink() });
        await page.waitForSelector('[data-testid=profile-link-refused]', WAIT);
        const refused = await page.textContent('[data-testid=profile-link-refused]');
        const importDisabled = await page.isDisabled('[data-testid=confirm-profile-import]');
        if (shots) await page.screenshot({ path: `${shots}/profile-link-refused-${colorScheme}.png` });
        assert.deepEqual(
          { offered, refused, importDisabled, errors, profiles: core.core.rules.store.profileList().length },
          {
            offered: [
              [
                'Send every request to https://collector.evil.example:8443 from profile "QA phone" (Host header follows)',
                'named “Mock 200 for GET example.com/health” by its author',
                'This rule has no conditions: it matches every request, HTTPS included.',
              ].join('\n'),
            ],
            refused: 'This link cannot be imported: rules[0].matchers: is missing (a shared rule must list its conditions; [] means every request).',
            importDisabled: true,
            errors: [],
            profiles: 1,
          },
        );
      } finally {
        await context.close();
      }
    }
  });
});

