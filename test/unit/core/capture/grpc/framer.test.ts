import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Base64Stream, GrpcFramer, type GrpcFrame } from '../../../../../electron/core/capture/grpc/framer';

function frame(flags: number, payload: Buffer | string): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

function collect(limit = 1024): { framer: GrpcFramer; frames: GrpcFrame[] } {
  const frames: GrpcFrame[] = [];
  return { frames, framer: new GrpcFramer((f) => frames.push(f), () => limit) };
}

const plain = (f: GrpcFrame) => ({ ...f, payload: f.payload.toString() });

test('frames split at every byte boundary come out whole, empty and trailer frames included', () => {
  const stream = Buffer.concat([frame(0, 'hello'), frame(0, ''), frame(1, 'zz'), frame(0x80, 'grpc-status: 0\r\n')]);
  const expected = [
    { compressed: false, trailers: false, declared: 5, payload: 'hello', cut: false },
    { compressed: false, trailers: false, declared: 0, payload: '', cut: false },
    { compressed: true, trailers: false, declared: 2, payload: 'zz', cut: false },
    { compressed: false, trailers: true, declared: 16, payload: 'grpc-status: 0\r\n', cut: false },
  ];
  for (let size = 1; size <= stream.length; size++) {
    const { framer, frames } = collect();
    for (let i = 0; i < stream.length; i += size) framer.push(stream.subarray(i, i + size));
    framer.end();
    assert.deepEqual(frames.map(plain), expected, `chunks of ${size}`);
  }
});

test('a payload past the limit is counted, not kept; a huge declared length allocates nothing', () => {
  const { framer, frames } = collect(3);
  framer.push(frame(0, 'abcdefgh'));
  // 4 GB declared, 10 bytes sent, then the stream ends: one cut frame.
  framer.push(Buffer.from([0, 0xff, 0xff, 0xff, 0xff]));
  framer.push(Buffer.alloc(10, 0x41));
  framer.end();
  assert.deepEqual(frames.map(plain), [
    { compressed: false, trailers: false, declared: 8, payload: 'abc', cut: false },
    { compressed: false, trailers: false, declared: 0xffffffff, payload: 'AAA', cut: true },
  ]);
});

test('a stream ending inside a frame header reports nothing more', () => {
  const { framer, frames } = collect();
  framer.push(Buffer.concat([frame(0, 'x'), Buffer.from([0, 0, 0])]));
  framer.end();
  assert.deepEqual(frames.map(plain), [{ compressed: false, trailers: false, declared: 1, payload: 'x', cut: false }]);
});

test('grpc-web-text: base64 in any chunking, padded segments back to back', () => {
  const a = frame(0, 'one');
  const b = frame(0x80, 'grpc-status: 0');
  // Each frame base64-encoded on its own (padding inside the stream), as the spec allows.
  const text = a.toString('base64') + b.toString('base64');
  assert.ok(text.slice(0, -2).includes('='));
  for (let size = 1; size <= 7; size++) {
    const out: Buffer[] = [];
    const stream = new Base64Stream((bytes) => out.push(bytes));
    for (let i = 0; i < text.length; i += size) stream.push(Buffer.from(text.slice(i, i + size)));
    assert.deepEqual(Buffer.concat(out), Buffer.concat([a, b]), `chunks of ${size}`);
  }
});
