import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { TrimInfo } from '../../../electron/common/api';
import type { Flow, FlowSummary } from '../../../electron/common/flow';
import { dataPaths } from '../../../electron/core/paths';
import { BodyStore } from '../../../electron/core/store/bodies';
import { parseSlice } from '../../../electron/core/store/segments';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore, StoreOptions } from '../../../electron/core/store/types';
import { allSummaryIds, capture, flowWithBody, nextEvent, storedFlow, tempDirs } from './store-helpers';

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

async function reopen(store: FlowStore, options: StoreOptions): Promise<FlowStore> {
  await store.close();
  return openStore(options);
}

/**
 * Whether a body's bytes are still on disk: its own file exists, or, for a body in a shared segment file,
 * the segment holds its bytes (a removed body is zeroed; the segment goes once no stored flow uses it).
 */
function bodyOnDisk(dataDir: string, blob: string): boolean {
  const file = new BodyStore({ dir: dataPaths(dataDir).bodiesDir }).pathOf(blob);
  const slice = parseSlice(blob);
  if (!slice || !fs.existsSync(file)) return fs.existsSync(file);
  const bytes = fs.readFileSync(file).subarray(slice.offset, slice.offset + slice.length);
  return bytes.length === slice.length && bytes.some((b) => b !== 0);
}

async function getAll(store: FlowStore, ids: string[]): Promise<(Flow | null)[]> {
  return Promise.all(ids.map((id) => store.get(id)));
}

/** A closed store holding 20 flows, for tests that then change its datafile as a crash or a disk would. */
async function twentyStoredFlows(): Promise<{ dataDir: string; flows: Flow[]; file: string }> {
  const dataDir = temp.make();
  const store = await openStore({ dataDir });
  const flows = Array.from({ length: 20 }, () => storedFlow(store));
  capture(store, flows);
  await store.close();
  return { dataDir, flows, file: dataPaths(dataDir).flowsDb };
}

test('a restart returns the same flows, in the same order, with pins and the last trim', async () => {
  const dataDir = temp.make();
  const options = { dataDir, maxFlows: 40, trimCount: 10 };
  let store = await openStore(options);
  const flows = Array.from({ length: 45 }, (_, i) =>
    flowWithBody(store, `{"n":${i}}`, { client: { ip: `127.0.0.${2 + (i % 3)}`, port: 40000 + i }, ...(i % 7 ? {} : { comment: 'note' }) }),
  );
  capture(store, flows);
  const trimmed = await nextEvent(store.onDidTrim);
  await store.pin([flows[44].id], true);
  flows[44] = { ...flows[44], pinned: true };
  const kept = flows.slice(10);
  const before = { ids: allSummaryIds(store), flows: await getAll(store, kept.map((f) => f.id)) };

  store = await reopen(store, options);
  const after = { ids: allSummaryIds(store), flows: await getAll(store, kept.map((f) => f.id)) };
  assert.deepEqual(after, before);
  assert.deepEqual(after.flows, kept.map((f) => JSON.parse(JSON.stringify(f)) as Flow));
  assert.deepEqual(
    { count: store.count(), lastTrim: store.lastTrim(), warnings: store.warnings(), bodies: (await store.bodies.read(kept[0].response!.body)).toString() },
    { count: 35, lastTrim: trimmed, warnings: [], bodies: '{"n":10}' },
  );
});

