// Issue 21, item 3: `--keep-days D` on the embedded store: unpinned flows that started more than D days ago
// are removed (with a trim event), pinned ones stay, and the next start applies a lowered setting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { openFlowStore } from '../../../electron/core/store';
import { allSummaryIds, nextEvent, storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
after(() => temp.removeAll());

test('--keep-days removes unpinned flows older than D days at the next flush and at the next start; pinned ones stay', async () => {
  const dataDir = temp.make();
  const store = openFlowStore({ dataDir });
  await store.ready;
  const now = Date.now();
  const old = storedFlow(store, { startedAt: now - 10 * 86_400_000 });
  const oldPinned = storedFlow(store, { startedAt: now - 10 * 86_400_000, pinned: true });
  const weekOld = storedFlow(store, { startedAt: now - 5 * 86_400_000 });
  const fresh = storedFlow(store, { startedAt: now - 60_000 });
  for (const f of [old, oldPinned, weekOld, fresh]) store.flowStarted(f);
  await store.close();

  const week = openFlowStore({ dataDir, keepDays: 7 });
  const trimmed = nextEvent(week.onDidTrim);
  await week.ready;
  assert.equal((await trimmed).removed, 1);
  assert.deepEqual(allSummaryIds(week), [fresh.id, weekOld.id, oldPinned.id]);
  await week.close();

  const twoDays = openFlowStore({ dataDir, keepDays: 2 });
  await twoDays.ready;
  assert.deepEqual(allSummaryIds(twoDays), [fresh.id, oldPinned.id]);
  await twoDays.close();
});
