/**
 * The store's bounds under sustained capture (issue 16): a backlog on its way to the disk past its limit
 * sheds new exchanges (counted, with a warning) instead of growing; trims run one at a time and compact the
 * datafile only once half of it is dead.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Flow } from '../../../electron/common/flow';
import { dataPaths } from '../../../electron/core/paths';
import type { StoreOptions } from '../../../electron/core/store/types';
import { allSummaryIds, capture, openedStores, storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
const stores = openedStores();
const openStore = stores.open;

afterEach(async () => {
  await stores.closeAll();
  temp.removeAll();
});

/** Runs the microtasks queued so far (and those they queue), but no timer or I/O callback. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

test('a store whose backlog to the disk is over its limit refuses new flows and counts them (no warning: the count is in the status); once written it takes them again', async () => {
  const store = await openStore({ dataDir: temp.make(), maxBacklogBytes: 1_000 });
  const big = storedFlow(store, { request: { method: 'GET', url: `http://example.test/${'x'.repeat(5_000)}`, httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } });
  capture(store, [big]);
  const before = store.admit();
  // flush() hands the batch to the journal and the worker at once; neither can have answered before the
  // event loop turns, so the batch is the backlog now.
  const flushed = store.flush();
  await microtasks();
  const during = { admitted: [store.admit(), store.admit()], dropped: store.dropped(), warnings: store.warnings() };
  await flushed;
  assert.deepEqual(
    { before, during, after: store.admit(), dropped: store.dropped(), stored: allSummaryIds(store) },
    { before: true, during: { admitted: [false, false], dropped: 2, warnings: [] }, after: true, dropped: 2, stored: [big.id] },
  );
});

test('under sustained capture trims leave exactly the cap, run one at a time, and do not rewrite the datafile until half of it is dead', async () => {
  const dataDir = temp.make();
  const options: StoreOptions = { dataDir, maxFlows: 300, trimCount: 100 };
  const store = await openStore(options);
  const flows: Flow[] = [];
  // 3,000 flows in batches of 100, the event loop turning between them as it does under load.
  for (let batch = 0; batch < 30; batch++) {
    const next = Array.from({ length: 100 }, () => storedFlow(store));
    flows.push(...next);
    capture(store, next);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await store.flush();
  const kept = allSummaryIds(store);
  const lines = fs.readFileSync(dataPaths(dataDir).flowsDb, 'utf8').split('\n').filter(Boolean).length;
  assert.deepEqual(
    { kept, oldestKept: await store.get(kept[kept.length - 1]!), trimmed: await store.get(flows[0]!.id), compacted: lines === kept.length, trimTotal: store.lastTrim()?.removedTotal },
    { kept: flows.slice(3_000 - 300).map((f) => f.id).reverse(), oldestKept: JSON.parse(JSON.stringify(flows[2_700])) as Flow, trimmed: null, compacted: false, trimTotal: 2_700 },
  );
  // What the trims left dead in the datafile is compacted at the next start.
  await store.close();
  const again = await openStore(options);
  await again.flush();
  assert.deepEqual(
    { kept: allSummaryIds(again), lines: fs.readFileSync(dataPaths(dataDir).flowsDb, 'utf8').split('\n').filter(Boolean).length },
    { kept, lines: 300 },
  );
});

test('flows trimmed but not yet removed by the worker count in admission: the index may hold the cap and one trim, no more, until the removal is done', async () => {
  const store = await openStore({ dataDir: temp.make(), maxFlows: 300, trimCount: 100 });
  capture(store, Array.from({ length: 301 }, () => storedFlow(store)));
  // The flush trims the oldest 100 at once (201 listed); their removal is on its way to the worker, which
  // cannot answer before the event loop turns.
  const flushed = store.flush();
  await microtasks();
  capture(store, Array.from({ length: 99 }, () => storedFlow(store)));
  const atBound = store.admit();
  capture(store, [storedFlow(store)]);
  const past = { admitted: store.admit(), dropped: store.dropped(), unremoved: store.trimmedUnremoved() };
  await flushed;
  const afterRemoval = { admitted: store.admit(), unremoved: store.trimmedUnremoved() };
  // The 100 captured meanwhile pass the cap again: the next flush trims 100 more, and the worker keeps up.
  await store.flush();
  assert.deepEqual(
    { atBound, past, afterRemoval, stored: store.count(), onDisk: await store.storedOnDisk() },
    { atBound: true, past: { admitted: false, dropped: 1, unremoved: 100 }, afterRemoval: { admitted: true, unremoved: 0 }, stored: 201, onDisk: 201 },
  );
});
