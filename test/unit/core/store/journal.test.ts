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
