import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeaderOverride, parseMap, parseOrigin, retargetHeaders, retargetUrl, targetFor } from '../../../electron/core/automation/target';

test('retargeting: scheme, host and port replaced, path and query kept, Host follows, maps win over --to', () => {
  const to = parseOrigin('https://Staging.test:443/', '--to');
  const retarget = { to, map: [parseMap('http://api.test:8080=http://127.0.0.1:9000')], headers: [parseHeaderOverride('authorization: Bearer new'), parseHeaderOverride('X-Debug:')] };
  assert.deepEqual(
    {
      to,
      url: retargetUrl('http://api.test:8080/v1/users?id=7&x=%20', to),
      mapped: targetFor('http://api.test:8080/v1', retarget),
      other: targetFor('https://cdn.test/a', retarget),
      headers: retargetHeaders(
        [
          ['Host', 'api.test:8080'],
          ['Authorization', 'Bearer old'],
          ['X-Debug', '1'],
          ['Accept', '*/*'],
          ['X-Debug', '2'],
        ],
        to,
        retarget.headers,
      ),
    },
    {
      to: { scheme: 'https', authority: 'staging.test' },
      url: 'https://staging.test/v1/users?id=7&x=%20',
      mapped: { scheme: 'http', authority: '127.0.0.1:9000' },
      other: { scheme: 'https', authority: 'staging.test' },
      headers: [
        ['Host', 'staging.test'],
        ['authorization', 'Bearer new'],
        ['Accept', '*/*'],
      ],
    },
  );
  assert.throws(() => parseOrigin('staging.test', '--to'), /--to must be an origin/);
  assert.throws(() => parseHeaderOverride('X-Line: a\nb'), /line break/);
});
