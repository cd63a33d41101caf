// Message logs: appended records read back in pages (also after the writer is gone), a search over the text,
// the per-flow cap, a record torn by a crash dropped, files owner-only.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MessageLogStore, messageLogName } from '../../../../electron/core/store/message-log';
import type { MessageMeta } from '../../../../electron/common/message';
import { tempDirs } from '../../../helpers/temp-dirs';

const stores: MessageLogStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
const tempDir = tempDirs('hindsight-messages-');

function open(dir: string, cap: { maxCount?: number; maxBytes?: number } = {}): MessageLogStore {
  const store = new MessageLogStore({ pathOf: (name) => path.join(dir, name.slice(0, 2), name), ...cap });
  stores.push(store);
  return store;
}

const text = (value: string, dir: MessageMeta['dir'] = 'to-server'): [Omit<MessageMeta, 'seq'>, Buffer] => [{ at: 1000, dir, kind: 'text', size: Buffer.byteLength(value), truncated: false }, Buffer.from(value)];
const page = async (store: MessageLogStore, id: string, options: { after?: number; limit?: number; search?: string } = {}) => {
  const result = await store.read(id, options);
  return { texts: result.messages.map((m) => `${m.meta.seq}:${m.payload.toString()}`), stored: result.stored, next: result.next };
};

test('pages while the log is written and after it is closed, from a new store (a restart)', async () => {
  const dir = tempDir();
  const store = open(dir);
  const writer = store.open('abc123');
  for (let i = 1; i <= 5; i++) writer.append(...text(`m${i}`));
  assert.deepEqual(await page(store, 'abc123', { limit: 2 }), { texts: ['1:m1', '2:m2'], stored: 5, next: 2 });
  assert.deepEqual(await page(store, 'abc123', { after: 4 }), { texts: ['5:m5'], stored: 5, next: undefined });
  writer.end();
  await store.close();
  const again = open(dir);
  assert.deepEqual(await page(again, 'abc123', { after: 2, limit: 2 }), { texts: ['3:m3', '4:m4'], stored: 5, next: 4 });
  assert.deepEqual(await page(again, 'abc123', { search: 'M5' }), { texts: ['5:m5'], stored: 5, next: undefined });
  assert.deepEqual(await page(again, 'nothere'), { texts: [], stored: 0, next: undefined });
  const file = path.join(dir, 'ab', messageLogName('abc123'));
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('the cap: messages past the count or byte limit are counted, not kept; one cut short is marked', async () => {
  const store = open(tempDir(), { maxCount: 3, maxBytes: 8 });
  const writer = store.open('cap001');
  const metas = [writer.append(...text('12345')), writer.append(...text('67890')), writer.append(...text('x')), writer.append(...text('y'))];
  assert.deepEqual(
    metas.map((m) => [m.seq, m.truncated]),
    [
      [1, false],
      [2, true],
      [3, false],
      [4, false],
    ],
  );
  assert.deepEqual(writer.stats, { count: 4, bytes: 12, truncated: true });
  assert.deepEqual(await page(store, 'cap001'), { texts: ['1:12345', '2:678'], stored: 2, next: undefined });
});

test('a record torn by a crash ends the log; the records before it are read', async () => {
  const dir = tempDir();
  const store = open(dir);
  const writer = store.open('torn01');
  writer.append(...text('whole'));
  writer.append(...text('torn record'));
  writer.end();
  await store.close();
  const file = path.join(dir, 'to', messageLogName('torn01'));
  fs.truncateSync(file, fs.statSync(file).size - 3);
  assert.deepEqual(await page(open(dir), 'torn01'), { texts: ['1:whole'], stored: 1, next: undefined });
});
