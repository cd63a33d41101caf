import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEPTH, MAX_FIELDS, decodeProtobuf, type MessageSchema } from '../../../electron/common/protobuf-wire';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('schema-less: varints with signed and zigzag readings, fixed32/64, text, nested message, bytes', () => {
  const inner = [0x08, 0x96, 0x01]; // field 1 varint 150
  const decoded = decodeProtobuf(
    bytes(
      0x08, 0x96, 0x01, // 1: varint 150
      0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, // 2: varint -1 as int64
      0x1d, 0x00, 0x00, 0xc0, 0x3f, // 3: fixed32 = float 1.5
      0x22, 0x02, 0x68, 0x69, // 4: "hi"
      0x2a, inner.length, ...inner, // 5: nested
      0x32, 0x02, 0xff, 0xfe, // 6: bytes, not UTF-8, not a message
      0x39, 1, 0, 0, 0, 0, 0, 0, 0, // 7: fixed64 1
      0x42, 0x00, // 8: empty
    ),
  );
  assert.deepEqual(decoded, {
    fields: [
      { number: 1, wire: 'varint', value: '150', hints: ['zigzag 75'] },
      { number: 2, wire: 'varint', value: '18446744073709551615', hints: ['signed -1', 'zigzag -9223372036854775808'] },
      { number: 3, wire: 'fixed32', value: '1069547520', hints: ['float 1.5'] },
      { number: 4, wire: 'len', size: 2, as: 'text', value: 'hi' },
      { number: 5, wire: 'len', size: 3, as: 'message', fields: [{ number: 1, wire: 'varint', value: '150', hints: ['zigzag 75'] }] },
      { number: 6, wire: 'len', size: 2, as: 'bytes', value: 'ff fe' },
      { number: 7, wire: 'fixed64', value: '1', hints: ['double 5e-324'] },
      { number: 8, wire: 'len', size: 0, as: 'text', value: '' },
    ],
  });
});

test('with a schema: names, declared types, enums by name, packed repeated, nested by type', () => {
  const inner: MessageSchema = { name: 'demo.Inner', field: (n) => (n === 1 ? { name: 'note', type: 'string' } : undefined) };
  const schema: MessageSchema = {
    name: 'demo.Req',
    field: (n) =>
      ({
        1: { name: 'offset', type: 'sint32' },
        2: { name: 'mood', type: 'enum', typeName: 'demo.Mood', enumName: (v: number) => (v === 2 ? 'GRUMPY' : undefined) },
        3: { name: 'scores', type: 'int32', repeated: true },
        4: { name: 'inner', type: 'message', typeName: 'demo.Inner', message: () => inner },
        5: { name: 'loud', type: 'bool' },
        6: { name: 'ratio', type: 'float' },
      })[n],
  };
  const decoded = decodeProtobuf(bytes(0x08, 0x05, 0x10, 0x02, 0x1a, 0x03, 0x01, 0x02, 0x7f, 0x22, 0x03, 0x0a, 0x01, 0x41, 0x28, 0x01, 0x35, 0x00, 0x00, 0x20, 0x40, 0x38, 0x07), schema);
  assert.deepEqual(decoded, {
    type: 'demo.Req',
    fields: [
      { number: 1, wire: 'varint', value: '-3', name: 'offset', type: 'sint32' },
      { number: 2, wire: 'varint', value: 'GRUMPY', name: 'mood', type: 'demo.Mood' },
      { number: 3, wire: 'len', size: 3, as: 'packed', value: '[1, 2, 127]', name: 'scores', type: 'int32' },
      { number: 4, wire: 'len', size: 3, as: 'message', fields: [{ number: 1, wire: 'len', size: 1, as: 'text', value: 'A', name: 'note', type: 'string' }], name: 'inner', type: 'demo.Inner' },
      { number: 5, wire: 'varint', value: 'true', name: 'loud', type: 'bool' },
      { number: 6, wire: 'fixed32', value: '2.5', name: 'ratio', type: 'float' },
      // An unknown field number keeps its guesses.
      { number: 7, wire: 'varint', value: '7', hints: ['zigzag -4'] },
    ],
  });
});

test('hostile: a declared length past the end is an error, never an allocation', () => {
  // Field 1, length 2^32 (a 5-byte varint) and two bytes of data.
  const decoded = decodeProtobuf(bytes(0x08, 0x01, 0x0a, 0x80, 0x80, 0x80, 0x80, 0x10, 0x41, 0x42));
  assert.deepEqual(decoded, { fields: [{ number: 1, wire: 'varint', value: '1', hints: ['zigzag -1'] }], error: 'field 1 at byte 2 declares 4294967296 bytes; 2 are left' });
});

test('hostile: truncated varint, truncated fixed64, bad wire type, field number 0, an 11-byte varint', () => {
  assert.equal(decodeProtobuf(bytes(0x08, 0x80)).error, 'varint at byte 1 is cut short');
  assert.equal(decodeProtobuf(bytes(0x09, 1, 2, 3)).error, 'fixed64 field 1 at byte 0 is cut short');
  assert.equal(decodeProtobuf(bytes(0x0f)).error, 'bad wire type 7 at byte 0');
  assert.equal(decodeProtobuf(bytes(0x00, 0x01)).error, 'bad field number 0 at byte 0');
  assert.equal(decodeProtobuf(bytes(0x08, ...new Array(10).fill(0xff), 0x01)).error, 'varint at byte 1 is longer than 10 bytes');
  assert.equal(decodeProtobuf(bytes(0x0b)).error, 'group field 1 at byte 0 (deprecated groups are not decoded)');
});

test('hostile: nesting deeper than MAX_DEPTH stops as bytes, and a deep 1 MB message decodes promptly', () => {
  // 200 levels of field 1 wrapping field 1 … around a varint.
  let message = Buffer.from([0x08, 0x01]);
  for (let i = 0; i < 200; i++) message = Buffer.concat([encodeLen(1, message)]);
  const decoded = decodeProtobuf(message);
  let depth = 0;
  let fields = decoded.fields;
  while (fields[0]?.as === 'message') {
    depth++;
    fields = fields[0].fields!;
  }
  assert.equal(depth, MAX_DEPTH - 1);
  assert.equal(fields[0].as, 'bytes');
  assert.equal(decoded.error, undefined);

  // Worst case for guessing: every level almost parses. Bounded: each byte read once per level.
  const big = Buffer.alloc(1024 * 1024, 0x0a);
  const started = process.hrtime.bigint();
  const result = decodeProtobuf(big);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(result.error !== undefined || result.fields.length > 0);
  assert.ok(ms < 20_000, `took ${ms} ms`);
});

test('hostile: at most MAX_FIELDS fields, the rest named in the error', () => {
  const many = Buffer.alloc((MAX_FIELDS + 10) * 2);
  for (let i = 0; i < many.length; i += 2) many[i] = 0x08;
  const decoded = decodeProtobuf(many);
  assert.equal(decoded.fields.length, MAX_FIELDS);
  assert.equal(decoded.error, `more than ${MAX_FIELDS} fields: the rest is not shown`);
});

function encodeLen(field: number, payload: Buffer): Buffer {
  const len: number[] = [];
  let n = payload.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), payload]);
}
