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
