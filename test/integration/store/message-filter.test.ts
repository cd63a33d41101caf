// `msg:` filters on the embedded store: message logs on disk read for the candidates, newest first, bounded
// (the shared contract in message-filter-contract.ts; pg-store.test.ts runs it on PostgreSQL).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { checkMessageFilters } from './message-filter-contract';
import { tempDirs } from './store-helpers';

const temp = tempDirs();
const open: FlowStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  temp.removeAll();
});

test('msg: terms read the message logs: substring, regex, negation, SSE event types, close reasons, paging, the bound', async () => {
  const store = openFlowStore({ dataDir: temp.make() });
  open.push(store);
  await store.ready;
  await checkMessageFilters(store, () => store.flush());
});

test('the embedded store answers msg: only through queryMessages: query() says so instead of matching nothing', async () => {
  const store = openFlowStore({ dataDir: temp.make() });
  open.push(store);
  await store.ready;
  assert.throws(() => store.query({ filter: 'msg:hello' }), /a filter with msg: terms reads message logs: ask queryMessages/);
  assert.deepEqual(await store.queryMessages({ filter: 'msg:hello' }), { flows: [], matched: 0, total: 0, messageScan: { flows: 0, bytes: 0, bounded: false } });
});
