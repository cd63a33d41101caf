import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { allSummaryIds, nextEvent, storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
after(() => temp.removeAll());

/** Longest event-loop delay (ms) on this thread while `work` runs. */
async function longestStall(work: () => Promise<void>): Promise<number> {
  const monitor = monitorEventLoopDelay({ resolution: 10 });
  monitor.enable();
  try {
    await work();
  } finally {
    monitor.disable();
  }
  return monitor.max / 1e6;
}

/** Captures flows the way a busy proxy delivers them: `perTurn` per timer tick, the thread idle in between. */
async function captureSteadily(store: FlowStore, count: number, perTurn: number, ids: string[]): Promise<void> {
  for (let i = 0; i < count; i += perTurn) {
    for (let j = 0; j < perTurn; j++) {
      const flow = storedFlow(store, { client: { ip: `127.0.0.${2 + (j % 4)}`, port: 40000 + j } });
      ids.push(flow.id);
      store.flowStarted(flow);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('at the real numbers: 70,000 flows end with exactly 60,000 + pinned, without stalling this thread', { timeout: 180_000 }, async () => {
  const dataDir = temp.make();
  let store: FlowStore = openFlowStore({ dataDir });
  await store.ready;
  const pinned = Array.from({ length: 5 }, () => storedFlow(store, { pinned: true, client: { ip: '127.0.0.9', port: 1 } }));
  for (const f of pinned) store.flowStarted(f);
  const ids: string[] = [];
  await captureSteadily(store, 60_000, 1_000, ids);
  await store.flush();
  // The last 10,000 pass the cap: the trim (removal in chunks, compaction) runs while capture goes on.
  const trimStall = await longestStall(async () => {
    const trimmed = nextEvent(store.onDidTrim);
    await captureSteadily(store, 10_000, 500, ids);
    await trimmed;
    await store.flush();
  });
  await store.close();

  store = openFlowStore({ dataDir });
  try {
    const loadStall = await longestStall(async () => {
      await store.ready;
      await store.flush();
    });
    const expected = [...pinned.map((f) => f.id), ...ids.slice(10_000)].reverse();
    assert.deepEqual(
      { count: store.count(), ids: allSummaryIds(store), lastTrim: store.lastTrim()?.removedTotal, warnings: store.warnings() },
      { count: 60_005, ids: expected, lastTrim: 10_000, warnings: [] },
    );
    // A correctness bound for "nedb runs off this thread" (on it, loading or trimming 60,000 flows blocks for
    // seconds); the real figures are in docs/bench/store.md.
    assert.ok(trimStall < 500, `the trim stalled the event loop for ${trimStall.toFixed(0)} ms`);
    assert.ok(loadStall < 500, `loading stalled the event loop for ${loadStall.toFixed(0)} ms`);
  } finally {
    await store.close();
  }
});
