import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUtf8 } from '../../../electron/common/utf8';

test('decodeUtf8 reads well-formed UTF-8 as Node does and refuses the rest', () => {
  const text = 'héllo ✓ 😀 ' + 'x'.repeat(5000);
  assert.equal(decodeUtf8(Buffer.from(text)), text);
  assert.equal(decodeUtf8(Buffer.from('abc'), 1, 2), 'b');
  for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x9c], [0x80], [0xff]]) {
    assert.equal(decodeUtf8(Uint8Array.from(bad)), undefined, JSON.stringify(bad));
  }
});
