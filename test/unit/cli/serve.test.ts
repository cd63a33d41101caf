// `serve --upstream-timeout S` and `--body-timeout S`: seconds to ms, absent by default, a bad value named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseServeArgs } from '../../../electron/cli/serve';

test('--upstream-timeout and --body-timeout take seconds; absent, the core decides (300 s, never)', () => {
  const pick = (argv: string[]) => {
    const o = parseServeArgs(argv);
    return o === 'help' ? o : { upstream: o.upstreamTimeoutMs, body: o.bodyIdleTimeoutMs };
  };
  assert.deepEqual(
    [pick([]), pick(['--upstream-timeout', '30']), pick(['--upstream-timeout', '1.5', '--body-timeout', '600'])],
    [
      { upstream: undefined, body: undefined },
      { upstream: 30_000, body: undefined },
      { upstream: 1_500, body: 600_000 },
    ],
  );
  assert.throws(() => parseServeArgs(['--upstream-timeout', 'soon']), { message: "--upstream-timeout expects a number of seconds between 0 and 86400, got 'soon'" });
  assert.throws(() => parseServeArgs(['--body-timeout', '0']), { message: "--body-timeout expects a number of seconds between 0 and 86400, got '0'" });
});

test('--proto DIR, repeatable, resolved; a folder that does not exist is named', () => {
  const dirs = (argv: string[]) => {
    const o = parseServeArgs(argv);
    return o === 'help' ? o : o.protoDirs;
  };
  const fixtures = path.join(__dirname, '..', '..', 'fixtures', 'grpc');
  assert.deepEqual([dirs([]), dirs(['--proto', fixtures, '--proto', path.join(fixtures, 'demo')])], [undefined, [fixtures, path.join(fixtures, 'demo')]]);
  assert.throws(() => parseServeArgs(['--proto', '/no/such/protos']), { message: '--proto /no/such/protos: no such folder' });
});

test('--socks-user takes the SOCKS5 login name; its password only from HINDSIGHT_SOCKS_PASSWORD', () => {
  const parsed = parseServeArgs(['--socks-user', 'lan'], { HINDSIGHT_SOCKS_PASSWORD: 's3cret' });
  assert.deepEqual(parsed !== 'help' && parsed.socksCredentials, { username: 'lan', password: 's3cret' });
  const none = parseServeArgs([], {});
  assert.equal(none !== 'help' && none.socksCredentials, undefined);
  assert.throws(() => parseServeArgs(['--socks-user', 'lan'], {}), { message: '--socks-user needs the password (1 to 255 bytes) in the HINDSIGHT_SOCKS_PASSWORD environment variable' });
  assert.throws(() => parseServeArgs(['--socks-user', ''], { HINDSIGHT_SOCKS_PASSWORD: 'x' }), { message: '--socks-user expects a name of 1 to 255 bytes' });
});

test('--max-header-size takes bytes from 1024 to 16 MB; absent, the core decides (64 KB)', () => {
  const pick = (argv: string[]) => {
    const o = parseServeArgs(argv);
    return o === 'help' ? o : o.maxHeaderSize;
  };
  assert.deepEqual([pick([]), pick(['--max-header-size', '262144'])], [undefined, 262_144]);
  assert.throws(() => parseServeArgs(['--max-header-size', '64kb']), { message: "--max-header-size expects a number of bytes from 1024 to 16777216, got '64kb'" });
  assert.throws(() => parseServeArgs(['--max-header-size', '100']), { message: "--max-header-size expects a number of bytes from 1024 to 16777216, got '100'" });
});

test('--raw-utf8-paths turns the request-target encoder on; absent, it stays off', () => {
  const pick = (argv: string[]) => {
    const o = parseServeArgs(argv);
    return o === 'help' ? o : o.rawUtf8Paths;
  };
  assert.deepEqual([pick([]), pick(['--raw-utf8-paths'])], [undefined, true]);
});
