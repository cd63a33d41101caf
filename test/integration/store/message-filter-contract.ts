/**
 * `msg:` filters (text inside messages) against any store, the embedded one (message-filter.test.ts) and the
 * PostgreSQL one (pg-store.test.ts): the same flows, the same answers, whole pages compared.
 */
import assert from 'node:assert/strict';
import type { FlowPage } from '../../../electron/common/api';
import { compileFilterQuery } from '../../../electron/common/filter';
import type { Flow } from '../../../electron/common/flow';
import type { MessageMeta } from '../../../electron/common/message';
import { messageFilterPage, queryStore } from '../../../electron/core/store/message-filter';
import type { AnyFlowStore } from '../../../electron/core/store/types';
import { makeFlow } from '../../helpers/flows';

const T0 = 1_763_700_000_000;
type Message = Omit<MessageMeta, 'seq' | 'at' | 'size' | 'truncated'> & { payload: Buffer | string };

/** A finished flow with `messages` in its log, recorded by the store. */
function flowWith(store: AnyFlowStore, n: number, messages: Message[], options: Parameters<typeof makeFlow>[0] = {}): Flow {
  const flow = makeFlow({ response: true, id: `m${n}`, seq: store.nextSeq(), startedAt: T0 + n * 1000, ...options });
  if (messages.length) {
    const log = store.messages.open(flow.id);
    messages.forEach(({ payload, ...meta }, i) => {
      const bytes = Buffer.from(payload);
      log.append({ at: T0 + n * 1000 + i, size: bytes.length, truncated: false, ...meta }, bytes);
    });
    log.end();
    flow.messages = { ...log.stats };
  }
  store.flowStarted({ ...flow, state: 'live' });
  store.flowUpdated(flow);
  return flow;
}

/** Ids of each page of a query, newest first, following cursors; with the last page's scan. */
async function pages(store: AnyFlowStore, filter: string, limit = 100): Promise<{ ids: string[][]; last: FlowPage }> {
  const ids: string[][] = [];
  let before: number | undefined;
  let beforeTime: number | undefined;
  for (;;) {
    const page = await queryStore(store, { filter, before, beforeTime, limit });
    ids.push(page.flows.map((f) => f.id));
    if (page.nextCursor === undefined) return { ids, last: page };
    before = page.nextCursor;
    beforeTime = page.nextCursorTime;
  }
}

/** Records the flows, then checks every kind of `msg:` term; `flush` makes what was recorded readable. */
export async function checkMessageFilters(store: AnyFlowStore, flush: () => Promise<void>): Promise<void> {
  const ws = { websocket: true } as const;
  flowWith(store, 1, [{ dir: 'to-server', kind: 'text', payload: 'hello world' }, { dir: 'to-client', kind: 'text', payload: 'bye' }], ws);
  flowWith(store, 2, [{ dir: 'to-server', kind: 'text', payload: 'nothing here' }, { dir: 'to-client', kind: 'close', closeCode: 1000, closeReason: 'see you', payload: '' }], ws);
  flowWith(store, 3, [{ dir: 'to-client', kind: 'event', eventType: 'greeting', payload: 'HELLO there' }]);
  // No messages: its URL has the word, which msg: must not see.
  flowWith(store, 4, [], { request: { method: 'GET', url: 'http://hello.test/hello', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } });
  flowWith(store, 5, [{ dir: 'to-client', kind: 'binary', payload: Buffer.from('caf\u00e9 \u00fcber', 'utf8') }], ws);
  await flush();

  const answers: Record<string, string[][]> = {};
  for (const filter of ['msg:hello', 'msg:HELLO', 'msg:/hel+o\\sw/', 'msg:/HEL+O/i', 'is:ws -msg:hello', 'msg:greeting', 'msg:"see you"', 'msg:café', 'msg:hello or url:*hello.test*', '-(msg:hello or msg:bye)', 'msg:hello msg:bye', 'msg:nowhere']) {
    answers[filter] = (await pages(store, filter)).ids;
  }
  assert.deepEqual(answers, {
    'msg:hello': [['m3', 'm1']],
    'msg:HELLO': [['m3', 'm1']],
    'msg:/hel+o\\sw/': [['m1']],
    'msg:/HEL+O/i': [['m3', 'm1']],
    'is:ws -msg:hello': [['m5', 'm2']],
    'msg:greeting': [['m3']],
    'msg:"see you"': [['m2']],
    'msg:café': [['m5']],
    'msg:hello or url:*hello.test*': [['m4', 'm3', 'm1']],
    '-(msg:hello or msg:bye)': [['m5', 'm4', 'm2']],
    'msg:hello msg:bye': [['m1']],
    'msg:nowhere': [[]],
  });

  // Paging: one flow a page, each page continuing where the last stopped; the scan reported on each (how many
  // logs it read depends on the store: PostgreSQL's prefilter leaves fewer candidates).
  const paged = await pages(store, 'msg:hello', 1);
  assert.deepEqual(paged.ids, [['m3'], ['m1']]);
  const scan = paged.last.messageScan!;
  assert.deepEqual(
    { ...paged.last, flows: paged.last.flows.map((f) => f.id), messageScan: { bounded: scan.bounded, read: scan.flows > 0 && scan.bytes >= 11 } },
    { flows: ['m1'], matched: 1, total: 5, messageScan: { bounded: false, read: true } },
  );

  // The bound: with room for one log per query, each page reads one and says it stopped there.
  const filter = compileFilterQuery('msg:hello');
  const all = (await queryStore(store, { limit: 100 })).flows;
  const first = await messageFilterPage(all, filter, store.messages, 100, all.length, { flows: 1, bytes: 1e9 });
  assert.deepEqual(
    { ...first, flows: first.flows.map((f) => f.id) },
    { flows: [], matched: 0, total: 5, messageScan: { flows: 1, bytes: 11, bounded: true }, nextCursor: all[1].seq, nextCursorTime: all[1].startedAt },
  );
  const second = await messageFilterPage(all.slice(2), filter, store.messages, 100, all.length, { flows: 1, bytes: 1e9 });
  assert.deepEqual(
    { ...second, flows: second.flows.map((f) => f.id) },
    { flows: ['m3'], matched: 1, total: 5, messageScan: { flows: 1, bytes: 11, bounded: true }, nextCursor: all[2].seq, nextCursorTime: all[2].startedAt },
  );
}
