import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdIndex } from '../../../../electron/core/store/id-index';

/** An index over an array of ids by slot, as the summary list keeps them in its records. */
function indexOver(ids: (string | undefined)[]) {
  return new IdIndex((slot) => ids[slot]!);
}

test('ids are found by slot through growth, removals and slots given out again', () => {
  const ids: (string | undefined)[] = [];
  const index = indexOver(ids);
  // 20,000 in, the older half out (removed entries pile up), 10,000 more into the slots freed.
  for (let slot = 0; slot < 20_000; slot++) index.add((ids[slot] = `id-${slot}`), slot);
  const removed = Array.from({ length: 10_000 }, (_, slot) => index.remove(`id-${slot}`));
  for (let slot = 0; slot < 10_000; slot++) index.add((ids[slot] = `new-${slot}`), slot);
  const wrong: string[] = [];
  for (let slot = 0; slot < 20_000; slot++) if (index.find(ids[slot]!) !== slot) wrong.push(ids[slot]!);
  for (let slot = 0; slot < 10_000; slot++) if (index.find(`id-${slot}`) !== -1) wrong.push(`id-${slot} still found`);
  assert.deepEqual({ wrong, removedAll: removed.every((slot, i) => slot === i), again: index.remove('id-3'), missing: index.find('nope') }, { wrong: [], removedAll: true, again: -1, missing: -1 });
});

test('after clear nothing is found and slots index anew', () => {
  const ids = ['a', 'b'];
  const index = indexOver(ids);
  index.add('a', 0);
  index.add('b', 1);
  index.clear();
  const afterClear = [index.find('a'), index.find('b')];
  index.add('b', 1);
  assert.deepEqual({ afterClear, b: index.find('b'), a: index.find('a') }, { afterClear: [-1, -1], b: 1, a: -1 });
});
