/**
 * The main window at laptop and desktop sizes (1024×768, 1280×800, 1440×900; light and dark) over a
 * seeded store, for checking the layout by eye: `node --import tsx test/helpers/layout-screenshots.ts DIR`.
 * The e2e test test/e2e/renderer/layout.test.ts asserts the same sizes by bounding boxes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, openPage } from './browser';
import { seedFlows, startRendererHarness } from './renderer-harness';

const LAYOUT_SIZES = [
  { width: 1024, height: 768 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? 'layout-screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const harness = await startRendererHarness();
  const browser = await launchChromium();
  try {
    await seedFlows(harness.core, 600, { bodies: 80, seed: 11 });
    const newest = harness.core.store.query({ limit: 1 }).flows[0];
    for (const scheme of ['light', 'dark'] as const) {
      for (const size of LAYOUT_SIZES) {
        const { page, context } = await openPage(browser, harness.url, { ...size, colorScheme: scheme });
        try {
          await page.waitForSelector(`[data-flow-id="${newest.id}"]`);
          await page.click(`[data-flow-id="${newest.id}"]`);
          await page.waitForSelector('[data-testid=waterfall]');
          await page.waitForTimeout(300); // let the last frame settle; screenshots only, never in tests
          await page.screenshot({ path: path.join(dir, `layout-${size.width}-${scheme}.png`) });
          if (size.width === 1024) {
            await page.click('[data-testid=detail-collapse]');
            await page.waitForTimeout(300);
            await page.screenshot({ path: path.join(dir, `layout-${size.width}-collapsed-${scheme}.png`) });
          }
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    await browser.close();
    await harness.dispose();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
