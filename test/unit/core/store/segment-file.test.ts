import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SegmentFile } from '../../../../electron/core/store/segment-file';
import { CHUNK_PAGES, DirectPages, PAGE } from '../../../../electron/core/store/direct-pages';
import { tempDirs } from '../../../helpers/temp-dirs';

const tempDir = tempDirs('hindsight-segment-file-');

/** Body i: a deterministic size from 1 byte to ~300 KB, filled with bytes that differ from its neighbours'. */
function body(i: number): Buffer {
  const size = 1 + ((i * 7919) % 300_000);
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k += 4093) b[k] = (i * 31 + k) & 0xff;
  b.fill(i & 0xff, 0, Math.min(size, 64));
  return b;
}

function newSegment(dir: string, direct: boolean) {
  const errors: NodeJS.ErrnoException[] = [];
  const closed: number[] = [];
  const pages = direct ? new DirectPages(dir) : undefined;
  const file = path.join(dir, '1.seg');
  const segment = SegmentFile.create(file, 1, pages, { onError: (e) => errors.push(e), onClosed: (s) => closed.push(s.n) });
  return { segment, file, pages, errors, closed };
}

for (const direct of [true, false]) {
  test(`${direct ? 'direct' : 'buffered'} segment: every body lands at its offset, across pages, while writes are under way`, async () => {
    const { segment, file, pages, errors, closed } = newSegment(tempDir(), direct);
    // Direct writes on Linux (CI's file system takes them); elsewhere the page cache.
    assert.equal(segment.isDirect, direct && process.platform === 'linux');
    const bodies: { offset: number; bytes: Buffer }[] = [];
    for (let i = 0; i < 60; i++) {
      const bytes = body(i);
      // Chunks as a socket hands them over: an odd split, so copies straddle chunk and page boundaries.
      const chunks = [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)];
      bodies.push({ offset: segment.append(chunks, bytes.length), bytes });
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.ok(segment.size > 4 * PAGE, 'the bodies span several staging pages');
    await segment.whenWritten();
    assert.equal(segment.written, segment.size);
    // Read back while the file is still open (the UI reads a body the moment it ends).
    const fd = fs.openSync(file, 'r');
    const mismatched = bodies.filter(({ offset, bytes }) => {
      const back = Buffer.alloc(bytes.length);
      fs.readSync(fd, back, 0, bytes.length, offset);
      return !back.equals(bytes);
    });
    fs.closeSync(fd);
    segment.seal();
    await segment.closed;
    assert.deepEqual(
      { mismatched: mismatched.length, errors, closed, fileSize: fs.statSync(file).size, content: fs.readFileSync(file).equals(Buffer.concat(bodies.map((b) => b.bytes))) },
      { mismatched: 0, errors: [], closed: [1], fileSize: segment.size, content: true },
    );
    // One block of staging pages serves the whole segment: pages written are given back and taken again.
    if (pages && segment.isDirect) assert.ok(pages.allocated <= CHUNK_PAGES, `pages are reused (${pages.allocated} made for ${Math.ceil(segment.size / PAGE)} pages of data)`);
    pages?.close();
  });
}

test('a sealed direct segment with no bodies closes as an empty file', async () => {
  const { segment, file, pages, closed } = newSegment(tempDir(), true);
  segment.seal();
  await segment.closed;
  assert.deepEqual({ closed, size: fs.statSync(file).size }, { closed: [1], size: 0 });
  pages?.close();
});

test('the direct pages leave no scratch file behind', async () => {
  const dir = tempDir();
  const { segment, pages } = newSegment(dir, true);
  segment.append([Buffer.from('x')], 1);
  segment.seal();
  await segment.closed;
  pages?.close();
  assert.deepEqual(fs.readdirSync(dir), ['1.seg']);
});

for (const direct of [true, false]) {
  test(`${direct ? 'direct' : 'buffered'} segment: small bodies ended together go to the disk in one write, unasked, within moments`, async () => {
    const { segment, file, pages, errors } = newSegment(tempDir(), direct);
    const bodies = Array.from({ length: 100 }, (_, i) => Buffer.alloc(1_000 + i, i & 0xff));
    for (const b of bodies) segment.append([b], b.length);
    // Nobody waits for them (no whenWritten): the bodies still reach the disk by themselves. Bounded: 5 s.
    for (let waited = 0; segment.written < segment.size && waited < 5_000; waited += 10) await new Promise((r) => setTimeout(r, 10));
    const onDisk = fs.readFileSync(file).subarray(0, segment.size);
    assert.deepEqual(
      { written: segment.written, writes: segment.writes, content: onDisk.equals(Buffer.concat(bodies)), errors },
      { written: segment.size, writes: 1, content: true, errors: [] },
    );
    segment.seal();
    await segment.closed;
    pages?.close();
  });
}
