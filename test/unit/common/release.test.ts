import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareReleases, parseReleasePattern, platformOf, releaseOf } from '../../../electron/common/release';

test('release patterns read the User-Agent or a version header', () => {
  const ua = parseReleasePattern('ua:/MyApp\\/(\\d+\\.\\d+)/');
  const header = parseReleasePattern('header:X-App-Version');
  const headerPart = parseReleasePattern('header:X-Build-Version:/^(\\d+)\\./');
  const flow = { userAgent: 'MyApp/2.10.1 (iPhone)', versionHeaders: [['X-App-Version', ' 2.10.1 '], ['X-Build-Version', '7.3']] as [string, string][] };
  assert.deepEqual([releaseOf(flow, ua), releaseOf(flow, header), releaseOf(flow, headerPart), releaseOf({}, ua)], ['2.10', '2.10.1', '7', undefined]);
});

test('bad or unsafe patterns are refused with a reason', () => {
  const reason = (text: string) => {
    try {
      parseReleasePattern(text);
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  assert.match(reason('MyApp'), /is not a release pattern/);
  assert.match(reason('ua:/(?<=v)1/'), /lookahead and lookbehind are not supported/);
  assert.match(reason('ua:/(x)\\1/'), /backreferences/);
  assert.match(reason('header:Cookie'), /only request headers whose name contains "version", "release" or "build"/);
});

test('platforms from User-Agents, releases ordered as versions', () => {
  assert.deepEqual(
    ['MyApp/1 CFNetwork/1490 Darwin/23', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2)', 'okhttp/4.12.0', 'Mozilla/5.0 (Linux; Android 14)', 'curl/8.5', undefined].map(platformOf),
    ['ios', 'ios', 'android', 'android', 'other', 'other'],
  );
  assert.deepEqual(['1.10', '1.9', '2.0', '1.9.1'].sort(compareReleases), ['1.9', '1.9.1', '1.10', '2.0']);
});
