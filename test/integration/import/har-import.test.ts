// Issue 14, item 7 (and issue 13's note on ids): a HAR import past the store's limit says what was kept and
// what the trim removed; the entries are stored one by one as they are read (the file is checked first, all
// or nothing); a document nested too deep is refused naming the entry, the field and the limit; imported
// flows get ids like captured ones.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { HarImportError, MAX_ENTRY_DEPTH } from '../../../electron/core/import/har';
import { describeImportTrim, importHar } from '../../../electron/core/import/into-store';
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

test('an import past the limit reports what was kept and what the trim removed; the newest entries stay', async () => {
  const store = await smallStore();
  const outcome = await importHar(store, () => har(Array.from({ length: 45 }, (_, i) => entry(i))));
  const stored = allSummaryIds(store);
  const urls = store.query({ limit: 100 }).flows.map((f) => f.url);
  assert.deepEqual(
    {
      count: outcome.count,
      trimmed: outcome.trimmed,
      trimmedOther: outcome.trimmedOther,
      keptAreStored: [...outcome.kept].sort().join() === [...stored].sort().join(),
      newest: urls[0],
      oldestKept: urls[urls.length - 1],
      idsLikeCaptured: outcome.kept.every((id) => /^[0-9A-Za-z]{12}$/.test(id)),
      sentence: describeImportTrim(outcome),
    },
    {
      count: 45,
      trimmed: 45 - stored.length,
      trimmedOther: 0,
      keptAreStored: true,
      newest: 'http://har.test/item/44',
      oldestKept: `http://har.test/item/${45 - stored.length}`,
      idsLikeCaptured: true,
      sentence: `The store went over its limit and trimmed at once ${45 - stored.length} of the imported flows (the oldest); ${stored.length} of the 45 imported flows are kept.`,
    },
  );
  assert.ok(stored.length <= 20 && stored.length > 0, `stored ${stored.length}`);
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
