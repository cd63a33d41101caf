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
