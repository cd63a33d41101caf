// Issue 21: the team-store flags of `hindsight serve` (--store, --node, --keep-flows, --keep-days) and
// HINDSIGHT_STORE, as parsed; a bad value is one clear line naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { parseServeArgs, type ServeOptions } from '../../../electron/cli/serve';
import { retentionOf } from '../../../electron/cli/store-flags';

const team = (options: ServeOptions | 'help') => {
  assert.notEqual(options, 'help');
  const { storeUrl, node, keepFlows, keepDays } = options as ServeOptions;
  return { storeUrl, node, keepFlows, keepDays };
};

test('--store, --node, --keep-flows and --keep-days are read; HINDSIGHT_STORE stands in for --store; the node defaults to the host name', () => {
  assert.deepEqual(team(parseServeArgs(['--store', 'postgres://u@db/h', '--node', 'qa-1', '--keep-flows', '2000000', '--keep-days', '28'], {})), {
    storeUrl: 'postgres://u@db/h',
    node: 'qa-1',
    keepFlows: 2_000_000,
    keepDays: 28,
  });
  assert.deepEqual(team(parseServeArgs([], { HINDSIGHT_STORE: 'postgresql://u@db/h' })), { storeUrl: 'postgresql://u@db/h', node: os.hostname(), keepFlows: undefined, keepDays: undefined });
  assert.deepEqual(team(parseServeArgs(['--keep-days', '0.5'], {})), { storeUrl: undefined, node: undefined, keepFlows: undefined, keepDays: 0.5 });
});

test('bad team-store flags are refused with a line naming the flag; a password in a bad URL is not echoed', () => {
  assert.throws(() => parseServeArgs(['--store', '/var/lib/hindsight'], {}), /^Error: --store expects a postgres:\/\/ URL, got '\/var\/lib\/hindsight' \(the embedded store is chosen with --data\)$/);
  assert.throws(() => parseServeArgs(['--store', 'mysql://u:secret@db/h'], {}), /^Error: --store expects a postgres:\/\/ URL, got 'mysql:\/\/u:\*\*\*@db\/h'/);
  assert.throws(() => parseServeArgs(['--node', 'a'], {}), /--node names a node of a shared store: give --store postgres:\/\/… too/);
  assert.throws(() => parseServeArgs(['--store', 'postgres://db/h', '--node', 'a b'], {}), /--node expects a name/);
  assert.throws(() => parseServeArgs(['--keep-flows', '0'], {}), /--keep-flows expects a whole number of flows \(at least 1\), got '0'/);
  assert.throws(() => parseServeArgs(['--keep-days=-1'], {}), /--keep-days expects a number of days above 0, got '-1'/);
});

test('--keep-flows N trims a sixth of N at a time (the default policy\'s ratio), at most 10,000', () => {
  assert.deepEqual(retentionOf(60_000, undefined), { maxFlows: 60_000, trimCount: 10_000 });
  assert.deepEqual(retentionOf(2_000_000, 28), { maxFlows: 2_000_000, trimCount: 10_000, keepDays: 28 });
  assert.deepEqual(retentionOf(100, undefined), { maxFlows: 100, trimCount: 17 });
  assert.deepEqual(retentionOf(undefined, undefined), {});
});
