// A flow's message log lives and dies with the flow: kept across a restart, removed by the rolling trim and by
// a delete, like its body files. A short log (a gRPC call's) packed into a body segment does the same, is found
// by a msg: filter, and is copied by `store copy` into a log of the copy's own.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openFlowStore } from '../../../electron/core/store';
import { messageLogName } from '../../../electron/core/store/message-log';
import { copyFlows } from '../../../electron/core/export/store-copy';
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

/** A finished gRPC flow whose short log ended before its first write: packed into the body segment. */
function grpcFlow(store: FlowStore, texts: string[]): Flow {
  const flow = storedFlow(store, { response: true });
  flow.grpc = { service: 'demo.Echo', method: 'Say', status: 0 };
  const writer = store.messages.open(flow.id, { short: true });
  texts.forEach((text, i) => writer.append({ at: 2000 + i, dir: i % 2 ? 'to-client' : 'to-server', kind: 'grpc', size: text.length, truncated: false }, Buffer.from(text)));
  writer.end();
  flow.messages = { ...writer.stats };
  return flow;
}

test('a packed gRPC log: read back after a restart, found by msg:, copied into a log of its own, gone with its flow', async () => {
  const dataDir = temp.make();
  const store = await openStore({ dataDir });
  const flows = [grpcFlow(store, ['ping', 'pong']), grpcFlow(store, ['hello', 'world', 'again'])];
  capture(store, flows);
  await store.flush();
  const packed = flows.map((f) => [/^s\d+-\d+-\d+$/.test(f.messages?.log ?? ''), fs.existsSync(logFile(store, f.id))]);
  await store.close();

  const again = await openStore({ dataDir });
  const texts = async (s: FlowStore, id: string) => (await s.messages.read(id)).messages.map((m) => m.payload.toString());
  const copyDir = temp.make();
  const copy = await openStore({ dataDir: copyDir });
  const copied = await copyFlows(again, copy);
  const copiedFlow = (await copy.get(flows[1].id))!;
  assert.deepEqual(
    {
      packed,
      texts: [await texts(again, flows[0].id), await texts(again, flows[1].id)],
      found: (await again.queryMessages({ filter: 'msg:world' })).flows.map((s) => s.id),
      copied,
      copy: { stats: copiedFlow.messages, file: fs.existsSync(logFile(copy, flows[1].id)), texts: await texts(copy, flows[1].id) },
    },
    {
      packed: [
        [true, false],
        [true, false],
      ],
      texts: [
        ['ping', 'pong'],
        ['hello', 'world', 'again'],
      ],
      found: [flows[1].id],
      copied: { copied: 2, skipped: 0 },
      copy: { stats: { count: 3, bytes: 15, truncated: false }, file: true, texts: ['hello', 'world', 'again'] },
    },
  );

  // Deleted: the API finds no log, and the slice's bytes in the segment are zeroed like a deleted body's.
  const slice = { blob: flows[0].messages!.log!, size: 0, storedSize: 0, truncated: false };
  const before = await again.bodies.read(slice);
  await again.delete([flows[0].id]);
  await again.flush();
  const after = await again.bodies.read(slice);
  assert.deepEqual(
    { texts: await texts(again, flows[0].id), before: before.length > 0 && before.some((b) => b !== 0), after: after.length === before.length && after.every((b) => b === 0) },
    { texts: [], before: true, after: true },
  );
});
