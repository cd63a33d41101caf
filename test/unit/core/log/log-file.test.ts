import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after } from '../../../../electron/core/log/log-file';

test('after a short write, the rest of a batch is the bytes not yet taken, in order', () => {
  const chunks = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fghi')];
  const rest = (bytes: number) => Buffer.concat(after(chunks, bytes)).toString();
  assert.deepEqual(
    [0, 1, 3, 4, 5, 8, 9].map(rest),
    ['abcdefghi', 'bcdefghi', 'defghi', 'efghi', 'fghi', 'i', ''],
  );
});
