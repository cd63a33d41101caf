// Message logs: appended records read back in pages (also after the writer is gone), a search over the text,
// the per-flow cap, a record torn by a crash dropped, files owner-only.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MessageLogStore, messageLogName, recordHeader } from '../../../../electron/core/store/message-log';
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

test('records across many slabs (and one larger than a slab) read back whole, metas included, also after a restart', async () => {
  const dir = tempDir();
  const store = open(dir);
  const writer = store.open('slabs1');
  const sent: { meta: MessageMeta; payload: string }[] = [];
  const append = (message: Omit<MessageMeta, 'seq'>, payload: Buffer) => {
    const meta = writer.append(message, payload);
    sent.push({ meta, payload: payload.toString('latin1') });
    // The caller's buffer may be reused once append returns (a socket chunk): the log kept a copy.
    payload.fill(0x2a);
  };
  for (let i = 0; i < 120; i++) {
    const payload = Buffer.from(String.fromCharCode(97 + (i % 26)).repeat(100 + i * 13), 'latin1');
    append({ at: 1000 + i, dir: i % 2 ? 'to-client' : 'to-server', kind: i % 3 ? 'binary' : 'text', size: payload.length, truncated: false, ...(i % 5 === 0 ? { compressed: true } : {}), ...(i % 7 === 0 ? { injected: true } : {}) }, payload);
  }
  append({ at: 2000, dir: 'to-client', kind: 'binary', size: 40_000, truncated: false }, Buffer.alloc(40_000, 0x62));
  append({ at: 2001, dir: 'to-server', kind: 'close', size: 9, truncated: false, closeCode: 4001, closeReason: 'adiós' }, Buffer.from('adiós'));
  const readAll = async (from: MessageLogStore) => {
    const all: { meta: MessageMeta; payload: string }[] = [];
    for (let after = 0; ; ) {
      const result = await from.read('slabs1', { after, limit: 50 });
      all.push(...result.messages.map((m) => ({ meta: m.meta, payload: m.payload.toString('latin1') })));
      if (result.next === undefined) return all;
      after = result.next;
    }
  };
  assert.deepEqual(await readAll(store), sent);
  writer.end();
  await store.close();
  assert.deepEqual(await readAll(open(dir)), sent);
});

test('a record header written by hand is the text JSON.stringify gives; other keys go through JSON.stringify', () => {
  const metas: MessageMeta[] = [
    { seq: 1, at: 1_700_000_000_123, dir: 'to-server', kind: 'text', size: 5, truncated: false },
    { seq: 2, at: 1_700_000_000_124, dir: 'to-client', kind: 'binary', size: 1024, truncated: true, compressed: true },
    { seq: 3, at: 1_700_000_000_125, dir: 'to-client', kind: 'text', size: 3, truncated: false, injected: true },
    { seq: 4, at: 1_700_000_000_126, dir: 'to-server', kind: 'close', size: 9, truncated: false, closeCode: 1000, closeReason: 'adiós "x"' },
  ];
  assert.deepEqual(
    metas.map((meta) => recordHeader(meta, 7)),
    [
      { json: JSON.stringify({ ...metas[0], stored: 7 }), ascii: true },
      { json: JSON.stringify({ ...metas[1], stored: 7 }), ascii: true },
      { json: JSON.stringify({ ...metas[2], stored: 7 }), ascii: true },
      { json: JSON.stringify({ ...metas[3], stored: 7 }), ascii: false },
    ],
  );
});
