// A flow's message log lives and dies with the flow: kept across a restart, removed by the rolling trim and by
// a delete, like its body files.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openFlowStore } from '../../../electron/core/store';
import { messageLogName } from '../../../electron/core/store/message-log';
import type { FlowStore, StoreOptions } from '../../../electron/core/store/types';
import type { Flow } from '../../../electron/common/flow';
import { allSummaryIds, capture, nextEvent, storedFlow, tempDirs } from './store-helpers';

const temp = tempDirs();
const open: FlowStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  temp.removeAll();
});

async function openStore(options: StoreOptions): Promise<FlowStore> {
  const store = openFlowStore(options);
  open.push(store);
  await store.ready;
  return store;
}

/** A finished WebSocket flow with `n` messages in its log. */
function socketFlow(store: FlowStore, n: number): Flow {
  const flow = storedFlow(store, { websocket: true });
  const writer = store.messages.open(flow.id);
  for (let i = 0; i < n; i++) writer.append({ at: 1000 + i, dir: i % 2 ? 'to-client' : 'to-server', kind: 'text', size: 3, truncated: false }, Buffer.from(`m${i}`.padEnd(3)));
  writer.end();
  flow.messages = { ...writer.stats };
  return flow;
}

const logFile = (store: FlowStore, id: string) => (store.bodies as unknown as { pathOf(name: string): string }).pathOf(messageLogName(id));

test('message logs survive a restart and are removed with their flows by the trim and by a delete', async () => {
  const dataDir = temp.make();
  const store = await openStore({ dataDir, maxFlows: 3, trimCount: 2 });
  const flows = [socketFlow(store, 2), socketFlow(store, 3), socketFlow(store, 1)];
  capture(store, flows);
  await store.flush();
  assert.deepEqual(flows.map((f) => fs.existsSync(logFile(store, f.id))), [true, true, true]);
  await store.close();

  const again = await openStore({ dataDir, maxFlows: 3, trimCount: 2 });
  const page = await again.messages.read(flows[1].id);
  assert.deepEqual(
    { ids: allSummaryIds(again), texts: page.messages.map((m) => m.payload.toString()), counts: again.query({}).flows.map((s) => s.messageCount) },
    { ids: flows.map((f) => f.id).reverse(), texts: ['m0 ', 'm1 ', 'm2 '], counts: [1, 3, 2] },
  );

  // A fourth flow: the trim removes the two oldest, logs included.
  const trimmed = nextEvent(again.onDidTrim);
  capture(again, [socketFlow(again, 1)]);
  await trimmed;
  await again.flush();
  assert.deepEqual(flows.map((f) => fs.existsSync(logFile(again, f.id))), [false, false, true]);

  await again.delete([flows[2].id]);
  await again.flush();
  assert.equal(fs.existsSync(logFile(again, flows[2].id)), false);
});
