import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BodyStore, SMALL_BODY } from '../../../../electron/core/store/bodies';
import { SegmentRefs, parseSlice, sliceBlob } from '../../../../electron/core/store/segments';
import { tempDirs } from '../../../helpers/temp-dirs';

const stores: BodyStore[] = [];
// Registered first, so stores close before their folders go.
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
const tempDir = tempDirs('hindsight-segments-');
function segmentStore(dir: string, segmentBytes = 1024 * 1024, onWriteError?: (m: string) => void): BodyStore {
  const store = new BodyStore({ dir, segmentBytes, onWriteError });
  stores.push(store);
  return store;
}
function writeBody(store: BodyStore, id: string, ...chunks: string[]) {
  const w = store.open(id, 'response', {});
  for (const c of chunks) w.write(Buffer.from(c));
  return w.end();
}

test('small bodies share a segment, each named by segment, offset and length, and read back', async () => {
  const store = segmentStore(tempDir());
  const refs = [writeBody(store, 'a1', 'hello ', 'world'), writeBody(store, 'a2', 'second'), writeBody(store, 'a3')];
  assert.deepEqual(refs, [
    { size: 11, storedSize: 11, truncated: false, blob: 's1-0-11' },
    { size: 6, storedSize: 6, truncated: false, blob: 's1-11-6' },
    { size: 0, storedSize: 0, truncated: false },
  ]);
  // Read before the write landed: the read waits for it.
  assert.deepEqual((await Promise.all(refs.map((r) => store.read(r)))).map(String), ['hello world', 'second', '']);
  assert.deepEqual(store.segments(), [1]);
  // Closed, the file holds the bodies and nothing else (direct writes pad the last block while it is open).
  await store.close();
  assert.equal(fs.readFileSync(store.pathOf('s1-0-11'), 'utf8'), 'hello worldsecond');
});

test('segments roll at their size, a new run starts a new segment, large bodies keep files of their own', async () => {
  const dir = tempDir();
  const first = segmentStore(dir, 10);
  const refs = [writeBody(first, 'b1', '0123456789ab'), writeBody(first, 'b2', 'xyz')];
  const big = first.open('b3', 'request', {});
  big.write(Buffer.alloc(SMALL_BODY + 1, 7));
  refs.push(big.end());
  await first.close();
  const second = segmentStore(dir, 10);
  refs.push(writeBody(second, 'b4', 'next run'));
  assert.deepEqual(
    refs.map((r) => r.blob),
    ['s1-0-12', 's2-0-3', 'b3-request', 's3-0-8'],
  );
  assert.deepEqual((await Promise.all(refs.map((r) => second.read(r)))).map((b) => b.length), [12, 3, SMALL_BODY + 1, 8]);
  // remove() deletes files and zeroes bodies in segments (a segment file goes as a whole, removeSegments).
  await second.remove([refs[0].blob!, refs[2].blob!]);
  assert.deepEqual(
    [fs.existsSync(second.pathOf('b3-request')), await second.read(refs[0]), (await second.read(refs[1])).toString()],
    [false, Buffer.alloc(12), 'xyz'],
  );
  await second.removeSegments([1]);
  assert.deepEqual([(await second.read(refs[0])).length, second.segments().sort()], [0, [2, 3]]);
});

test('a segment cut short (crash, full disk) reads as empty, not as wrong bytes', async () => {
  const dir = tempDir();
  const store = segmentStore(dir);
  const ref = writeBody(store, 'c1', 'abcdef');
  await store.close();
  fs.truncateSync(store.pathOf(ref.blob!), 3);
  assert.equal((await segmentStore(dir).read(ref)).length, 0);
});

test('a segment that cannot be opened stops body writes with one warning and keeps the counts', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'segments'), 'not a folder');
  const warnings: string[] = [];
  const store = segmentStore(dir, 1024, (m) => warnings.push(m));
  const refs = [writeBody(store, 'd1', 'abc'), writeBody(store, 'd2', 'de')];
  assert.deepEqual(refs, [
    { size: 3, storedSize: 0, truncated: true },
    { size: 2, storedSize: 0, truncated: true },
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /Body files are not being written/);
});

test('a body zeroed while capture goes on stays zeroed: settle seals a segment written past the page cache first', async () => {
  const store = segmentStore(tempDir());
  const removed = writeBody(store, 'e1', 'secret token');
  // What the flow store does before it has the worker zero removed bodies (afterBodiesWritten).
  assert.equal(store.segmentsSettled(), process.platform !== 'linux');
  await store.settle();
  assert.equal(store.segmentsSettled(), true);
  await store.remove([removed.blob!]);
  // Capture goes on: with the segment still open, this body's write would rewrite the block holding e1.
  const next = writeBody(store, 'e2', 'next body');
  await store.close();
  const segmentBytes = fs.readFileSync(store.pathOf(removed.blob!));
  assert.deepEqual(
    { removed: [removed.blob, segmentBytes.subarray(0, 12).equals(Buffer.alloc(12))], next: [next.blob, (await store.read(next)).toString()] },
    process.platform === 'linux'
      ? { removed: ['s1-0-12', true], next: ['s2-0-9', 'next body'] }
      : { removed: ['s1-0-12', true], next: ['s1-12-9', 'next body'] },
  );
});

test('SegmentRefs: a segment is unused once sealed and no stored flow refers to it', () => {
  const blob = (segment: number, offset: number) => sliceBlob({ segment, offset, length: 1 });
  const refs = new SegmentRefs(5);
  refs.known(2); // left by an earlier run, no flow refers to it
  refs.known(3);
  refs.add([blob(3, 0), 'abc-request']);
  const steps: number[][] = [refs.takeUnused()];
  refs.add([blob(5, 0), blob(5, 1)]);
  refs.drop([blob(5, 0), blob(5, 1)]);
  steps.push(refs.takeUnused()); // 5 is still being written
  refs.add([blob(6, 0)]);
  steps.push(refs.takeUnused()); // a later segment was counted: 5 is sealed
  refs.drop([blob(3, 0), blob(3, 0)]);
  steps.push(refs.takeUnused());
  assert.deepEqual(steps, [[2], [], [5], [3]]);
  assert.deepEqual(refs.snapshot(), { 6: 1 });
  assert.deepEqual([parseSlice('s6-10-20'), parseSlice('abc-response')], [{ segment: 6, offset: 10, length: 20 }, undefined]);
});
