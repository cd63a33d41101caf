/**
 * Screenshots of the page as it is, for a person to look at: light and dark at 1280 px and light at 1024 px,
 * into HINDSIGHT_SCREENSHOTS (nothing when it is not set). The page is left light.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';

export async function themeScreenshots(page: Page, name: string): Promise<void> {
  const dir = process.env.HINDSIGHT_SCREENSHOTS;
  if (!dir) return;
  for (const [scheme, width] of [
    ['light', 1280],
    ['dark', 1280],
    ['light', 1024],
  ] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: path.join(dir, `${name}-${scheme}-${width}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
