// Issue 21: two `hindsight serve` nodes on one PostgreSQL store, as a team runs them — real child processes,
// real PostgreSQL, traffic through each node from its own loopback client address; `hindsight flows --store`
// answers from the database exactly; kill -9 of a node loses nothing that finished a second before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { run as flows } from '../../../electron/cli/flows';
import type { FlowSummary } from '../../../electron/common/flow';
import { connectToRunning } from '../../../electron/core/instance/lock';
import { getThrough, startNode, stopNode, type TeamNode } from '../../helpers/team-nodes';
import { startOrigin, type Origin } from '../../helpers/origin';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';

const skip = postgresUnavailable();
let cluster: TestCluster;
let origin: Origin;
const nodes: TeamNode[] = [];

before(async () => {
  if (skip) return;
  cluster = await startTestCluster();
  origin = await startOrigin();
});
after(async () => {
  for (const n of nodes) await stopNode(n);
  await origin?.close();
  await cluster?.stop();
});

const get = (node: TeamNode, from: string, pathname: string) => getThrough(node, from, `http://127.0.0.1:${origin.httpPort}${pathname}`);

/** `hindsight flows --store URL --filter EXPR --json`, in-process: the summaries it printed. */
async function listed(url: string, filter: string): Promise<FlowSummary[]> {
  let stdout = '';
  let stderr = '';
  const code = await flows(['--store', url, '--filter', filter, '--json'], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  assert.deepEqual({ code, stderr }, { code: 0, stderr: '' });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FlowSummary);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `listing` until it equals `expected` (a loaded machine may delay a node's 50 ms write), at most 10 s. */
async function eventually<T>(listing: () => Promise<T>, expected: T): Promise<void> {
  const until = Date.now() + 10_000;
  let last = await listing();
  while (Date.now() < until) {
    try {
      assert.deepEqual(last, expected);
      return;
    } catch {
      await sleep(100);
      last = await listing();
    }
  }
  assert.deepEqual(last, expected);
}

test('two nodes on one database: each records its node and client; flows --store --filter ip: lists exactly one client\'s flows; kill -9 loses nothing finished a second before', { skip, timeout: 180_000 }, async () => {
  const url = await cluster.database();
  const a = await startNode(url, 'node-a');
  nodes.push(a);
  const b = await startNode(url, 'node-b');
  nodes.push(b);

  for (let i = 0; i < 3; i++) assert.equal(await get(a, '127.0.0.2', `/status/200?a=${i}`), 200);
  for (let i = 0; i < 2; i++) assert.equal(await get(b, '127.0.0.3', `/status/201?b=${i}`), 201);
  await eventually(
    async () => (await listed(url, 'ip:127.0.0.3')).map((s) => ({ node: s.node, clientIp: s.clientIp, status: s.status, path: s.path })),
    [0, 1].map((i) => ({ node: 'node-b', clientIp: '127.0.0.3', status: 201, path: `/status/201?b=${i}` })),
  );
  assert.deepEqual((await listed(url, 'ip:127.0.0.2 status:200')).map((s) => [s.node, s.path]), [0, 1, 2].map((i) => ['node-a', `/status/200?a=${i}`]));
  assert.equal((await listed(url, '')).length, 5);

  // kill -9 of node A: what finished more than a second before is in the database.
  for (let i = 3; i < 23; i++) assert.equal(await get(a, '127.0.0.2', `/status/200?a=${i}`), 200);
  await sleep(1_100);
  a.child.kill('SIGKILL');
  await a.exited;
  const fromA = await listed(url, 'ip:127.0.0.2');
  assert.deepEqual(
    fromA.map((s) => s.path),
    Array.from({ length: 23 }, (_, i) => `/status/200?a=${i}`),
  );
  assert.ok(fromA.every((s) => s.state === 'completed' && s.node === 'node-a'));

  // Node B goes on capturing alone.
  assert.equal(await get(b, '127.0.0.3', '/status/404'), 404);
  await eventually(async () => (await listed(url, 'ip:127.0.0.3 status:404')).map((s) => [s.node, s.status]), [['node-b', 404]]);
  b.child.kill('SIGTERM');
  const [code] = (await b.exited) as [number];
  assert.equal(code, 0);
});

test('a rule saved on node A mocks on node B within a second; deleting it on B stops it on A', { skip, timeout: 180_000 }, async () => {
  const url = await cluster.database();
  const a = await startNode(url, 'node-a');
  nodes.push(a);
  const b = await startNode(url, 'node-b');
  nodes.push(b);
  const apiA = (await connectToRunning(a.dataDir))!;
  const apiB = (await connectToRunning(b.dataDir))!;
  try {
    assert.equal(await get(b, '127.0.0.3', '/status/200?rule'), 200);
    const saved = await apiA.call('rules.save', {
      rule: { name: 'team mock', matchers: [{ type: 'url', pattern: `*/status/200?rule*`, syntax: 'wildcard' }], action: { type: 'mock', status: 418, headers: [['Content-Type', 'text/plain']], body: 'from node A' } },
    });
    const savedAt = Date.now();
    let status = 0;
    while (Date.now() - savedAt < 1_000 && status !== 418) {
      status = await get(b, '127.0.0.3', '/status/200?rule');
      if (status !== 418) await sleep(50);
    }
    assert.equal(status, 418, 'node B mocks within a second of the save on node A');
    assert.deepEqual((await apiB.call('rules.list', {})).rules.map((r) => r.rule.id), [saved.rule.id]);

    await apiB.call('rules.delete', { ids: [saved.rule.id] });
    const deletedAt = Date.now();
    while (Date.now() - deletedAt < 1_000 && status !== 200) {
      status = await get(a, '127.0.0.2', '/status/200?rule');
      if (status !== 200) await sleep(50);
    }
    assert.equal(status, 200, 'node A stops mocking within a second of the delete on node B');
  } finally {
    apiA.dispose();
    apiB.dispose();
  }
});