test('rolling trim keeps exactly maxFlows unpinned flows plus every pinned one, and deletes trimmed bodies', async () => {
  const dataDir = temp.make();
  const options = { dataDir, maxFlows: 50, trimCount: 10 };
  const store = await openStore(options);
  const trims: TrimInfo[] = [];
  store.onDidTrim((t) => trims.push(t));
  const removedIds: string[] = [];
  store.onDidRemove((e) => removedIds.push(...e.ids));
  // 70 unpinned flows and 3 pinned ones among the oldest: pinned flows are exempt and not counted.
  const flows = Array.from({ length: 73 }, (_, i) => flowWithBody(store, `body ${i}`, { pinned: i < 3 ? true : undefined }));
  for (let i = 0; i < flows.length; i += 7) {
    capture(store, flows.slice(i, i + 7));
    // Longer than the store's 50 ms flush, so each batch is flushed (and trimmed) on its own.
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  await store.close();
  const again = await openStore(options);
  const kept = [...flows.slice(0, 3), ...flows.slice(23)];
  const gone = flows.slice(3, 23);
  const exists = (f: Flow) => bodyOnDisk(dataDir, f.response!.body.blob!);
  assert.deepEqual(
    {
      count: again.count(),
      ids: allSummaryIds(again),
      removed: removedIds,
      trimmedBodiesLeft: gone.filter(exists).length,
      keptBodies: kept.filter(exists).length,
      trims: trims.map((t) => [t.removed, t.removedTotal]),
      lastTrim: again.lastTrim(),
    },
    {
      count: 53,
      ids: kept.map((f) => f.id).reverse(),
      removed: gone.map((f) => f.id),
      trimmedBodiesLeft: 0,
      keptBodies: 53,
      trims: [
        [10, 10],
        [10, 20],
      ],
      lastTrim: trims[1],
    },
  );
});

test('after a trim compacts the datafile, flows older than the recent-flow cache still read back whole, and each stored flow is one line', async () => {
  const dataDir = temp.make();
  // Any dead byte compacts: by default a trim compacts only once half the datafile is dead.
  const options = { dataDir, maxFlows: 2_500, trimCount: 500, compactDeadBytes: 1 };
  let store = await openStore(options);
  // Multi-byte text, so positions in the datafile are bytes, not characters.
  const flows = Array.from({ length: 2_600 }, (_, i) =>
    flowWithBody(store, `{"n":${i}}`, { request: { method: 'GET', url: `http://example.test/ü/${i}?q=日本`, httpVersion: '1.1', headers: [['Host', 'example.test']], body: { size: 0, storedSize: 0, truncated: false } } }),
  );
  capture(store, flows);
  await nextEvent(store.onDidTrim);
  await store.flush();
  // The main side caches only the newest flows: these come from the worker, read at their new positions.
  const oldest = flows.slice(500, 600);
  const expected = oldest.map((f) => JSON.parse(JSON.stringify(f)) as Flow);
  const lines = fs.readFileSync(dataPaths(dataDir).flowsDb, 'utf8').split('\n').filter(Boolean);
  assert.deepEqual(
    { flows: await getAll(store, oldest.map((f) => f.id)), trimmed: await store.get(flows[0].id), lines: lines.length, ids: new Set(lines.map((l) => (JSON.parse(l) as { _id: string })._id)).size },
    { flows: expected, trimmed: null, lines: 2_100, ids: 2_100 },
  );
  await store.pin([oldest[0].id], true);
  store = await reopen(store, options);
  assert.deepEqual(await getAll(store, oldest.slice(0, 2).map((f) => f.id)), [{ ...expected[0], pinned: true }, expected[1]]);
});

test('a crash in the middle of a compaction (only the new file, still named flows.db~) loses nothing', async () => {
  const { dataDir, flows, file } = await twentyStoredFlows();
  fs.renameSync(file, `${file}~`);
  const store = await openStore({ dataDir });
  assert.deepEqual(
    { ids: allSummaryIds(store), last: await store.get(flows[19].id), warnings: store.warnings(), file: fs.existsSync(file) },
    { ids: flows.map((f) => f.id).reverse(), last: JSON.parse(JSON.stringify(flows[19])) as Flow, warnings: [], file: true },
  );
});

test('adds and updates are batched: one event per flush carries every flow since the last', async () => {
  const store = await openStore({ dataDir: temp.make() });
  const flows = Array.from({ length: 300 }, () => storedFlow(store));
  const added = nextEvent(store.onDidAdd);
  for (const f of flows) store.flowStarted({ ...f, state: 'live' });
  const addBatch = await added;
  const updated = nextEvent(store.onDidUpdate);
  for (const f of flows) store.flowUpdated(f);
  const updateBatch = await updated;
  assert.deepEqual(
    { added: addBatch.map((s) => [s.id, s.state]), updated: updateBatch.map((s) => [s.id, s.state]) },
    { added: flows.map((f) => [f.id, 'live']), updated: flows.map((f) => [f.id, 'completed']) },
  );
});

test('a flow listed and then pinned before the flush is announced pinned', async () => {
  const store = await openStore({ dataDir: temp.make() });
  const flows = [storedFlow(store), storedFlow(store)];
  const added = nextEvent(store.onDidAdd);
  capture(store, flows);
  // The list is read (its summaries made) before the flush that announces them.
  const listed = store.query({}).flows.map((s) => [s.id, s.pinned]);
  await store.pin([flows[0].id], true);
  const batch = await added;
  assert.deepEqual(
    { listed, added: batch.map((s) => [s.id, s.pinned]) },
    { listed: [[flows[1].id, false], [flows[0].id, false]], added: [[flows[0].id, true], [flows[1].id, false]] },
  );
});

test('a flow whose summary cannot be kept is left out of the list and said; the list still answers', async () => {
  const store = await openStore({ dataDir: temp.make() });
  const [good, bad] = [storedFlow(store), storedFlow(store)];
  // A URL that is not a string (no capture makes one; a damaged or foreign import could).
  const malformed = { ...bad, request: { ...bad.request, url: 42 as unknown as string } };
  capture(store, [good, malformed]);
  const first = store.query({}).flows.map((s) => s.id);
  const second = store.query({}).flows.map((s) => s.id);
  assert.deepEqual(
    { first, second, warnings: store.warnings().filter((w) => w.includes(bad.id)).length },
    { first: [good.id], second: [good.id], warnings: 1 },
  );
});

test('get answers a live flow from memory and an older one from the datafile; unknown ids are null', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const old = storedFlow(store);
  capture(store, [old]);
  store = await reopen(store, { dataDir });
  const live = storedFlow(store, { state: 'live', response: undefined, timings: {} });
  store.flowStarted(live);
  assert.deepEqual(
    { old: await store.get(old.id), live: await store.get(live.id), unknown: await store.get('nope') },
    { old, live, unknown: null },
  );
});

