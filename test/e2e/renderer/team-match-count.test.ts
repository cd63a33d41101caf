/**
 * Issue 21: a broad filter over a large PostgreSQL store. The store stops counting matches at 10,000
 * (pg-query.ts MATCH_COUNT_CAP) and the UI says "10,000+" rather than a wrong number; a filter under the cap
 * shows its exact count. The flows are written by a second node's store (a real PgFlowStore on the database),
 * the UI is a `hindsight serve --store` node's, in Chromium.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../../helpers/browser';
import { makeFlow } from '../../helpers/flows';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';
import { startNodes, stopNode, type TeamNode } from '../../helpers/team-nodes';
import { themeScreenshots } from '../../helpers/theme-screenshots';
import { openPgStore } from '../../../electron/core/store/pg/pg-store';

const skip = postgresUnavailable();
const WAIT = { timeout: 60_000 };
let cluster: TestCluster;
let browser: Browser;
const nodes: TeamNode[] = [];
const BROAD = 10_005;
const NARROW = 12;

before(async () => {
  if (skip) return;
  cluster = await startTestCluster();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  for (const n of nodes) await stopNode(n);
  await cluster?.stop();
});

test('the flow count says "10,000+" past the store\'s count cap and the exact number under it', { skip, timeout: 240_000 }, async () => {
  const url = await cluster.database();
  const writer = await openPgStore({ url, node: 'writer', maxFlows: Infinity });
  for (let i = 0; i < BROAD + NARROW; i++) {
    const flow = makeFlow({ id: `m${i}`, seq: writer.nextSeq(), startedAt: 1_763_700_000_000 + i, client: { ip: i < BROAD ? '127.0.0.2' : '127.0.0.3', port: 40000 }, response: true });
    writer.flowStarted(flow);
  }
  await writer.close();
  const [node] = await startNodes(url, ['ui'], nodes);
  const { page, errors } = await openPage(browser, node.uiUrl, { width: 1280 });
  const count = () => page.textContent('[data-testid=flow-count]').then((t) => (t ?? '').replace(/\s+/g, ' ').trim());
  await page.waitForSelector(`[data-testid=flow-count]:has-text("${(BROAD + NARROW).toLocaleString('en-US')}")`, WAIT);
  const all = await count();
  await page.fill('[data-testid=filter-input]', 'ip:127.0.0.2');
  await page.waitForSelector('[data-testid=flow-count]:has-text("10,000+")', WAIT);
  const broad = await count();
  await themeScreenshots(page, 'team-match-count');
  await page.fill('[data-testid=filter-input]', 'ip:127.0.0.3');
  await page.waitForSelector('[data-testid=flow-count]:has-text("12 /")', WAIT);
  assert.deepEqual({ all, broad, narrow: await count(), errors }, { all: '10,017 / 10,017', broad: '10,000+ / 10,017', narrow: '12 / 10,017', errors: [] });
});
