import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoTime } from '../../../electron/common/log-line';

test('isoTime writes what Date#toISOString writes, across second boundaries and outside the fast path', () => {
  const times = [
    0, 7, 42, 999, 1000, 1_763_700_000_000, 1_763_700_000_001, 1_763_700_000_999, 1_763_700_001_000, 1_763_700_000_500,
    // Back to an earlier second: the reused text must follow.
    1_763_699_999_999,
    // Not whole milliseconds, before 1970, and from year 10000 on: through Date.
    1.5, 1_763_700_000_000.75, -1, -1500, 253_402_300_799_999, 253_402_300_800_000, 8.64e15,
  ];
  assert.deepEqual(
    times.map((t) => isoTime(t)),
    times.map((t) => new Date(t).toISOString()),
  );
  // Invalid times fail as Date's does.
  assert.throws(() => isoTime(Number.NaN), RangeError);
  assert.throws(() => isoTime(8.64e15 + 1), RangeError);
});