test('pin, delete and clear change memory, disk and bodies, and fire events', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const flows = Array.from({ length: 6 }, (_, i) => flowWithBody(store, `b${i}`));
  const added = nextEvent(store.onDidAdd);
  capture(store, flows);
  await added;
  const updates: FlowSummary[][] = [];
  const removes: { ids: string[]; all?: boolean }[] = [];
  store.onDidUpdate((u) => updates.push(u));
  store.onDidRemove((r) => removes.push(r));

  const pinned = await store.pin([flows[0].id, flows[1].id, 'missing'], true);
  const pinnedAgain = await store.pin([flows[0].id], true);
  const deleted = await store.delete([flows[2].id, 'missing']);
  const cleared = await store.clear();
  const afterClear = allSummaryIds(store);
  store = await reopen(store, { dataDir });
  const afterRestart = { ids: allSummaryIds(store), pinned: (await store.get(flows[0].id))?.pinned };
  const unpinned = await store.pin([flows[1].id], false);
  const clearedAll = await store.clear({ includePinned: true });

  assert.deepEqual(
    {
      pinned,
      pinnedAgain,
      deleted,
      cleared,
      afterClear,
      afterRestart,
      unpinned,
      clearedAll,
      count: store.count(),
      bodiesLeft: flows.filter((f) => bodyOnDisk(dataDir, f.response!.body.blob!)).length,
      pinEvents: updates.flat().map((s) => [s.id, s.pinned]),
      removes,
    },
    {
      pinned: 2,
      pinnedAgain: 0,
      deleted: 1,
      cleared: 3,
      afterClear: [flows[1].id, flows[0].id],
      afterRestart: { ids: [flows[1].id, flows[0].id], pinned: true },
      unpinned: 1,
      clearedAll: 2,
      count: 0,
      bodiesLeft: 0,
      pinEvents: [
        [flows[0].id, true],
        [flows[1].id, true],
      ],
      removes: [{ ids: [flows[2].id] }, { ids: flows.slice(3).map((f) => f.id), all: true }],
    },
  );
});

test('a flow updated after it was deleted stays deleted and its late body file is removed', async () => {
  const dataDir = temp.make();
  const store = await openStore({ dataDir });
  const live = storedFlow(store, { state: 'live', response: undefined });
  store.flowStarted(live);
  await store.delete([live.id]);
  const late = flowWithBody(store, 'late body', { id: live.id, seq: live.seq });
  store.flowUpdated(late);
  await store.close();
  const again = await openStore({ dataDir });
  assert.deepEqual({ count: again.count(), body: bodyOnDisk(dataDir, late.response!.body.blob!) }, { count: 0, body: false });
});

