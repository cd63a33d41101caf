import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StringTable } from '../../../../electron/core/store/string-table';

test('a text is kept once, named by one number while anything holds it', () => {
  const table = new StringTable();
  const a = table.hold('api.example.test');
  const again = table.hold(['api', 'example', 'test'].join('.'));
  const b = table.hold('cdn.example.test');
  assert.deepEqual({ a, again, b, texts: [table.text(a), table.text(b)], size: table.size }, { a: 0, again: 0, b: 1, texts: ['api.example.test', 'cdn.example.test'], size: 2 });
});

test('a text goes with its last holder and its number is given to the next new text', () => {
  const table = new StringTable();
  const a = table.hold('a');
  table.hold('a');
  const b = table.hold('b');
  table.release(a);
  const afterOne = table.size;
  table.release(a);
  const c = table.hold('c');
  const aAgain = table.hold('a');
  assert.deepEqual({ afterOne, c, b, cText: table.text(c), aAgain, size: table.size }, { afterOne: 2, c: 0, b: 1, cText: 'c', aAgain: 2, size: 3 });
});

test('a stream of distinct texts costs only what is still held', () => {
  const table = new StringTable();
  for (let i = 0; i < 10_000; i++) table.release(table.hold(`host-${i}.test`));
  const kept = table.hold('kept');
  assert.deepEqual({ size: table.size, kept }, { size: 1, kept: 0 });
});
