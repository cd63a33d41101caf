import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparator, insertionIndex, type SortSpec } from '../../../../../renderer/src/lib/state/sort';
import { toSummary, type FlowSummary } from '../../../../../electron/common/flow';
import { makeFlow } from '../../../../helpers/flows';

// Started in seq order, as captured flows are.
const row = (seq: number, extra: Partial<FlowSummary> = {}): FlowSummary => ({ ...toSummary(makeFlow({ seq, id: `f${seq}`, startedAt: 1_763_700_000_000 + seq })), ...extra });

test('comparators order by the key, ties newest first; missing values sort lowest', () => {
  const rows = [
    row(1, { clientIp: '127.0.0.10', status: 200, responseSize: 10 }),
    row(2, { clientIp: '127.0.0.9', status: undefined, responseSize: undefined }),
    row(3, { clientIp: '127.0.0.9', status: 404, responseSize: 10 }),
    row(4, { clientIp: '::1', status: 200, responseSize: 500 }),
  ];
  const order = (spec: SortSpec) => [...rows].sort(comparator(spec)).map((r) => r.seq);
  assert.deepEqual(
    {
      timeDesc: order({ key: 'time', dir: 'desc' }),
      ipAsc: order({ key: 'clientIp', dir: 'asc' }),
      statusAsc: order({ key: 'status', dir: 'asc' }),
      sizeDesc: order({ key: 'size', dir: 'desc' }),
    },
    { timeDesc: [4, 3, 2, 1], ipAsc: [3, 2, 1, 4], statusAsc: [2, 4, 1, 3], sizeDesc: [4, 3, 1, 2] },
  );
});

test('insertionIndex keeps a sorted list sorted', () => {
  const compare = comparator({ key: 'time', dir: 'desc' });
  const rows = [row(9), row(7), row(5)];
  assert.deepEqual([row(10), row(8), row(6), row(1)].map((r) => insertionIndex(rows, r, compare)), [0, 1, 2, 3]);
});
