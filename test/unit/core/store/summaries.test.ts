import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSummary, type FlowSummary } from '../../../../electron/common/flow';
import { SummaryList } from '../../../../electron/core/store/summaries';
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
    [seqs(list.page(undefined, undefined, 4)), seqs(list.page(undefined, 7, 4)), seqs(list.page(undefined, 3, 4)), seqs(list.page(even, undefined, 2)), seqs(list.page(even, 6, 2)), seqs(list.page(even, 4, 5))],
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
