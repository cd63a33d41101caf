// Issue 21: two `hindsight serve` nodes on one PostgreSQL store, as a team runs them — real child processes,
// real PostgreSQL, traffic through each node from its own loopback client address; `hindsight flows --store`
// answers from the database exactly; kill -9 of a node loses nothing that finished a second before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { run as flows } from '../../../electron/cli/flows';
import type { FlowSummary } from '../../../electron/common/flow';
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

test('two nodes on one database: each records its node and client; flows --store --filter ip: lists exactly one client\'s flows; kill -9 loses nothing finished a second before', { skip, timeout: 180_000 }, async () => {
  const url = await cluster.database();
  const a = await startNode(url, 'node-a');
  nodes.push(a);
  const b = await startNode(url, 'node-b');
  nodes.push(b);

  for (let i = 0; i < 3; i++) assert.equal(await get(a, '127.0.0.2', `/status/200?a=${i}`), 200);
  for (let i = 0; i < 2; i++) assert.equal(await get(b, '127.0.0.3', `/status/201?b=${i}`), 201);
  // Well over the 50 ms write batch.
  await sleep(1_000);

  const fromC = await listed(url, 'ip:127.0.0.3');
  assert.deepEqual(
    fromC.map((s) => ({ node: s.node, clientIp: s.clientIp, status: s.status, path: s.path })),
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
  await sleep(500);
  assert.deepEqual((await listed(url, 'ip:127.0.0.3 status:404')).map((s) => [s.node, s.status]), [['node-b', 404]]);
  b.child.kill('SIGTERM');
  const [code] = (await b.exited) as [number];
  assert.equal(code, 0);
});
