/**
 * The text PostgreSQL refuses (a NUL, an unpaired surrogate: pg-write-isolate.ts) in the embedded store: its
 * datafile and journal are JSON lines, where both travel as \u escapes and parse back, so the store keeps such
 * a flow exactly, also across a restart, and the flows after it are not held back.
 */
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { allSummaryIds, capture, flowWithBody, tempDirs } from './store-helpers';

const temp = tempDirs();
const open: FlowStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  temp.removeAll();
});

async function openStore(dataDir: string): Promise<FlowStore> {
  const store = openFlowStore({ dataDir });
  open.push(store);
  await store.ready;
  return store;
}

test('a flow with NULs and an unpaired surrogate is kept exactly, with its body, across a restart', async () => {
  const dataDir = temp.make();
  const store = await openStore(dataDir);
  const body = '{"note":"a\u0000b","escaped":"\\u0000"}';
  const before = flowWithBody(store, '{}');
  const odd = flowWithBody(store, body, {
    request: { method: 'GET', url: 'http://example.test/a\u0000b?q=\u0000', httpVersion: '1.1', headers: [['X-Note', 'x\u0000y'], ['X-Half', 'a\ud800b']], body: { size: 0, storedSize: 0, truncated: false } },
  });
  const after = flowWithBody(store, '{}');
  capture(store, [before, odd, after]);
  await store.flush();
  await store.close();

  const reopened = await openStore(dataDir);
  const got = await reopened.get(odd.id);
  assert.deepStrictEqual(
    { ids: allSummaryIds(reopened), odd: got, body: (await reopened.bodies.read(got!.response!.body)).toString(), warnings: reopened.warnings() },
    { ids: [after.id, odd.id, before.id], odd, body, warnings: [] },
  );
});
