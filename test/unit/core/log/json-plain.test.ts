import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPlainJsonText } from '../../../../electron/core/log/json-plain';

/** What JSON.stringify leaves unchanged, and ASCII: the definition the word-at-a-time test must match. */
const expected = (bytes: Buffer) => {
  const text = bytes.toString('latin1');
  return bytes.every((b) => b < 0x80) && JSON.stringify(text) === `"${text}"`;
};

test('every byte value at every position, alignment and length (and pairs next to each other) is judged as JSON.stringify would', () => {
  const wrong: string[] = [];
  for (let value = 0; value < 256; value++) {
    for (let offset = 0; offset < 4; offset++) {
      for (const length of [1, 3, 4, 5, 8, 13]) {
        for (let at = 0; at < length; at++) {
          const bytes = Buffer.alloc(length + offset, 'a').subarray(offset);
          bytes[at] = value;
          if (isPlainJsonText(bytes) !== expected(bytes)) wrong.push(`0x${value.toString(16)} at ${at} of ${length}, offset ${offset}`);
        }
      }
    }
    // A borrow from one byte into the next must not hide or invent a match.
    for (let next = 0; next < 256; next++) {
      const bytes = Buffer.from([0x61, value, next, 0x61, 0x61, 0x61, value, next]);
      if (isPlainJsonText(bytes) !== expected(bytes)) wrong.push(`0x${value.toString(16)} then 0x${next.toString(16)}`);
    }
  }
  assert.deepEqual({ wrong, empty: isPlainJsonText(Buffer.alloc(0)), long: isPlainJsonText(Buffer.alloc(70_000, 'x')) }, { wrong: [], empty: true, long: true });
});
