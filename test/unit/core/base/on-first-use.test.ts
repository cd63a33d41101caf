import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onFirstUse } from '../../../../electron/core/base/on-first-use';

test('onFirstUse loads nothing until the first call, then once, and hands every caller the same value', () => {
  const loads: string[] = [];
  const library = onFirstUse(() => {
    loads.push('loaded');
    return { name: 'lib' };
  });
  const before = [...loads];
  const first = library();
  const second = library();
  assert.deepEqual({ before, loads, same: first === second, first }, { before: [], loads: ['loaded'], same: true, first: { name: 'lib' } });
});

test('onFirstUse caches a falsy value too, and a load that throws is tried again on the next call', () => {
  let calls = 0;
  const zero = onFirstUse(() => (calls++, 0));
  zero();
  zero();
  let attempts = 0;
  const flaky = onFirstUse(() => {
    attempts++;
    if (attempts === 1) throw new Error('not yet');
    return 'ok';
  });
  assert.throws(() => flaky(), /not yet/);
  assert.deepEqual({ calls, value: flaky(), attempts }, { calls: 1, value: 'ok', attempts: 2 });
});
