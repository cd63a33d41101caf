import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { JournalWriter, fromLines, readJournal, toLines } from '../../../../electron/core/store/journal';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-journal-');
function journalPath(): string {
  return path.join(tempDir(), 'flows.db.journal');
}

test('lines stay until every change journaled so far is applied, then the file is emptied', async () => {
  const file = journalPath();
  const journal = new JournalWriter(file, (m) => assert.fail(m));
  const first = journal.append(toLines([{ $$deleted: true, _id: 'a' }]));
  const second = journal.append(toLines([{ $$pin: ['b'], pinned: true }]));
  await journal.flush();
  const both = fs.readFileSync(file, 'utf8');
  first();
  await journal.flush();
  const afterFirst = fs.readFileSync(file, 'utf8');
  second();
  await journal.flush();
  const afterSecond = fs.readFileSync(file, 'utf8');
  journal.append(toLines([{ $$deleted: true, _id: 'c' }]));
  await journal.close();
  assert.deepEqual(
    { both, afterFirst, afterSecond, left: readJournal(file), missing: readJournal(`${file}.none`) },
    {
      both: '{"$$deleted":true,"_id":"a"}\n{"$$pin":["b"],"pinned":true}\n',
      afterFirst: '{"$$deleted":true,"_id":"a"}\n{"$$pin":["b"],"pinned":true}\n',
      afterSecond: '',
      left: { records: [{ $$deleted: true, _id: 'c' }], unreadable: 0 },
      missing: { records: [], unreadable: 0 },
    },
  );
});

test('unreadable lines are counted, not fatal', () => {
  assert.deepEqual(fromLines('{"$$deleted":true,"_id":"a"}\nnot json\n\n'), { records: [{ $$deleted: true, _id: 'a' }], unreadable: 1 });
});

test('a journal that cannot be written reports once and stands aside', async () => {
  const file = path.join(journalPath(), 'no-such-folder', 'flows.db.journal');
  const errors: string[] = [];
  const journal = new JournalWriter(file, (m) => errors.push(m));
  journal.append('{"x":1}\n')();
  journal.append('{"x":2}\n')();
  await journal.close();
  assert.deepEqual(errors.map((e) => e.replace(/\(.*\)/, '(…)')), [
    `The flow journal ${file} cannot be written (…); flows captured while the store is busy may be lost in a crash.`,
  ]);
});

/** A journal emptied once (as the store's is after its start), so batches may be held back. */
async function emptiedJournal(file: string): Promise<JournalWriter> {
  const journal = new JournalWriter(file, (m) => assert.fail(m));
  journal.hold()();
  await journal.flush();
  return journal;
}

test('flow batches the worker applies in time are never written; one it has not applied is, in order with those after it', async () => {
  const file = journalPath();
  const journal = await emptiedJournal(file);
  const applied = journal.appendUnlessApplied(['{"_id":"a"}', '{"_id":"b"}'], 60_000);
  const queued = journal.queuedChars;
  applied();
  await journal.flush();
  const afterApplied = { text: fs.readFileSync(file, 'utf8'), queued: journal.queuedChars };
  // The older batch is not applied: the newer one, applied, stays with it, and both are written at the deadline.
  const slow = journal.appendUnlessApplied(['{"_id":"c"}'], 100);
  journal.appendUnlessApplied(['{"_id":"d"}'], 60_000)();
  for (let waited = 0; fs.readFileSync(file, 'utf8') === '' && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  await journal.flush();
  const afterDeadline = fs.readFileSync(file, 'utf8');
  // Once the file holds records, every batch after them is written at once.
  journal.appendUnlessApplied(['{"_id":"e"}'], 60_000);
  await journal.flush();
  const afterMore = fs.readFileSync(file, 'utf8');
  slow();
  await journal.close();
  assert.deepEqual(
    { queued, afterApplied, afterDeadline, afterMore },
    {
      queued: 24,
      afterApplied: { text: '', queued: 0 },
      afterDeadline: '{"_id":"c"}\n{"_id":"d"}\n',
      afterMore: '{"_id":"c"}\n{"_id":"d"}\n{"_id":"e"}\n',
    },
  );
});

test('a removal journaled after held-back flow batches writes them first, in order', async () => {
  const file = journalPath();
  const journal = await emptiedJournal(file);
  journal.appendUnlessApplied(['{"_id":"a"}'], 60_000);
  journal.append(toLines([{ $$deleted: true, _id: 'a' }]));
  await journal.flush();
  const text = fs.readFileSync(file, 'utf8');
  await journal.close();
  assert.equal(text, '{"_id":"a"}\n{"$$deleted":true,"_id":"a"}\n');
});

test('a batch journaled while the file is being emptied keeps the next batches journaled after it (no older record left alone to replay)', async (t) => {
  const file = journalPath();
  // The truncation is held open until the test lets it go: the batch below is journaled while it runs.
  let truncating!: () => void;
  const started = new Promise<void>((resolve) => (truncating = resolve));
  let letGo!: () => void;
  const gate = new Promise<void>((resolve) => (letGo = resolve));
  const open = fs.promises.open;
  t.mock.method(fs.promises, 'open', async (...args: Parameters<typeof fs.promises.open>) => {
    const handle = await open(...args);
    const truncate = handle.truncate.bind(handle);
    handle.truncate = async (length?: number) => {
      truncating();
      await gate;
      return truncate(length);
    };
    return handle;
  });
  // A new writer empties its file at the first chance, whatever it holds: that truncation is the one held.
  const journal = new JournalWriter(file, (m) => assert.fail(m));
  const slow = journal.append(toLines([{ $$deleted: true, _id: 'x' }]));
  await journal.flush();
  slow(); // applied: the file is emptied
  await started;
  // Flow a, live, in a batch the worker is slow to apply: written now, after the truncation.
  const live = journal.appendUnlessApplied(['{"_id":"a","state":"live"}'], 60_000);
  letGo();
  await journal.flush();
  // Flow a, completed, applied at once: it must be written too, or the live record above would be replayed over it.
  journal.appendUnlessApplied(['{"_id":"a","state":"completed"}'], 60_000)();
  await journal.flush();
  const text = fs.readFileSync(file, 'utf8');
  live();
  await journal.close();
  assert.deepEqual(
    { text, afterClose: fs.readFileSync(file, 'utf8') },
    { text: '{"_id":"a","state":"live"}\n{"_id":"a","state":"completed"}\n', afterClose: '' },
  );
});