test('seqs keep rising across restarts, even after every flow was cleared, and continue without a jump', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const flows = Array.from({ length: 3 }, () => storedFlow(store));
  capture(store, flows);
  store = await reopen(store, { dataDir });
  const afterRestart = storedFlow(store);
  capture(store, [afterRestart]);
  await store.clear({ includePinned: true });
  store = await reopen(store, { dataDir });
  assert.deepEqual([flows.map((f) => f.seq), afterRestart.seq, store.nextSeq()], [[1, 2, 3], 4, 5]);
});

test('flows still live when Hindsight stopped come back as failed, not in progress forever', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const live = storedFlow(store, { state: 'live', response: undefined, timings: {} });
  store.flowStarted(live);
  store = await reopen(store, { dataDir });
  assert.deepEqual(await store.get(live.id), { ...live, state: 'failed', error: { phase: 'store', message: 'Hindsight stopped before this flow finished' } });
});

test('a torn last line (kill -9 during an append) is dropped with a warning, never fatal', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const flows = Array.from({ length: 3 }, () => storedFlow(store));
  capture(store, flows);
  await store.close();
  // Three good lines and a torn fourth: 25% unreadable, which nedb alone would refuse.
  fs.appendFileSync(dataPaths(dataDir).flowsDb, '{"_id":"f999","seq":999,"request":{"meth');
  store = await openStore({ dataDir });
  assert.deepEqual(
    { ids: allSummaryIds(store), warnings: store.warnings().map((w) => w.replace(/\d+ bytes/, 'N bytes')) },
    {
      ids: flows.map((f) => f.id).reverse(),
      warnings: ['The flow datafile ended with an unfinished record (N bytes, written when Hindsight was stopped abruptly); it was dropped.'],
    },
  );
});

test('a few unreadable lines are skipped with a warning and the damaged file is kept', async () => {
  const { dataDir, file } = await twentyStoredFlows();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[5] = '{this is not json';
  const damaged = lines.join('\n');
  fs.writeFileSync(file, damaged);
  const store = await openStore({ dataDir });
  const copies = fs.readdirSync(dataDir).filter((f) => f.startsWith('flows.db.damaged-'));
  assert.equal(copies.length, 1);
  assert.deepEqual(
    { count: store.count(), warnings: store.warnings(), copy: fs.readFileSync(path.join(dataDir, copies[0]), 'utf8') },
    {
      count: 19,
      warnings: [`1 of 20 records in the flow datafile could not be read and were skipped. The file as it was is kept at ${path.join(dataDir, copies[0])}.`],
      copy: damaged,
    },
  );
});

test('a datafile nedb refuses is moved aside, nothing is deleted, and a fresh store starts', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const body = flowWithBody(store, 'kept body');
  capture(store, [body]);
  await store.close();
  const file = dataPaths(dataDir).flowsDb;
  const garbage = fs.readFileSync(file, 'utf8') + 'garbage line one\ngarbage line two\n';
  fs.writeFileSync(file, garbage);
  store = await openStore({ dataDir });
  const aside = fs.readdirSync(dataDir).filter((f) => f.startsWith('flows.db.corrupt-'));
  assert.equal(aside.length, 1);
  assert.deepEqual(
    {
      count: store.count(),
      warnings: store.warnings(),
      aside: fs.readFileSync(path.join(dataDir, aside[0]), 'utf8'),
      bodyKept: bodyOnDisk(dataDir, body.response!.body.blob!),
    },
    {
      count: 0,
      warnings: [
        `The flow datafile could not be read (67% of its records are corrupt). It was moved to ${path.join(dataDir, aside[0])} and a new, empty flow store was started. Nothing was deleted.`,
      ],
      aside: garbage,
      bodyKept: true,
    },
  );
  // The fresh store works and persists.
  const fresh = storedFlow(store);
  capture(store, [fresh]);
  store = await reopen(store, { dataDir });
  assert.deepEqual(allSummaryIds(store), [fresh.id]);
});

