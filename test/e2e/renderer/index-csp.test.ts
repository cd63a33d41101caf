/**
 * The renderer's Content-Security-Policy in Chromium, as each shell delivers it:
 * - from the UI server (`hindsight serve`), the header policy AND index.html's meta policy apply (a browser
 *   enforces both): the app still connects over its own ws:// origin (CSP3's 'self' covers it) and gets
 *   live events, while a socket or fetch to any other origin is refused;
 * - from file:// (the desktop window), the meta policy is the only one: the bundle runs, other origins
 *   are refused. (Chromium needs --allow-file-access-from-files for module scripts on file://; Electron
 *   grants its own file:// pages that.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumAvailable, launchChromium, type PageGlobals } from '../../helpers/browser';
import { RENDERER_DIR, rendererBuilt, startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';
import { curl } from '../../integration/capture/clients';

const TIMEOUT = 60_000;
const WAIT = { timeout: 20_000 };
const skip = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

/**
 * Records CSP violations from the first script on, each with the policy that refused it (the meta one is
 * the only one with default-src 'none'); console errors and page errors too.
 */
async function watch(page: Page): Promise<{ errors: string[]; violations(): Promise<string[]> }> {
  await page.addInitScript({
    content:
      'globalThis.__name = globalThis.__name || ((fn) => fn); globalThis.__violations = [];' +
      "document.addEventListener('securitypolicyviolation', (e) => globalThis.__violations.push(" +
      "(e.originalPolicy.includes(\"default-src 'none'\") ? 'meta ' : 'header ') + e.effectiveDirective + ' ' + e.blockedURI));",
  });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return { errors, violations: () => page.evaluate(() => (globalThis as unknown as PageGlobals).__violations as string[]) };
}

/** A socket and a fetch to another origin, from the page; both must fail. */
function reachElsewhere(page: Page, port: number): Promise<string[]> {
  return page.evaluate(async (p) => {
    const socket = await new Promise<string>((resolve) => {
      try {
        const ws = new WebSocket(`ws://127.0.0.1:${p}/`);
        ws.onopen = () => resolve('socket opened');
        ws.onerror = () => resolve('socket failed');
      } catch {
        resolve('socket failed');
      }
    });
    const fetched = await fetch(`http://127.0.0.1:${p}/`).then(
      () => 'fetch answered',
      () => 'fetch failed',
    );
    return [socket, fetched];
  }, port);
}

/** A port where a server listens (so only the policy can stop a connection). */
async function listening(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('the renderer under its Content-Security-Policy', { skip }, () => {
  let harness: RendererHarness;
  let browser: Browser;
  let fileBrowser: Browser;
  let other: Awaited<ReturnType<typeof listening>>;

  before(async () => {
    harness = await startRendererHarness();
    browser = await launchChromium();
    fileBrowser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--allow-file-access-from-files'] });
    other = await listening();
  });
  after(async () => {
    await browser?.close();
    await fileBrowser?.close();
    await other?.close();
    await harness?.dispose();
  });

  test('from the UI server: header and meta policy both apply; the app connects and gets live events, other origins are refused', { timeout: TIMEOUT }, async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const seen = await watch(page);
      const response = await page.goto(harness.url);
      const header = (await response?.allHeaders())?.['content-security-policy'] ?? '';
      const meta = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
      await curl(harness.test.proxyUrl, [harness.origin.url('/json?csp=1')]);
      await page.waitForSelector('[data-flow-id]:has-text("/json?csp=1")', WAIT);
      const clean = { violations: await seen.violations(), errors: [...seen.errors] };
      const elsewhere = await reachElsewhere(page, other.port);

      assert.deepEqual(
        {
          header: header.includes(`connect-src 'self' ws://127.0.0.1:${harness.ui.port}`),
          meta: meta?.includes("connect-src 'self'") && meta.includes("default-src 'none'"),
          clean,
          elsewhere,
          violations: await seen.violations(),
        },
        {
          header: true,
          meta: true,
          clean: { violations: [], errors: [] },
          elsewhere: ['socket failed', 'fetch failed'],
          // Each policy refuses on its own: both are in force.
          violations: [
            `header connect-src ws://127.0.0.1:${other.port}/`,
            `meta connect-src ws://127.0.0.1:${other.port}/`,
            `header connect-src http://127.0.0.1:${other.port}/`,
            `meta connect-src http://127.0.0.1:${other.port}/`,
          ],
        },
      );
    } finally {
      await context.close();
    }
  });

  test('from file:// (the desktop window): the meta policy alone; the bundle runs, other origins are refused', { timeout: TIMEOUT }, async () => {
    const context = await fileBrowser.newContext();
    try {
      const page = await context.newPage();
      const seen = await watch(page);
      await page.goto(pathToFileURL(path.join(RENDERER_DIR, 'index.html')).href);
      // No preload bridge and no token here: the app's own "open it from the link" page proves the bundle ran.
      await page.waitForSelector('text=Open Hindsight from the link it printed', WAIT);
      const clean = { violations: await seen.violations(), errors: [...seen.errors] };
      const elsewhere = await reachElsewhere(page, other.port);
      assert.deepEqual(
        { clean, elsewhere, violations: await seen.violations() },
        {
          clean: { violations: [], errors: [] },
          elsewhere: ['socket failed', 'fetch failed'],
          violations: [`meta connect-src ws://127.0.0.1:${other.port}/`, `meta connect-src http://127.0.0.1:${other.port}/`],
        },
      );
    } finally {
      await context.close();
    }
  });
});
