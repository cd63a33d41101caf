// Issue 14, item 7 (and issue 13's note on ids): a HAR with more entries than the store keeps stores the
// newest by startedDateTime and says what was not kept and what the trim removed; the entries are stored one
// by one as they are read (the file is checked first, all or nothing); a document nested too deep is refused naming the entry, the field and the limit; imported
// flows get ids like captured ones.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { HarImportError, MAX_ENTRY_DEPTH } from '../../../electron/core/import/har';
import { describeImportLimit, describeImportTrim, importHar } from '../../../electron/core/import/into-store';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { allSummaryIds, tempDirs } from '../store/store-helpers';

const temp = tempDirs();
const open: FlowStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  temp.removeAll();
});

function entry(i: number, extra: object = {}): object {
  return {
    startedDateTime: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    request: { method: 'GET', url: `http://har.test/item/${i}`, httpVersion: 'HTTP/1.1', headers: [] },
    response: { status: 200, statusText: 'OK', httpVersion: 'HTTP/1.1', headers: [], content: { size: 2, mimeType: 'text/plain', text: `${i}` } },
    ...extra,
  };
}
const har = (entries: object[]) => JSON.stringify({ log: { version: '1.2', creator: { name: 'test', version: '1' }, entries } });

async function smallStore(): Promise<FlowStore> {
  const store = openFlowStore({ dataDir: temp.make(), maxFlows: 20, trimCount: 10 });
  open.push(store);
  await store.ready;
  return store;
}

/** 45 entries out of time order (entry i started at second (17 i) mod 45), so the file's last are not its newest. */
const shuffled = (extra: (second: number) => object = () => ({})) => Array.from({ length: 45 }, (_, i) => (i * 17) % 45).map((second) => entry(second, extra(second)));
const secondsOf = (store: FlowStore) =>
  store
    .query({ limit: 100 })
    .flows.map((f) => Number(f.url.split('/').at(-1)))
    .sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('a file with more entries than the store keeps stores the newest by startedDateTime (and every pinned one), and says what was not kept', async () => {
  const store = await smallStore();
  // The oldest entry is pinned: kept whatever its age, and not counted against the limit.
  const outcome = await importHar(store, () => har(shuffled((second) => (second === 0 ? { _pinned: true } : {}))));
  assert.deepEqual(
    {
      outcome: { count: outcome.count, notKept: outcome.notKept, keeps: outcome.keeps, trimmed: outcome.trimmed, trimmedOther: outcome.trimmedOther, kept: outcome.kept.length },
      seconds: secondsOf(store),
      keptAreStored: [...outcome.kept].sort().join() === [...allSummaryIds(store)].sort().join(),
      idsLikeCaptured: outcome.kept.every((id) => /^[0-9A-Za-z]{12}$/.test(id)),
      sentences: [describeImportLimit(outcome), describeImportTrim(outcome)],
    },
    {
      outcome: { count: 45, notKept: 24, keeps: 20, trimmed: 0, trimmedOther: 0, kept: 21 },
      seconds: [0, ...range(25, 44)],
      keptAreStored: true,
      idsLikeCaptured: true,
      sentences: ['The store keeps the newest 20 — 24 older ones were not kept.', ''],
    },
  );
});

test('an import that takes a store holding flows past its limit says what its trim removed', async () => {
  const store = await smallStore();
  await importHar(store, () => har([100, 101, 102, 103, 104].map((second) => entry(second))));
  const outcome = await importHar(store, () => har(shuffled()));
  // The trim drops the 10 first recorded: the 5 flows stored before, and the first 5 of the 20 newest stored.
  assert.deepEqual(
    {
      outcome: { count: outcome.count, notKept: outcome.notKept, keeps: outcome.keeps, trimmed: outcome.trimmed, trimmedOther: outcome.trimmedOther, kept: outcome.kept.length },
      stored: store.count(),
      sentences: [describeImportLimit(outcome), describeImportTrim(outcome)],
    },
    {
      outcome: { count: 45, notKept: 25, keeps: 20, trimmed: 5, trimmedOther: 5, kept: 15 },
      stored: 15,
      sentences: [
        'The store keeps the newest 20 — 25 older ones were not kept.',
        'The store went over its limit and trimmed at once 5 of the imported flows (those stored first) and 5 flows stored before; 15 of the 45 imported flows are kept.',
      ],
    },
  );
});

test('a file within the limit is stored whole, in its own order', async () => {
  const store = await smallStore();
  const outcome = await importHar(store, () => har(range(0, 19).map((second) => entry(second))));
  assert.deepEqual(
    { count: outcome.count, notKept: outcome.notKept, keeps: outcome.keeps, seconds: secondsOf(store), sentence: describeImportLimit(outcome) },
    { count: 20, notKept: 0, keeps: undefined, seconds: range(0, 19), sentence: '' },
  );
});

test('a bad entry anywhere stores nothing; a document nested too deep names the entry, field and limit', async () => {
  const store = await smallStore();
  // 20,000 levels, as in the issue (built as text: JSON.stringify itself would overflow the stack).
  const marker = '"__DEEP__"';
  const text = har([entry(0), entry(1), { ...entry(2), _appliedRules: '__DEEP__' }]).replace(marker, `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
  const err = await importHar(store, () => text).catch((e: unknown) => e);
  assert.ok(err instanceof HarImportError);
  assert.deepEqual(
    { message: err.message, stored: allSummaryIds(store).length },
    {
      message: `not a usable HAR file: entry 2: _appliedRules is nested more than ${MAX_ENTRY_DEPTH} levels deep (the limit for a HAR entry)`,
      stored: 0,
    },
  );
});
