import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSummary, type FlowSummary } from '../../../../electron/common/flow';
import { SummaryList } from '../../../../electron/core/store/summaries';
import { hashOf } from '../../../../electron/core/store/id-index';
import { makeFlow } from '../../../helpers/flows';

function summary(seq: number, pinned = false): FlowSummary {
  return toSummary(makeFlow({ id: `s${seq}`, seq, pinned, response: true }));
}

test('summaries stay in seq order whatever order they arrive in, and replace in place', () => {
  const list = new SummaryList();
  for (const seq of [5, 1, 9, 3]) list.upsert(summary(seq));
  list.addSorted([summary(2), summary(4), summary(9), summary(10)]);
  const replaced = list.upsert({ ...summary(3), state: 'failed' });
  assert.deepEqual(
    { seqs: list.all().map((s) => s.seq), replaced, state: list.get('s3')?.state, size: list.size, maxSeq: list.maxSeq },
    { seqs: [1, 2, 3, 4, 5, 9, 10], replaced: false, state: 'failed', size: 7, maxSeq: 10 },
  );
});

test('pinned flows are not counted and not chosen for trimming', () => {
  const list = new SummaryList();
  for (let seq = 1; seq <= 6; seq++) list.upsert(summary(seq, seq <= 2));
  const oldest = list.oldestUnpinned(3);
  list.upsert({ ...summary(3), pinned: true });
  assert.deepEqual({ oldest, unpinned: list.unpinnedCount, nextOldest: list.oldestUnpinned(3) }, { oldest: ['s3', 's4', 's5'], unpinned: 3, nextOldest: ['s4', 's5', 's6'] });
});

test('removal of a few or many ids keeps order and counts', () => {
  const list = new SummaryList();
  for (let seq = 1; seq <= 40; seq++) list.upsert(summary(seq, seq === 40));
  const few = list.remove(['s2', 's7', 'missing']);
  const many = list.remove(Array.from({ length: 20 }, (_, i) => `s${i + 10}`));
  assert.deepEqual(
    { few, many: many.length, seqs: list.all().map((s) => s.seq), unpinned: list.unpinnedCount },
    { few: ['s2', 's7'], many: 20, seqs: [1, 3, 4, 5, 6, 8, 9, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40], unpinned: 17 },
  );
});

test('pages run newest first from the cursor, with matched over all pages', () => {
  const list = new SummaryList();
  for (let seq = 1; seq <= 10; seq++) list.upsert(summary(seq));
  const even = (s: FlowSummary) => s.seq % 2 === 0;
  const seqs = (p: { flows: FlowSummary[]; matched: number; nextCursor?: number }) => ({ seqs: p.flows.map((s) => s.seq), matched: p.matched, next: p.nextCursor });
  assert.deepEqual(
    [seqs(list.page(undefined, undefined, 4)), seqs(list.page(undefined, { seq: 7 }, 4)), seqs(list.page(undefined, { seq: 3 }, 4)), seqs(list.page(even, undefined, 2)), seqs(list.page(even, { seq: 6 }, 2)), seqs(list.page(even, { seq: 4 }, 5))],
    [
      { seqs: [10, 9, 8, 7], matched: 10, next: 7 },
      { seqs: [6, 5, 4, 3], matched: 10, next: 3 },
      { seqs: [2, 1], matched: 10, next: undefined },
      { seqs: [10, 8], matched: 5, next: 8 },
      { seqs: [4, 2], matched: 5, next: undefined },
      { seqs: [2], matched: 5, next: undefined },
    ],
  );
});

test('pages list flows by when they happened, so imported flows sit among the flows of their time', () => {
  const list = new SummaryList();
  const at = (seq: number, startedAt: number, imported = false): FlowSummary => ({ ...summary(seq), startedAt, ...(imported ? { imported } : {}) });
  // Captured at 100..104 (seq 1..5), then a HAR of exchanges at 101.5 and 50 imported (seq 6, 7), then one more capture.
  list.addSorted([at(1, 100), at(2, 101), at(3, 102), at(4, 103), at(5, 104)]);
  list.upsert(at(6, 101, true));
  list.upsert(at(7, 50, true));
  list.upsert(at(8, 105));
  const first = list.page(undefined, undefined, 3);
  const rest = (cursor: { seq: number; startedAt?: number }) => list.page(undefined, cursor, 10).flows.map((s) => s.seq);
  const odd = (s: FlowSummary) => s.seq % 2 === 1;
  list.remove(['s3']);
  assert.deepEqual(
    {
      first: { seqs: first.flows.map((s) => s.seq), next: first.nextCursor, time: first.nextCursorTime },
      rest: rest({ seq: first.nextCursor!, startedAt: first.nextCursorTime }),
      restBySeqOnly: rest({ seq: 4 }),
      // The cursor's flow was deleted meanwhile: its time still places the page.
      afterDeleted: rest({ seq: 3, startedAt: 102 }),
      filtered: list.page(odd, { seq: 5, startedAt: 104 }, 10).flows.map((s) => s.seq),
      seqOrderStays: list.all().map((s) => s.seq),
    },
    {
      first: { seqs: [8, 5, 4], next: 4, time: 103 },
      rest: [6, 2, 1, 7],
      restBySeqOnly: [6, 2, 1, 7],
      afterDeleted: [6, 2, 1, 7],
      filtered: [1, 7],
      seqOrderStays: [1, 2, 4, 5, 6, 7, 8],
    },
  );
});

