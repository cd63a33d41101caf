import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, shortType } from '../../../../renderer/src/lib/format';

test('sizes, durations and type names read the way the list shows them', () => {
  assert.deepEqual(
    {
      bytes: [0, 999, 1024, 1536, 15 * 1024, 3.4 * 1024 * 1024, undefined].map(formatBytes),
      durations: [0, 0.4, 12.4, 999, 1234, 12_345, 125_000, undefined].map(formatDuration),
      types: ['application/json', 'application/problem+json', 'text/plain', 'application/javascript', 'image/png', 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/atom+xml', undefined].map(shortType),
    },
    {
      bytes: ['0 B', '999 B', '1.0 KB', '1.5 KB', '15 KB', '3.4 MB', ''],
      durations: ['0 ms', '<1 ms', '12 ms', '999 ms', '1.23 s', '12.3 s', '2m 05s', ''],
      types: ['json', 'json', 'text', 'js', 'png', 'binary', 'form', 'xml', ''],
    },
  );
});
