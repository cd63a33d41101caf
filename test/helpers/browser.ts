/**
 * Debian's Chromium driven by playwright-core, for the renderer's e2e tests, benchmark and screenshots.
 * Headless, no sandbox (containers run as root), nothing phoning home. `apt-get install chromium`
 * provides /usr/bin/chromium; CHROMIUM_PATH overrides it.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export async function launchChromium(): Promise<Browser> {
  if (!chromiumAvailable()) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
}

/** A fresh context (own storage) and page; console errors, Svelte warnings and page errors are collected for assertions. */
export async function openPage(browser: Browser, url: string, options: PageOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  // tsx compiles named functions inside page.evaluate callbacks to `__name(fn, "fn")` (esbuild keepNames);
  // the page has no such helper, so give it the identity one.
  await context.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((fn) => fn);' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    // Svelte's runtime warnings (derived_inert, ownership, …) name a bug even when nothing breaks yet.
    else if (msg.type() === 'warning' && msg.text().includes('svelte.dev/e/')) errors.push(`console warning: ${msg.text()}`);
  });
  await page.goto(url);
  return { context, page, errors };
}

/**
 * What functions passed to page.evaluate / waitForFunction see: they run in Chromium, but are type-checked
 * with the Node-side tsconfig, which has no DOM library on purpose. Inside one, write
 * `const w = globalThis as unknown as PageGlobals;` (a cast only: nothing from Node travels to the page).
 */
export interface PageElement {
  textContent: string | null;
  value?: string;
  scrollTop: number;
  complete?: boolean;
  naturalWidth?: number;
  naturalHeight?: number;
  src?: string;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): PageElement[];
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { top: number; bottom: number };
  dispatchEvent(event: unknown): boolean;
}
export interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): PageElement[]; activeElement: PageElement | null };
  Event: new (type: string, init?: { bubbles?: boolean }) => unknown;
  performance: {
    now(): number;
    getEntriesByName(name: string): { startTime: number }[];
    getEntriesByType(type: string): { name: string; startTime: number }[];
  };
  requestAnimationFrame(callback: (time: number) => void): number;
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => { observe(options: { type: string; buffered?: boolean }): void; disconnect(): void };
  [key: string]: unknown;
}
