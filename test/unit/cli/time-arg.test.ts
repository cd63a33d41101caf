import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimeArg, parseTimeWindow } from '../../../electron/cli/time-arg';

test('--since/--until take dates, times, epoch ms and durations ago; anything else is refused', () => {
  const now = Date.UTC(2026, 11, 4, 18, 0, 0);
  assert.deepEqual(
    ['2026-12-04T09:00Z', '1764838800000', '30m', '2h', '7d', '1.5h'].map((t) => parseTimeArg('--since', t, now)),
    [Date.UTC(2026, 11, 4, 9), 1764838800000, now - 1_800_000, now - 7_200_000, now - 7 * 86_400_000, now - 5_400_000],
  );
  assert.equal(parseTimeArg('--since', '2026-12-04', now), new Date(2026, 11, 4).getTime());
  assert.throws(() => parseTimeArg('--until', 'yesterday', now), /^Error: --until expects a date or time .*, got 'yesterday'$/);
  assert.throws(() => parseTimeArg('--since', '2026-13-45', now), /expects a date or time/);
});

test('a since/until window: either end optional, named as the caller names it, refused when empty', () => {
  const now = Date.UTC(2026, 11, 4, 18, 0, 0);
  assert.deepEqual(
    [parseTimeWindow({}, (end) => end, now), parseTimeWindow({ since: '2h' }, (end) => end, now), parseTimeWindow({ since: '2h', until: '1h' }, (end) => end, now)],
    [{}, { since: now - 7_200_000 }, { since: now - 7_200_000, until: now - 3_600_000 }],
  );
  assert.throws(() => parseTimeWindow({ since: '1h', until: '2h' }, (end) => `--${end}`, now), /^Error: --since must be before --until$/);
  assert.throws(() => parseTimeWindow({ until: 'soon' }, (end) => end, now), /^Error: until expects a date or time/);
});
