/**
 * Screenshots of the tools for docs/screenshots (1400×900, light and dark): the rules editor, the
 * breakpoint queue, the composer and a diff, over a seeded store with real traffic through the proxy.
 * `node --import tsx test/helpers/tools-screenshots.ts docs/screenshots`
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openPage } from './browser';
import { seedFlows } from './renderer-harness';
import { startToolsBed, type ToolsBed } from './tools-page';

async function setUp(bed: ToolsBed): Promise<void> {
  const { core, origin } = bed.harness;
  await seedFlows(core, 400, { bodies: 60, seed: 7 });
  const port = new URL(origin.url('/')).port;
  const rules = core.rules.store;
  const phone = await rules.saveProfile({ name: 'Anna’s iPhone', clients: ['192.168.1.23'] });
  await rules.save({
    name: 'Cart: out of stock',
    matchers: [
      { type: 'method', method: 'POST' },
      { type: 'url', pattern: 'https://api.shop.test/v2/cart/*', syntax: 'wildcard' },
    ],
    action: {
      type: 'mock',
      status: 409,
      headers: [
        ['Content-Type', 'application/json'],
        ['Cache-Control', 'no-store'],
      ],
      body: JSON.stringify({ error: 'out_of_stock', sku: 'SKU-1042', available: 0, retryAfter: 3600 }, null, 2),
      delayMs: 250,
    },
  });
  await rules.save({ name: 'API → staging', matchers: [{ type: 'host', host: 'api.shop.test' }], action: { type: 'map-remote', to: 'https://staging.shop.test:8443' }, scope: { clients: ['192.168.1.41'] } });
  await rules.save({ name: 'Search is down on Anna’s phone', matchers: [{ type: 'url', pattern: '*/search?*', syntax: 'wildcard' }], action: { type: 'mock', status: 503, headers: [], body: 'maintenance' }, scope: { profile: phone.id }, times: 5 });
  await rules.save({ name: 'Add a debug header', matchers: [{ type: 'host', host: 'auth.shop.test' }], action: { type: 'mock-request', headers: [['X-Debug', '1']] } });
  await rules.save({ name: 'Hold checkout', matchers: [{ type: 'url', pattern: `http://checkout.shop.test:${port}/*`, syntax: 'wildcard' }], action: { type: 'breakpoint', on: 'request' } });
}

async function settle(page: Page): Promise<void> {
  // Screenshots only (never in tests): let the last frame and fonts settle.
  await page.waitForTimeout(400);
}

async function shoot(bed: ToolsBed, dir: string, scheme: 'light' | 'dark'): Promise<void> {
  const { origin } = bed.harness;
  const { page, context } = await openPage(bed.browser, bed.harness.url, { colorScheme: scheme });
  const file = (name: string) => path.join(dir, `${name}-${scheme}.png`);
  try {
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")');
    await page.waitForSelector('[data-flow-id]');

    // Rules editor, on the mock rule.
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=rule-row]:has-text("Cart: out of stock") .main');
    await page.waitForSelector('[data-testid=rule-editor]');
    await settle(page);
    await page.screenshot({ path: file('rules-editor') });
    await page.keyboard.press('Escape');

    // Breakpoint queue: three paused requests, the second one open.
    const checkout = (p: string) => origin.url(p, { host: 'checkout.shop.test' });
    const token = ['-H', 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sig'];
    const steps: [string, string[]][] = [
      ['/echo?step=address', ['-H', 'Content-Type: application/json', ...token, '--data-raw', JSON.stringify({ cart: 'c-7f3a', address: { city: 'Lyon', zip: '69002' } })]],
      ['/echo?step=pay', ['-H', 'Content-Type: application/json', ...token, '--data-raw', JSON.stringify({ cart: 'c-7f3a', amount: 153.5, currency: 'EUR', method: 'card' })]],
      ['/echo?step=confirm', ['-X', 'POST', ...token]],
    ];
    // One after another, so the queue's order (oldest first) is the order above.
    const pending = [];
    for (const [i, [step, args]] of steps.entries()) {
      pending.push(bed.send(checkout(step), args));
      await page.waitForSelector(`[data-testid=paused-count]:has-text("${i + 1} paused")`);
    }
    await page.click('[data-testid=bp-next]');
    await page.click('[data-testid=bp-next]');
    await page.waitForSelector('[data-testid=breakpoint-editor]');
    await page.click('[data-testid=bp-body-format]');
    await settle(page);
    await page.screenshot({ path: file('breakpoints') });
    await page.click('[data-testid=bp-continue-all]');
    await Promise.all(pending);

    // Composer, from a pasted curl command.
    await page.click('[data-testid=open-composer]');
    await page.click('[data-testid=curl-open]');
    await page.fill(
      '[data-testid=curl-text]',
      `curl '${origin.url('/echo?lang=en', { host: 'api.shop.test' })}' -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sig' -H 'Content-Type: application/json' --data-raw '{"query":"trail shoes","filters":{"size":[42,43],"inStock":true},"page":1}' --compressed`,
    );
    await page.click('[data-testid=curl-parse]');
    await page.click('[data-testid=composer-body-format]');
    await settle(page);
    await page.screenshot({ path: file('composer') });

    // Diff: that request sent, then resent with another token and page.
    await page.click('[data-testid=composer-send]');
    await page.waitForSelector('[data-testid=resend]');
    await page.click('[data-testid=resend]');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('[data-testid=composer-body]')?.value !== '');
    const body = await page.inputValue('[data-testid=composer-body]');
    await page.fill('[data-testid=composer-body]', body.replace(/"page": 1/, '"page": 2').replace(/"inStock": true/, '"inStock": false'));
    const names = await page.$$eval('[data-testid=composer-headers-name]', (els) => els.map((e) => (e as unknown as { value: string }).value));
    await page.locator('[data-testid=composer-headers-value]').nth(names.indexOf('Authorization')).fill('Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI3In0.sig');
    await page.click('[data-testid=composer-send]');
    await page.waitForSelector('[data-testid=compare-original]');
    await page.click('[data-testid=compare-original]');
    await page.waitForSelector('[data-testid=diff-response-body] [data-testid=json-change]');
    await settle(page);
    await page.screenshot({ path: file('diff') });
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? 'docs/screenshots');
  fs.mkdirSync(dir, { recursive: true });
  // A fresh core per theme, so both pictures show the same store.
  for (const scheme of ['light', 'dark'] as const) {
    const bed = await startToolsBed();
    try {
      await setUp(bed);
      await shoot(bed, dir, scheme);
    } finally {
      for (const paused of bed.harness.core.rules.breakpoints.list()) bed.harness.core.rules.breakpoints.resume(paused.id);
      await bed.dispose();
    }
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
