import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowRows, type CountDelta, type RowsChange } from '../../../../../renderer/src/lib/state/flow-rows';
import { compileFilter } from '../../../../../electron/common/filter';
import { toSummary, type FlowSummary } from '../../../../../electron/common/flow';
import { makeFlow } from '../../../../helpers/flows';

// Started in seq order, as captured flows are.
const row = (seq: number, extra: Partial<FlowSummary> = {}): FlowSummary => ({ ...toSummary(makeFlow({ seq, id: `f${seq}`, startedAt: 1_763_700_000_000 + seq })), ...extra });

/** Rows loaded newest first from a page of `seqs`, the first visible row at `anchor`. */
function loaded(seqs: number[], anchor = 0): FlowRows {
  const rows = new FlowRows();
  rows.merge(seqs.map((s) => row(s)));
  rows.anchor = anchor;
  return rows;
}

/** What one batch of events did: the rows (by seq), the anchor, the change and the count deltas. */
function outcome(rows: FlowRows, apply: (change: RowsChange, counts: CountDelta) => boolean | void) {
  const change: RowsChange = { shift: 0, added: 0 };
  const counts: CountDelta = { matched: 0, total: 0 };
  const countsOff = apply(change, counts) ?? false;
  return { seqs: rows.rows.map((r) => r.seq), anchor: rows.anchor, change, counts, countsOff, indexed: rows.byId.size };
}

test('a page merges in display order, and a later page of the same flows replaces them in place', () => {
  const rows = loaded([3, 5, 4]);
  rows.merge([row(5, { status: 200 })]);
  assert.deepEqual({ seqs: rows.rows.map((r) => r.seq), status: rows.byId.get('f5')?.status, index: rows.indexOf('f4') }, { seqs: [5, 4, 3], status: 200, index: 1 });
});

test('new flows are prepended newest first; with the user scrolled down they count as "N new" above the anchor', () => {
  const rows = loaded([3, 2, 1], 1);
  assert.deepEqual(
    outcome(rows, (c, n) => rows.applyAdds([row(4), row(5)], c, n)),
    { seqs: [5, 4, 3, 2, 1], anchor: 3, change: { shift: 2, added: 2 }, counts: { matched: 2, total: 2 }, countsOff: false, indexed: 5 },
  );
});

test('adds: flows the filter refuses count in the total only; an add already loaded (raced a query) flags the counts', () => {
  const rows = loaded([2, 1]);
  rows.predicate = compileFilter('method:POST');
  assert.deepEqual(
    outcome(rows, (c, n) => rows.applyAdds([row(3), row(4, { method: 'POST' }), row(2)], c, n)),
    { seqs: [4, 2, 1], anchor: 1, change: { shift: 1, added: 1 }, counts: { matched: 1, total: 2 }, countsOff: true, indexed: 3 },
  );
});

test('an add older than every loaded row is left to its page while more pages exist; with none left it is inserted', () => {
  const rows = loaded([10, 9]);
  rows.cursor = { seq: 9, startedAt: row(9).startedAt };
  const older = outcome(rows, (c, n) => rows.applyAdds([row(11), row(5)], c, n));
  rows.cursor = undefined;
  const lastPage = outcome(rows, (c, n) => rows.applyAdds([row(6)], c, n));
  assert.deepEqual(
    { older, lastPage },
    {
      older: { seqs: [11, 10, 9], anchor: 1, change: { shift: 1, added: 1 }, counts: { matched: 2, total: 2 }, countsOff: false, indexed: 3 },
      lastPage: { seqs: [11, 10, 9, 6], anchor: 1, change: { shift: 0, added: 0 }, counts: { matched: 1, total: 1 }, countsOff: false, indexed: 4 },
    },
  );
});

test('under another sort, adds are inserted where they sort', () => {
  const rows = loaded([1, 2, 3]);
  rows.setSort({ key: 'status', dir: 'asc' });
  for (const [seq, status] of [[1, 500], [2, 200], [3, 404]]) rows.merge([row(seq, { status })]);
  assert.deepEqual(
    outcome(rows, (c, n) => rows.applyAdds([row(4, { status: 300 })], c, n)),
    { seqs: [2, 4, 3, 1], anchor: 0, change: { shift: 0, added: 0 }, counts: { matched: 1, total: 1 }, countsOff: false, indexed: 4 },
  );
});

test('updates: in place when the order holds, moved when it changes, dropped when the filter no longer matches', () => {
  const rows = loaded([1, 2, 3]);
  rows.setSort({ key: 'status', dir: 'desc' });
  rows.merge([row(1, { status: 200 }), row(2, { status: 300 }), row(3, { status: 400 })]);
  rows.anchor = 0;
  rows.predicate = compileFilter('status:200-599');
  const result = outcome(rows, (c, n) => rows.applyUpdates([row(3, { status: 400, durationMs: 5 }), row(1, { status: 500 }), row(2, { status: undefined })], c, n));
  assert.deepEqual(
    { ...result, updated: rows.byId.get('f3')?.durationMs },
    { seqs: [1, 3], anchor: 1, change: { shift: 1, added: 0 }, counts: { matched: -1, total: 0 }, countsOff: false, indexed: 2, updated: 5 },
  );
});

test('an update that matches only now joins the list when it is in the loaded range', () => {
  const rows = loaded([3, 1]);
  rows.predicate = compileFilter('status:200');
  assert.deepEqual(
    outcome(rows, (c, n) => rows.applyUpdates([row(2, { status: 200 })], c, n)),
    { seqs: [3, 2, 1], anchor: 0, change: { shift: 0, added: 0 }, counts: { matched: 1, total: 0 }, countsOff: false, indexed: 3 },
  );
});

test('removes: rows above the anchor shift it back; ids not loaded flag the counts', () => {
  const rows = loaded([5, 4, 3, 2, 1], 3);
  assert.deepEqual(
    outcome(rows, (c, n) => rows.applyRemoves(['f5', 'f2', 'f9'], c, n)),
    { seqs: [4, 3, 1], anchor: 2, change: { shift: -1, added: 0 }, counts: { matched: -2, total: -3 }, countsOff: true, indexed: 3 },
  );
});

test('a large remove rebuilds the rows with the same result as row by row', () => {
  const seqs = Array.from({ length: 200 }, (_, i) => 200 - i);
  const gone = seqs.filter((s) => s % 2 === 0).map((s) => `f${s}`);
  const bulk = loaded(seqs, 50);
  const oneByOne = loaded(seqs, 50);
  const bulkResult = outcome(bulk, (c, n) => bulk.applyRemoves(gone, c, n));
  const splitResult = outcome(oneByOne, (c, n) => {
    for (let i = 0; i < gone.length; i += 50) oneByOne.applyRemoves(gone.slice(i, i + 50), c, n);
  });
  assert.deepEqual({ ...bulkResult, countsOff: false }, splitResult);
  assert.deepEqual({ first: bulkResult.seqs.slice(0, 3), length: bulkResult.seqs.length, anchor: bulkResult.anchor }, { first: [199, 197, 195], length: 100, anchor: 25 });
});

test('clear empties rows, index and anchor', () => {
  const rows = loaded([2, 1], 1);
  rows.clear();
  assert.deepEqual({ rows: rows.rows, indexed: rows.byId.size, anchor: rows.anchor, index: rows.indexOf('f1') }, { rows: [], indexed: 0, anchor: 0, index: -1 });
});
