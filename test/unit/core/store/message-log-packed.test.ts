// Short message logs (a gRPC call's) packed into the body store's segments: no file of their own, the same pages
// as a file log (also after a restart), the slice zeroed when the flow goes; a short log that wrote before it
// ended, and a log not opened short, keep a file.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BodyStore } from '../../../../electron/core/store/bodies';
import { MessageLogStore, messageLogName } from '../../../../electron/core/store/message-log';
import type { MessageMeta, MessageStats } from '../../../../electron/common/message';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-packed-logs-');
const opened: { bodies: BodyStore; logs: MessageLogStore }[] = [];
afterEach(async () => {
  for (const { bodies, logs } of opened.splice(0)) {
    await logs.close();
    await bodies.close();
  }
});

/** A body store with segments and a log store packing into it; `stats` stands for the stored flows' `messages`. */
function open(dir: string, stats: Map<string, MessageStats>) {
  const bodies = new BodyStore({ dir, segmentBytes: 1024 * 1024, directWrites: false });
  const logs = new MessageLogStore({
    pathOf: (name) => bodies.pathOf(name),
    packed: {
      append: (chunks, length) => bodies.appendSlice(chunks, length),
      read: (log) => bodies.read({ blob: log, size: 0, storedSize: 0, truncated: false }),
      of: async (flowId) => stats.get(flowId)?.log,
    },
  });
  opened.push({ bodies, logs });
  return { bodies, logs };
}

const grpc = (bytes: number[], dir: MessageMeta['dir'], at: number): [Omit<MessageMeta, 'seq'>, Buffer] => [{ at, dir, kind: 'grpc', size: bytes.length, truncated: false }, Buffer.from(bytes)];
const rows = async (logs: MessageLogStore, id: string, page: { after?: number; limit?: number; search?: string } = {}) => {
  const result = await logs.read(id, page);
  return { rows: result.messages.map((m) => [m.meta.seq, m.meta.dir, m.meta.at, [...m.payload]]), stored: result.stored, next: result.next };
};
const fileOf = (dir: string, id: string) => fs.existsSync(path.join(dir, id.slice(0, 2), messageLogName(id)));

test('a short log that ends before its first write is a slice of a segment: same pages, also after a restart; gone with its flow', async () => {
  const dir = tempDir();
  const stats = new Map<string, MessageStats>();
  const first = open(dir, stats);
  const writer = first.logs.open('grpc01', { short: true });
  writer.append(...grpc([0x0a, 0x02, 0x68, 0x69], 'to-server', 1000));
  writer.append(...grpc([0x0a, 0x03, 0x79, 0x6f, 0x21], 'to-client', 1001));
  writer.append(...grpc([0x08, 0x01], 'to-client', 1002));
  writer.end();
  stats.set('grpc01', { ...writer.stats });
  const expected = {
    all: { rows: [[1, 'to-server', 1000, [0x0a, 0x02, 0x68, 0x69]], [2, 'to-client', 1001, [0x0a, 0x03, 0x79, 0x6f, 0x21]], [3, 'to-client', 1002, [0x08, 0x01]]], stored: 3, next: undefined },
    paged: { rows: [[2, 'to-client', 1001, [0x0a, 0x03, 0x79, 0x6f, 0x21]]], stored: 3, next: 2 },
    searched: { rows: [[2, 'to-client', 1001, [0x0a, 0x03, 0x79, 0x6f, 0x21]]], stored: 3, next: undefined },
  };
  const pages = async (logs: MessageLogStore) => ({ all: await rows(logs, 'grpc01'), paged: await rows(logs, 'grpc01', { after: 1, limit: 1 }), searched: await rows(logs, 'grpc01', { search: 'YO!' }) });
  const log = writer.stats.log ?? '';
  assert.deepEqual({ stats: { ...writer.stats, log: /^s\d+-\d+-\d+$/.test(log) }, file: fileOf(dir, 'grpc01'), pages: await pages(first.logs) }, { stats: { count: 3, bytes: 11, truncated: false, log: true }, file: false, pages: expected });

  await first.logs.flush();
  await first.bodies.flush();
  const again = open(dir, stats);
  assert.deepEqual(await pages(again.logs), expected);
  // Removing the flow's blobs (what trim and delete do) zeroes the slice: nothing of the log is read back.
  await again.bodies.remove([log]);
  assert.deepEqual(await rows(again.logs, 'grpc01'), { rows: [], stored: 0, next: undefined });
});

test('a short log that wrote before it ended, and a log not opened short, keep a file of their own', async () => {
  const dir = tempDir();
  const stats = new Map<string, MessageStats>();
  const { logs } = open(dir, stats);
  const slow = logs.open('slow01', { short: true });
  slow.append(...grpc([1, 2, 3], 'to-server', 1000));
  // A reader while the call is open makes the log write what it has: from then on it is a file.
  assert.deepEqual(await rows(logs, 'slow01'), { rows: [[1, 'to-server', 1000, [1, 2, 3]]], stored: 1, next: undefined });
  slow.append(...grpc([4], 'to-client', 1001));
  slow.end();
  const plain = logs.open('sock01');
  plain.append(...grpc([5], 'to-server', 1002));
  plain.end();
  await logs.flush();
  assert.deepEqual(
    { slow: { stats: slow.stats, file: fileOf(dir, 'slow01'), page: await rows(logs, 'slow01') }, plain: { stats: plain.stats, file: fileOf(dir, 'sock01') } },
    {
      slow: { stats: { count: 2, bytes: 4, truncated: false }, file: true, page: { rows: [[1, 'to-server', 1000, [1, 2, 3]], [2, 'to-client', 1001, [4]]], stored: 2, next: undefined } },
      plain: { stats: { count: 1, bytes: 1, truncated: false }, file: true },
    },
  );
});
