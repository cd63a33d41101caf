/**
 * The Inspector view in Chromium against a real core and UI server (what `hindsight serve` runs) and real
 * `node --inspect` processes: a relay started from the form finds two processes with their stable paths,
 * pid and port, shows a session attached through it, follows a restart, and stops. Screenshots at 1280 and
 * 1024 px, light and dark, go to the test's temp folder (INSPECTOR_SHOTS=DIR keeps them). Waits are on
 * the DOM, never on sleeps.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, openPage, type PageGlobals } from '../../helpers/browser';
import { eventually, freePortRun, killInspecteesAfterEach, openCdp, startInspectee } from '../../helpers/inspect';
import { rendererBuilt, startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';

const TIMEOUT = 120_000;
const WAIT = { timeout: 30_000 };
const skipBrowser = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

killInspecteesAfterEach();

const rows = (page: Page) => page.$$eval('[data-testid=inspector-process]', (els) => els.map((e) => e.querySelectorAll('td')).map((tds) => [...tds].map((td) => (td.textContent ?? '').trim())));

describe('Inspector view', { skip: skipBrowser }, () => {
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

  test('start a relay, see its processes follow a restart, attach, stop; screenshots light and dark', { timeout: TIMEOUT }, async () => {
    const base = await freePortRun(4);
    const shots = process.env.INSPECTOR_SHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-shots-'));
    const { page, context, errors } = await openPage(browser, harness.url, { width: 1280, height: 860 });
    try {
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
      await page.click('[data-testid=open-inspector]');
      await page.waitForSelector('[data-testid=inspector-none]', WAIT);
      await page.fill('[data-testid=inspector-port]', '0');
      await page.fill('[data-testid=inspector-targets]', `${base}-${base + 3}`);
      await page.fill('[data-testid=inspector-name]', 'api');
      await page.click('[data-testid=inspector-start]');
      await page.waitForSelector('[data-testid=inspector-waiting]', WAIT);
      const [relay] = harness.core.inspect.list().relays;

      const first = await startInspectee(base + 1);
      const other = await startInspectee(base + 2);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=inspector-process]').length === 2, undefined, WAIT);
      const session = await openCdp(`ws://127.0.0.1:${relay.port}/api`);
      // The row shows the session; the pid comes from the OS a moment after the process is found.
      await page.waitForSelector(`[data-testid=inspector-process]:has-text("attached"):has-text("${first.child.pid}")`, WAIT);
      await page.waitForSelector(`[data-testid=inspector-process]:has-text("${other.child.pid}")`, WAIT);
      const script = path.resolve(__dirname, '..', '..', 'fixtures', 'inspect', 'app.js');
      assert.deepEqual(await rows(page), [
        ['/api', 'attached', String(first.child.pid), script, String(base + 1), '1', '0', 'DevTools URL'],
        ['/api-2', 'live', String(other.child.pid), script, String(base + 2), '0', '0', 'DevTools URL'],
      ]);
      assert.equal(
        await page.textContent('[data-testid=inspector-relay] [data-testid=command] code'),
        `devtools://devtools/bundled/js_app.html?experiments=true&v8only=true&ws=127.0.0.1:${relay.port}/`,
      );
      assert.match((await page.textContent('[data-testid=inspector-vscode]')) ?? '', new RegExp(`"port": ${relay.port},\\s+"restart": true`));
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const width of [1280, 1024]) {
          await page.setViewportSize({ width, height: 860 });
          await page.screenshot({ path: path.join(shots, `inspector-${width}-${scheme}.png`) });
        }
      }
      await page.setViewportSize({ width: 1280, height: 860 });

      await session.close();
      await first.kill();
      await page.waitForSelector('[data-testid=inspector-process]:has-text("restarting…")', WAIT);
      const back = await startInspectee(base + 3);
      await page.waitForSelector(`[data-testid=inspector-process]:has-text("${back.child.pid}")`, WAIT);
      assert.deepEqual((await rows(page))[0], ['/api', 'live', String(back.child.pid), script, String(base + 3), '0', '1', 'DevTools URL']);

      await page.click('[data-testid=inspector-stop]');
      await page.waitForSelector('[data-testid=inspector-none]', WAIT);
      assert.deepEqual({ relays: harness.core.inspect.list().relays, errors }, { relays: [], errors: [] });
      await eventually(() => (fs.existsSync(path.join(shots, 'inspector-1024-dark.png')) ? true : undefined), 'the screenshots');
    } finally {
      await context.close();
    }
  });
});