test('two ids with the same hash are both found, whichever goes first', () => {
  // Ids of the capture's alphabet until two share a hash (about 80,000 tries).
  const seen = new Map<number, string>();
  let pair: [string, string] | undefined;
  for (let i = 0; !pair; i++) {
    const id = `c${i.toString(36)}`;
    const other = seen.get(hashOf(id));
    if (other) pair = [other, id];
    else seen.set(hashOf(id), id);
  }
  const [a, b] = pair;
  const list = new SummaryList();
  list.upsert({ ...summary(1), id: a });
  list.upsert({ ...summary(2), id: b });
  const both = [list.get(a)?.seq, list.get(b)?.seq];
  const removedA = list.remove([a]);
  const afterA = [list.has(a), list.get(b)?.seq];
  list.upsert({ ...summary(3), id: a });
  const removedB = list.remove([b]);
  assert.deepEqual(
    { both, removedA, afterA, removedB, left: list.all().map((s) => [s.id, s.seq]) },
    { both: [1, 2], removedA: [a], afterA: [false, 2], removedB: [b], left: [[a, 3]] },
  );
});

test('a summary changed in place is replaced, its pin counted, and what it no longer names let go', () => {
  const list = new SummaryList();
  list.upsert(summary(1));
  const before = list.memory.texts;
  const replaced = list.upsert({ ...summary(1), pinned: true, host: 'other.test', contentType: undefined });
  const s = list.get('s1')!;
  assert.deepEqual(
    { replaced, host: s.host, pinned: s.pinned, hasType: 'contentType' in s, unpinned: list.unpinnedCount, texts: [before, list.memory.texts] },
    { replaced: false, host: 'other.test', pinned: true, hasType: false, unpinned: 0, texts: [5, 4] },
  );
});

test('slabs emptied by the trim are let go, and pinned flows among trimmed ones are compacted', () => {
  const list = new SummaryList();
  const long = 'x'.repeat(1000);
  const at = (seq: number, pinned: boolean): FlowSummary => ({ ...summary(seq, pinned), url: `http://example.test/${long}?${seq}`, path: `/${long}?${seq}` });
  for (let seq = 1; seq <= 20_000; seq++) list.upsert(at(seq, seq % 1000 === 0));
  const full = list.memory;
  // The trim's way: the oldest unpinned in steps of 2,000.
  for (let step = 0; step < 10; step++) list.remove(list.oldestUnpinned(2_000));
  const after = list.memory;
  assert.deepEqual(
    {
      fullSlabMB: Math.round(full.slabBytes / 2 ** 20),
      size: list.size,
      pinned: list.all().map((s) => s.seq),
      pinnedUrl: list.get('s5000')?.url,
      slabsWithinBound: after.slabBytes <= 2 * after.liveBytes + (4 << 20),
      texts: after.texts,
    },
    {
      fullSlabMB: 21,
      size: 20,
      pinned: Array.from({ length: 20 }, (_, i) => (i + 1) * 1000),
      pinnedUrl: `http://example.test/${long}?5000`,
      slabsWithinBound: true,
      texts: 5,
    },
  );
});

test('a summary larger than a slab gets one of its own, let go with it', () => {
  const list = new SummaryList();
  const huge = `/${'p'.repeat(2 << 20)}`;
  list.upsert(summary(1));
  list.upsert({ ...summary(2), url: `http://example.test${huge}`, path: huge });
  const withHuge = list.memory.slabBytes;
  const url = list.get('s2')?.url;
  list.remove(['s2']);
  assert.deepEqual(
    { hugeSlab: withHuge - (1 << 20) >= 2 << 20, urlLength: url?.length, after: list.memory.slabBytes, left: list.all().map((s) => s.seq) },
    { hugeSlab: true, urlLength: 'http://example.test'.length + huge.length, after: 1 << 20, left: [1] },
  );
});

test('clearing and refilling, and every summary decodes as stored', () => {
  const list = new SummaryList();
  for (let seq = 1; seq <= 300; seq++) list.upsert(summary(seq, seq % 7 === 0));
  list.clear();
  const cleared = { size: list.size, memory: list.memory, unpinned: list.unpinnedCount };
  const stored = Array.from({ length: 300 }, (_, i) => summary(i + 1, i % 7 === 0));
  for (const s of stored) list.upsert(s);
  assert.deepEqual({ cleared, all: list.all() }, { cleared: { size: 0, memory: { texts: 0, slabBytes: 0, liveBytes: 0 }, unpinned: 0 }, all: stored });
});
