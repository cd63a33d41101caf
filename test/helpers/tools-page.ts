/**
 * For the e2e tests of the renderer's tools (rules, breakpoints, replay, composer, diff, export, import):
 * the real core and UI server (renderer-harness.ts), Chromium on the built renderer, and the few page
 * gestures those tests share — waiting for a row, the context menu, a notice, a synthetic file drop.
 * Waits are on the DOM, never on sleeps.
 */
import { after, afterEach, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, openPage, type PageGlobals } from './browser';
import { startRendererHarness, type RendererHarness } from './renderer-harness';
import { curl, type CurlResult } from '../integration/capture/clients';

export const TIMEOUT = 90_000;
export const WAIT = { timeout: 20_000 };

export interface ToolsBed {
  harness: RendererHarness;
  browser: Browser;
  /** curl through the proxy; `from` binds the client address (127.0.0.2 …). */
  send(url: string, args?: string[], from?: string): Promise<CurlResult>;
  dispose(): Promise<void>;
}

export async function startToolsBed(): Promise<ToolsBed> {
  const harness = await startRendererHarness();
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await harness.dispose();
    throw err;
  }
  return {
    harness,
    browser,
    send: (url, args = [], from) => curl(harness.test.proxyUrl, [...(from ? ['--interface', from] : []), ...args, url]),
    async dispose() {
      await browser.close();
      await harness.dispose();
    },
  };
}

export interface ToolsPage {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** A fresh page on the UI, connected, with the clipboard readable (copy as curl). */
export async function openToolsPage(bed: ToolsBed, options: { url?: string; colorScheme?: 'light' | 'dark' } = {}): Promise<ToolsPage> {
  const opened = await openPage(bed.browser, options.url ?? bed.harness.url, { colorScheme: options.colorScheme });
  await opened.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(bed.harness.url).origin });
  await opened.page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
  return opened;
}

/** Empties the store, the rules, the profiles and the origin's record between tests. */
export async function resetCore(bed: ToolsBed): Promise<void> {
  const { core } = bed.harness;
  await core.store.clear({ includePinned: true });
  const rules = core.rules.store;
  await rules.delete(rules.list().map((r) => r.rule.id));
  for (const p of rules.profileList()) await rules.deleteProfile(p.id);
  await core.setConditionsEnabled(true);
  bed.harness.origin.received.length = 0;
}

export interface ToolsSession {
  readonly bed: ToolsBed;
  /** This test's page (opened fresh for each test). */
  readonly page: Page;
  /** Another page for this test (a teammate's tab), closed and checked for errors with the first. */
  open(url: string): Promise<ToolsPage>;
}

/**
 * Registers a suite's hooks (call it inside describe): one bed for the suite; before each test a clean core
 * and a fresh page; after each, the pages closed and no page error or console error allowed.
 */
export function useToolsSession(): ToolsSession {
  let bed: ToolsBed | undefined;
  const pages: ToolsPage[] = [];
  before(async () => {
    bed = await startToolsBed();
  });
  after(async () => {
    await bed?.dispose();
  });
  beforeEach(async () => {
    await resetCore(bed!);
    pages.push(await openToolsPage(bed!));
  });
  afterEach(async () => {
    const errors = pages.flatMap((p) => p.errors);
    for (const p of pages.splice(0)) await p.context.close();
    // Nothing stays paused into the next test.
    const breakpoints = bed?.harness.core.rules.breakpoints;
    for (const paused of breakpoints?.list() ?? []) breakpoints!.resume(paused.id);
    assert.deepEqual(errors, []);
  });
  return {
    get bed() {
      return bed!;
    },
    get page() {
      return pages[0].page;
    },
    async open(url) {
      const opened = await openToolsPage(bed!, { url });
      pages.push(opened);
      return opened;
    },
  };
}

export const row = (path: string) => `[data-flow-id]:has([role=gridcell]:text-is("${path}"))`;

export async function waitForRowCount(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === n, count, WAIT);
}

/** Right-clicks a row (selecting it unless already selected) and picks a context menu item. */
export async function menuOnRow(page: Page, selector: string, item: string): Promise<void> {
  await page.click(selector, { button: 'right' });
  await page.click(`[data-testid=menu] [data-testid=${item}]`);
}

/** The text of the newest notice once one matches `pattern`. */
export async function notice(page: Page, pattern: RegExp): Promise<string> {
  const handle = await page.waitForFunction(
    (source) => {
      const re = new RegExp(source);
      const texts = [...(globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=notice] .text')].map((n) => n.textContent ?? '');
      return texts.reverse().find((t) => re.test(t)) ?? false;
    },
    pattern.source,
    WAIT,
  );
  return (await handle.jsonValue()) as string;
}

/** Drops a file on the window the way a drag from the desktop does (dragenter, dragover, drop with a File). */
export async function dropFile(page: Page, name: string, text: string): Promise<void> {
  await page.evaluate(`(() => {
    const data = new DataTransfer();
    data.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'application/json' }));
    const fire = (type) => document.body.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    fire('dragenter');
    fire('dragover');
    fire('drop');
  })()`);
}

/** Values of inputs in the page, by selector, in document order. */
export async function values(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((el) => (el as unknown as { value: string }).value));
}
