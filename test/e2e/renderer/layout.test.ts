/**
 * The main window on laptop screens (issue 13): at 1024×768 and 1280×800 the toolbar's controls, the
 * flow count, the list's column headings and the detail pane are all on screen, whole, and never on top
 * of each other; columns the list has no room for are hidden by priority, and collapsing the detail pane
 * gives them back. Measured by bounding boxes in Chromium against a real core with a seeded store.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../../helpers/browser';
import { seedFlows, startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';

const TIMEOUT = 60_000;
const WAIT = { timeout: 20_000 };

interface Box {
  name: string;
  shown: boolean;
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** The text does not fit its box (cut or ellipsised). */
  clipped: boolean;
}

/** The toolbar's controls, in order; none may overlap another or leave the window. */
const TOOLBAR: [string, string][] = [
  ['brand', '[data-testid=brand]'],
  ['filter', '.filter-input'],
  ['ip', 'label:has([data-testid=filter-ip])'],
  ['url', 'label:has([data-testid=filter-url])'],
  ['saved', 'button[title="Saved filters"]'],
  ['count', '[data-testid=flow-count]'],
  ['rules', '[data-testid=open-rules]'],
  ['composer', '[data-testid=open-composer]'],
  ['export', '[data-testid=open-export]'],
  ['more', '[data-testid=more-actions]'],
  ['settings', '[data-testid=open-settings]'],
];

const COLUMNS = ['marker', 'time', 'client', 'method', 'host', 'path', 'status', 'type', 'size', 'duration'];

async function measure(page: Page, targets: [string, string][]): Promise<Box[]> {
  return page.evaluate(`(${JSON.stringify(targets)}).map(([name, selector]) => {
    const el = document.querySelector(selector);
    const r = el ? el.getBoundingClientRect() : { left: 0, right: 0, top: 0, bottom: 0, width: 0, height: 0 };
    const shown = !!el && r.width > 0 && r.height > 0;
    const clipped = !!el && [el, ...el.querySelectorAll('*')].some((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible');
    return { name, shown, left: Math.round(r.left), right: Math.round(r.right), top: Math.round(r.top), bottom: Math.round(r.bottom), clipped };
  })`);
}

const overlap = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** Everything wrong with the window at this size, as sentences; [] when all is well. */
async function problems(page: Page, width: number): Promise<{ problems: string[]; columns: string[] }> {
  const found: string[] = [];
  const toolbar = await measure(page, TOOLBAR);
  for (const box of toolbar) {
    if (!box.shown) found.push(`${box.name} is not shown`);
    else if (box.left < 0 || box.right > width) found.push(`${box.name} leaves the window (${box.left}–${box.right})`);
  }
  for (const box of toolbar.filter((b) => b.clipped && b.name !== 'filter' && b.name !== 'ip' && b.name !== 'url')) found.push(`${box.name} is cut`);
  for (let i = 0; i < toolbar.length; i++) for (let j = i + 1; j < toolbar.length; j++) if (toolbar[i].shown && toolbar[j].shown && overlap(toolbar[i], toolbar[j])) found.push(`${toolbar[i].name} overlaps ${toolbar[j].name}`);

  const [list, detail] = await measure(page, [
    ['list', '.list-pane'],
    ['detail', '[data-testid=detail-pane]'],
  ]);
  const headings = await measure(page, COLUMNS.map((c) => [c, `.flow-list .header .col-${c}`] as [string, string]));
  const cells = await measure(page, COLUMNS.map((c) => [c, `[data-flow-id] .col-${c}`] as [string, string]));
  for (const h of headings.filter((b) => b.shown)) {
    if (h.right > list.right || h.left < list.left) found.push(`the ${h.name} heading leaves the list (${h.left}–${h.right} of ${list.left}–${list.right})`);
    if (h.clipped) found.push(`the ${h.name} heading is cut`);
  }
  for (const c of cells.filter((b) => b.shown && (b.name === 'status' || b.name === 'duration' || b.name === 'method'))) {
    if (c.clipped || c.right > list.right) found.push(`the first row's ${c.name} is cut`);
  }
  if (detail.shown) {
    if (overlap(list, detail)) found.push('the list overlaps the detail pane');
    if (detail.right > width) found.push('the detail pane leaves the window');
    if (detail.right - detail.left < 340) found.push(`the detail pane is ${detail.right - detail.left} px wide`);
  }
  return { problems: found, columns: headings.filter((h) => h.shown).map((h) => h.name) };
}

describe('layout on laptop screens', () => {
  let harness: RendererHarness;
  let browser: Browser;

  before(async () => {
    harness = await startRendererHarness();
    browser = await launchChromium();
    await seedFlows(harness.core, 200, { bodies: 10, seed: 5 });
  });
  after(async () => {
    await browser?.close();
    await harness?.dispose();
  });

  const sizes = [
    { width: 1024, height: 768, open: ['marker', 'time', 'method', 'host', 'path', 'status', 'duration'] },
    { width: 1280, height: 800, open: ['marker', 'time', 'client', 'method', 'host', 'path', 'status', 'size', 'duration'] },
  ];
  for (const { width, height, open } of sizes) {
    test(`at ${width}×${height} nothing overlaps, key controls show whole, and collapsing the detail gives the list every column`, { timeout: TIMEOUT }, async () => {
      const { page, context, errors } = await openPage(browser, harness.url, { width, height });
      try {
        await page.waitForSelector('[data-flow-id]', WAIT);
        await page.click('[data-flow-id] >> nth=0');
        await page.waitForSelector('[data-testid=waterfall]', WAIT);
        const withDetail = await problems(page, width);
        await page.click('[data-testid=detail-collapse]');
        await page.waitForSelector('[data-testid=detail-pane]', { state: 'detached', ...WAIT });
        const collapsed = await problems(page, width);
        await page.click('[data-testid=detail-expand]');
        await page.waitForSelector('[data-testid=waterfall]', WAIT);
        const count = ((await page.textContent('[data-testid=flow-count]')) ?? '').replace(/\s+/g, ' ').trim();
        // The overflow menu holds what the toolbar had no room for.
        await page.click('[data-testid=more-actions]');
        const menu = await page.$$eval('[data-testid=menu] [role=menuitem]', (items) => items.map((i) => (i.textContent ?? '').trim()));
        assert.deepEqual(
          { withDetail, collapsed, count, menu, errors },
          {
            withDetail: { problems: [], columns: open },
            collapsed: { problems: [], columns: COLUMNS },
            count: '200 / 200',
            menu: ['Clear…', 'HTTPS setup…'],
            errors: [],
          },
        );
      } finally {
        await context.close();
      }
    });
  }
});
