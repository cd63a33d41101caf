// The frame reader sees the same frames however the stream is cut into chunks, unmasks into copies only (the
// forwarded chunk is never changed), and stops for good on a length no frame can have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameReader, xorMask, type FrameHeader } from '../../../../../electron/core/capture/websocket/frames';

interface Seen {
  header: FrameHeader;
  payload: string;
  endedAt: number[];
}

function read(chunks: Buffer[]): Seen[] {
  const seen: Seen[] = [];
  let ends: number[] = [];
  const reader = new FrameReader({
    frameStart: (header) => seen.push({ header, payload: '', endedAt: [] }),
    payload: (part, unmask) => (seen.at(-1)!.payload += unmask(part).toString('latin1')),
    frameEnd: (offset) => ends.push(offset),
  });
  for (const chunk of chunks) {
    ends = [];
    reader.push(chunk);
    // Offsets are within the chunk being read: each is where a frame's last byte ended.
    for (const offset of ends) assert.ok(offset >= 0 && offset <= chunk.length);
  }
  return seen;
}

const mask = Buffer.from([1, 2, 3, 4]);
const frames = [
  encodeFrame(1, Buffer.from('hello'), mask),
  encodeFrame(2, Buffer.alloc(300, 7), undefined), // 16-bit length
  encodeFrame(9, Buffer.alloc(0), mask), // empty ping
  encodeFrame(2, Buffer.alloc(70_000, 9), mask), // 64-bit length
  encodeFrame(8, Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]), undefined),
];
const stream = Buffer.concat(frames);
const expected = [
  { header: { fin: true, rsv1: false, opcode: 1, masked: true, length: 5 }, payload: 'hello' },
  { header: { fin: true, rsv1: false, opcode: 2, masked: false, length: 300 }, payload: '\x07'.repeat(300) },
  { header: { fin: true, rsv1: false, opcode: 9, masked: true, length: 0 }, payload: '' },
  { header: { fin: true, rsv1: false, opcode: 2, masked: true, length: 70_000 }, payload: '\x09'.repeat(70_000) },
  { header: { fin: true, rsv1: false, opcode: 8, masked: false, length: 5 }, payload: '\x03\xe8bye' },
];

test('the same frames whatever the chunking: whole, byte by byte, and cut at every size from 1 to 40', () => {
  const strip = (seen: Seen[]) => seen.map(({ header, payload }) => ({ header, payload }));
  assert.deepEqual(strip(read([stream])), expected);
  const bytes = [...stream].map((b) => Buffer.from([b]));
  assert.deepEqual(strip(read(bytes)), expected);
  for (let size = 1; size <= 40; size++) {
    const chunks: Buffer[] = [];
    for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size));
    assert.deepEqual(strip(read(chunks)), expected, `chunks of ${size}`);
  }
});

test('reading never changes the chunk (a masked payload is unmasked into a copy)', () => {
  const copy = Buffer.from(stream);
  read([stream]);
  assert.ok(copy.equals(stream));
});

test('a 64-bit length beyond what JavaScript counts exactly stops the reader for good', () => {
  const header = Buffer.from([0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const seen: FrameHeader[] = [];
  const reader = new FrameReader({ frameStart: (h) => seen.push(h), payload: () => {}, frameEnd: () => {} });
  reader.push(Buffer.concat([header, frames[0]]));
  assert.deepEqual({ broken: reader.broken, seen }, { broken: true, seen: [] });
});

test('xorMask gives the byte-by-byte XOR at every length, mask offset and alignment (word-wise in the middle)', () => {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const source = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff));
  const mismatches: string[] = [];
  for (const length of [0, 1, 3, 4, 31, 32, 33, 64, 127, 255]) {
    for (let start = 0; start < 4; start++) {
      for (let offset = 0; offset < 4; offset++) {
        // A view at `start` in a larger buffer: aligned and unaligned byte offsets alike.
        const buf = Buffer.from(source).subarray(start, start + length);
        const expected = Buffer.from(buf.map((b, i) => b ^ mask[(offset + i) & 3]));
        xorMask(buf, mask, offset);
        if (!buf.equals(expected)) mismatches.push(`length ${length} start ${start} offset ${offset}`);
      }
    }
  }
  assert.deepEqual(mismatches, []);
});