test('a disk that refuses body files shows a warning while flows are still recorded', async () => {
  const dataDir = temp.make();
  const store = await openStore({ dataDir });
  const warned = nextEvent(store.onDidWarn);
  const flow = storedFlow(store);
  // A regular file where the body's folder should be makes the write fail, as a full disk would: the shard
  // folder of a body with a file of its own, the segments folder of a small one.
  fs.writeFileSync(path.join(dataPaths(dataDir).bodiesDir, flow.id.slice(0, 2)), 'not a folder');
  fs.writeFileSync(path.join(dataPaths(dataDir).bodiesDir, 'segments'), 'not a folder');
  const writer = store.bodies.open(flow.id, 'response', {});
  writer.write(Buffer.from('lost'));
  flow.response!.body = writer.end();
  capture(store, [flow]);
  const warning = await warned;
  assert.deepEqual(
    { warning: /Body files are not being written/.test(warning), warnings: store.warnings(), stored: (await store.get(flow.id))?.response?.body },
    { warning: true, warnings: [warning], stored: { size: 4, storedSize: 0, truncated: true } },
  );
});

test('changes left in the journal by a crash are replayed over the datafile, then the journal is emptied', async () => {
  const dataDir = temp.make();
  let store = await openStore({ dataDir });
  const [kept, updated, deleted] = [storedFlow(store), storedFlow(store), flowWithBody(store, 'to be deleted')];
  capture(store, [kept, updated, deleted]);
  await store.close();
  // What a kill -9 can leave: changes journaled by the main side that nedb had not appended yet (the last one torn).
  const added = { ...storedFlow(store), seq: deleted.seq + 1, id: 'late' };
  const newer = { ...updated, state: 'failed' as const, error: { phase: 'upstream' as const, message: 'reset' } };
  const journal = `${dataPaths(dataDir).flowsDb}.journal`;
  fs.writeFileSync(
    journal,
    [
      JSON.stringify({ ...added, _id: added.id }),
      JSON.stringify({ ...newer, _id: newer.id }),
      JSON.stringify({ $$deleted: true, _id: deleted.id }),
      JSON.stringify({ $$pin: [kept.id], pinned: true }),
      '{"_id":"torn","seq":',
    ].join('\n'),
  );
  store = await openStore({ dataDir });
  const queryable = allSummaryIds(store);
  await store.flush();
  const result = {
    queryable,
    flows: await getAll(store, [added.id, updated.id, kept.id, deleted.id]),
    deletedBody: bodyOnDisk(dataDir, deleted.response!.body.blob!),
    journal: fs.readFileSync(journal, 'utf8'),
  };
  store = await reopen(store, { dataDir });
  assert.deepEqual(
    { ...result, afterRestart: await getAll(store, [added.id, updated.id, kept.id, deleted.id]) },
    {
      queryable: [added.id, updated.id, kept.id],
      flows: [added, newer, { ...kept, pinned: true }, null],
      deletedBody: false,
      journal: '',
      afterRestart: [added, newer, { ...kept, pinned: true }, null],
    },
  );
});

test('body segments: a segment file goes once no stored flow uses it, and unused ones left by a run go at the next start', async () => {
  const dataDir = temp.make();
  // 20-byte bodies in 40-byte segments: two bodies per segment file.
  const options = { dataDir, maxFlows: 6, trimCount: 3, segmentBytes: 40 };
  let store = await openStore(options);
  const flows = Array.from({ length: 12 }, (_, i) => flowWithBody(store, `body ${String(i).padStart(15, '0')}`));
  for (let i = 0; i < flows.length; i += 3) {
    capture(store, flows.slice(i, i + 3));
    await store.flush();
  }
  const onDisk = () =>
    new BodyStore({ dir: dataPaths(dataDir).bodiesDir })
      .segments()
      .sort((a, b) => a - b);
  const kept = flows.slice(6);
  const afterTrims = {
    blobs: flows.slice(0, 3).map((f) => f.response!.body.blob),
    ids: allSummaryIds(store),
    segments: onDisk(),
    bodies: (await Promise.all(kept.map((f) => store.bodies.read(f.response!.body)))).map(String),
  };
  await store.clear();
  const afterClear = onDisk();
  store = await reopen(store, options);
  await store.flush();
  assert.deepEqual(
    { ...afterTrims, afterClear, afterRestart: onDisk() },
    {
      blobs: ['s1-0-20', 's1-20-20', 's2-0-20'],
      ids: kept.map((f) => f.id).reverse(),
      segments: [4, 5, 6],
      bodies: kept.map((_, i) => `body ${String(i + 6).padStart(15, '0')}`),
      // Segment 6 is still the one being written: it goes at the next start, when no flow uses it.
      afterClear: [6],
      afterRestart: [],
    },
  );
});
