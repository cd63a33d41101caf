import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onFirstUse } from '../../../../electron/core/base/on-first-use';

test('onFirstUse makes nothing until asked, then makes once and gives the same value every time', () => {
  const made: number[] = [];
  const get = onFirstUse(() => {
    made.push(made.length);
    return { n: made.length };
  });
  const before = [...made];
  const first = get();
  const second = get();
  assert.deepEqual({ before, made, first, same: first === second }, { before: [], made: [0], first: { n: 1 }, same: true });
});

test('onFirstUse: a make that throws throws to the caller and is tried again on the next use', () => {
  let tries = 0;
  const get = onFirstUse(() => {
    tries++;
    if (tries === 1) throw new Error('not installed');
    return 'loaded';
  });
  assert.throws(get, /not installed/);
  assert.deepEqual({ second: get(), third: get(), tries }, { second: 'loaded', third: 'loaded', tries: 2 });
});

test('onFirstUse keeps a made undefined rather than making it again', () => {
  let tries = 0;
  const get = onFirstUse(() => {
    tries++;
    return undefined;
  });
  assert.deepEqual([get(), get(), tries], [undefined, undefined, 1]);
});
