/**
 * Issue 21: two `hindsight serve` nodes on one PostgreSQL store, each UI open in Chromium. Traffic through
 * node A from 127.0.0.2 and through node B from 127.0.0.3 shows in both UIs, live (pushed over LISTEN/NOTIFY,
 * not reloaded), and each UI's ip filter lists exactly one client's flows.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, type PageGlobals } from '../../helpers/browser';
import { startOrigin, type Origin } from '../../helpers/origin';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';
import { getThrough, startNode, stopNode, type TeamNode } from '../../helpers/team-nodes';

const skip = postgresUnavailable();
const WAIT = { timeout: 30_000 };
let cluster: TestCluster;
let origin: Origin;
let browser: Browser;
const nodes: TeamNode[] = [];

before(async () => {
  if (skip) return;
  cluster = await startTestCluster();
  origin = await startOrigin();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const n of nodes) await stopNode(n);
  await origin?.close();
  await cluster?.stop();
});

/** The client and path columns of the listed rows, sorted. */
async function rows(page: Page): Promise<string[]> {
  const cells = await page.$$eval('[data-flow-id]', (list) =>
    list.map((row) => {
      const c = [...row.querySelectorAll('[role=gridcell]')].map((cell) => (cell.textContent ?? '').trim());
      return `${c[2]} ${c[5]}`;
    }),
  );
  return cells.sort();
}

async function waitForRows(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === n, count, WAIT);
}

test('both nodes\' UIs list every node\'s flows live, and filter them by client', { skip, timeout: 180_000 }, async () => {
  const url = await cluster.database();
  const a = await startNode(url, 'node-a');
  nodes.push(a);
  const b = await startNode(url, 'node-b');
  nodes.push(b);
  const pages: Page[] = [];
  for (const node of [a, b]) {
    const { page, errors } = await openPage(browser, node.uiUrl, { width: 1280 });
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
    pages.push(page);
    assert.deepEqual(errors, []);
  }
  const target = (p: string) => `http://127.0.0.1:${origin.httpPort}${p}`;
  assert.equal(await getThrough(a, '127.0.0.2', target('/status/200?from=a')), 200);
  assert.equal(await getThrough(b, '127.0.0.3', target('/status/201?from=b')), 201);
  assert.equal(await getThrough(b, '127.0.0.3', target('/status/202?from=b')), 202);
  const expected = ['127.0.0.2 /status/200?from=a', '127.0.0.3 /status/201?from=b', '127.0.0.3 /status/202?from=b'];
  for (const page of pages) {
    await waitForRows(page, 3);
    assert.deepEqual(await rows(page), expected);
  }
  // Each UI filters in the database: node A's UI, client 127.0.0.3 (node B's traffic only).
  await pages[0].fill('[data-testid=filter-ip]', '127.0.0.3');
  await waitForRows(pages[0], 2);
  assert.deepEqual(await rows(pages[0]), expected.slice(1));
});
