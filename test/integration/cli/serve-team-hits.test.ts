// Issue 21: a rule's hit count is the sum over the nodes of a team. Two real `hindsight serve` nodes on one
// real PostgreSQL; a mock rule saved on node A applies on both; hits through each node add up on both nodes'
// API within a few seconds; saving the rule again starts the count over on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DisposableApiClient } from '../../../electron/common/api-client';
import { getThrough, useTeamBed } from '../../helpers/team-nodes';

const bed = useTeamBed();
const skip = bed.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each node's count for the rule, polled until both equal `expected` (flushes are about a second apart), at most 15 s. */
async function hitsOnBoth(apis: DisposableApiClient[], ruleId: string, expected: number): Promise<number[]> {
  const until = Date.now() + 15_000;
  for (;;) {
    const counts = await Promise.all(apis.map(async (api) => (await api.call('rules.list', {})).rules.find((r) => r.rule.id === ruleId)?.hits ?? -1));
    if (counts.every((c) => c === expected) || Date.now() > until) return counts;
    await sleep(200);
  }
}

test('hits of one rule through two nodes are summed on both; saving the rule again resets the count on both', { skip, timeout: 180_000 }, async () => {
  const { a, b, apiA, apiB } = await bed.twoNodes();

  const rule = {
    name: 'team mock',
    matchers: [{ type: 'url' as const, pattern: '*/status/200?hits*', syntax: 'wildcard' as const }],
    action: { type: 'mock' as const, status: 418, headers: [['Content-Type', 'text/plain']] as [string, string][], body: 'counted' },
  };
  const saved = await apiA.call('rules.save', { rule });
  const target = (n: number) => `http://127.0.0.1:${bed.origin.httpPort}/status/200?hits=${n}`;
  // Node B has the rule once it mocks (rules reach every node within a second).
  let status = 0;
  for (let i = 0; i < 50 && status !== 418; i++) {
    status = await getThrough(b, '127.0.0.3', target(0));
    if (status !== 418) await sleep(100);
  }
  assert.equal(status, 418);

  const statuses: number[] = [];
  for (let i = 1; i <= 3; i++) statuses.push(await getThrough(a, '127.0.0.2', target(i)));
  for (let i = 4; i <= 5; i++) statuses.push(await getThrough(b, '127.0.0.3', target(i)));
  assert.deepEqual(statuses, [418, 418, 418, 418, 418]);
  // 3 through A, 3 through B (the first one included).
  assert.deepEqual(await hitsOnBoth([apiA, apiB], saved.rule.id, 6), [6, 6]);

  await apiB.call('rules.save', { rule: { ...rule, id: saved.rule.id, name: 'team mock, saved again' } });
  assert.deepEqual(await hitsOnBoth([apiA, apiB], saved.rule.id, 0), [0, 0]);
  assert.equal(await getThrough(a, '127.0.0.2', target(6)), 418);
  assert.deepEqual(await hitsOnBoth([apiA, apiB], saved.rule.id, 1), [1, 1]);
});
