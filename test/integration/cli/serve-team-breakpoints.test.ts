// Issue 21: breakpoints pause on the node that holds the connection and are resumable from any node's UI.
// Two real `hindsight serve` nodes on one real PostgreSQL; a request through node A from 127.0.0.2 pauses;
// node B's API lists it (and its UI hears of it), decides it, and node A applies the decision; a node killed
// with -9 leaves no paused item listed anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiEvents } from '../../../electron/common/api';
import type { DisposableApiClient } from '../../../electron/common/api-client';
import type { BreakpointInfo } from '../../../electron/common/breakpoint';
import { sendThrough, useTeamBed } from '../../helpers/team-nodes';

const bed = useTeamBed();
const skip = bed.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls a node's breakpoints.list until `done` holds (a loaded machine may delay a notification), at most `ms`. */
async function pausedOn(api: DisposableApiClient, done: (paused: BreakpointInfo[]) => boolean, ms = 10_000): Promise<BreakpointInfo[]> {
  const until = Date.now() + ms;
  for (;;) {
    const { paused } = await api.call('breakpoints.list', {});
    if (done(paused) || Date.now() > until) return paused;
    await sleep(100);
  }
}

/** Records a node's breakpoint events, in order. */
function recordEvents(api: DisposableApiClient): string[] {
  const seen: string[] = [];
  api.on('breakpoints/paused', (info: ApiEvents['breakpoints/paused']) => seen.push(`paused ${info.id} on ${info.node}`));
  api.on('breakpoints/resumed', (r: ApiEvents['breakpoints/resumed']) => seen.push(`${r.how} ${r.id}`));
  return seen;
}

async function saveBreakpoint(api: DisposableApiClient, query: string): Promise<string> {
  const saved = await api.call('rules.save', {
    rule: { name: 'team pause', matchers: [{ type: 'url', pattern: `*/echo?${query}*`, syntax: 'wildcard' }], action: { type: 'breakpoint', on: 'request' } },
  });
  return saved.rule.id;
}

test('a request paused on node A is listed on node B, resumed there with an edited header; the origin gets the edit and the client the response', { skip, timeout: 180_000 }, async () => {
  const { a, apiA, apiB } = await bed.twoNodes();
  const eventsOnB = recordEvents(apiB);
  const ruleId = await saveBreakpoint(apiA, 'resume');
  // The pause length is a setting: changed on node B, it applies to pauses on node A.
  await apiB.call('breakpoints.settings', { timeoutMs: 123_000 });
  for (let i = 0; i < 50 && (await apiA.call('breakpoints.settings', {})).timeoutMs !== 123_000; i++) await sleep(100);
  const target = `http://127.0.0.1:${bed.origin.httpPort}/echo?resume=1`;

  const response = sendThrough(a, '127.0.0.2', target, { 'X-Team': 'original' });
  const [listed] = await pausedOn(apiB, (p) => p.length === 1);
  assert.ok(listed, 'node B lists the pause held by node A');
  const { pausedAt, continuesAt, request, ...rest } = listed;
  assert.equal(continuesAt - pausedAt, 123_000, 'the deadline set on node B');
  assert.deepEqual(
    { ...rest, request: { method: request.method, url: request.url, team: request.headers.filter(([name]) => name === 'X-Team') } },
    {
      id: `${listed.flowId}:request`,
      flowId: listed.flowId,
      phase: 'request',
      clientIp: '127.0.0.2',
      rule: { id: ruleId, kind: 'breakpoint', name: 'team pause' },
      node: 'node-a',
      request: { method: 'GET', url: target, team: [['X-Team', 'original']] },
    },
  );
  // Node A lists the same pause as its own.
  assert.deepEqual((await apiA.call('breakpoints.list', {})).paused, [listed]);

  const edited = request.headers.map(([name, value]): [string, string] => (name === 'X-Team' ? [name, 'edited on node B'] : [name, value]));
  assert.deepEqual(await apiB.call('breakpoints.resume', { id: listed.id, edits: { headers: edited } }), { paused: 0 });
  const got = await response;
  const echoed = JSON.parse(got.body) as { url: string; rawHeaders: string[] };
  const teamHeader = (raw: string[]) => raw.flatMap((v, i) => (i % 2 === 0 && v === 'X-Team' ? [raw[i + 1]] : []));
  assert.deepEqual(
    { status: got.status, echoed: { url: echoed.url, team: teamHeader(echoed.rawHeaders) }, atOrigin: teamHeader(bed.origin.received.at(-1)!.rawHeaders) },
    { status: 200, echoed: { url: '/echo?resume=1', team: ['edited on node B'] }, atOrigin: ['edited on node B'] },
  );
  // Gone everywhere.
  assert.deepEqual({ a: (await apiA.call('breakpoints.list', {})).paused, b: (await pausedOn(apiB, (p) => p.length === 0)) }, { a: [], b: [] });

  // The flow, as node B reads it from the store, once node A has written its end.
  let flow = await apiB.call('flows.get', { id: listed.flowId });
  for (let i = 0; i < 100 && flow?.state !== 'completed'; i++) {
    await sleep(100);
    flow = await apiB.call('flows.get', { id: listed.flowId });
  }
  assert.ok(flow);
  assert.deepEqual(
    {
      id: flow.id,
      node: flow.node,
      state: flow.state,
      client: flow.client.ip,
      request: { method: flow.request.method, url: flow.request.url, team: flow.request.headers.filter(([name]) => name === 'X-Team') },
      original: flow.original?.request?.headers?.filter(([name]) => name === 'X-Team'),
      status: flow.response?.status,
      applied: flow.appliedRules.map((r) => r.kind),
      error: flow.error,
    },
    {
      id: listed.flowId,
      node: 'node-a',
      state: 'completed',
      client: '127.0.0.2',
      request: { method: 'GET', url: target, team: [['X-Team', 'edited on node B']] },
      original: [['X-Team', 'original']],
      status: 200,
      applied: ['breakpoint', 'breakpoint-edit'],
      error: undefined,
    },
  );
  assert.deepEqual(eventsOnB, [`paused ${listed.id} on node-a`, `resumed ${listed.id}`]);
});

test('abort and answer from node B reach the client on node A; a bad edit is refused on B naming the field; kill -9 of node A leaves nothing listed on B', { skip, timeout: 180_000 }, async () => {
  const { a, apiA, apiB } = await bed.twoNodes();
  await saveBreakpoint(apiA, 'decide');
  const target = (n: number) => `http://127.0.0.1:${bed.origin.httpPort}/echo?decide=${n}`;
  const receivedBefore = bed.origin.received.length;

  const aborted = sendThrough(a, '127.0.0.2', target(1), { 'X-Team': 'abort me' });
  let [paused] = await pausedOn(apiB, (p) => p.length === 1);
  await assert.rejects(apiB.call('breakpoints.resume', { id: paused.id, edits: { status: 201 } }), /edits\.status: cannot be edited on a paused request/);
  await assert.rejects(apiB.call('breakpoints.resume', { id: 'no-such-flow:request' }), /no paused exchange with id "no-such-flow:request"/);
  assert.deepEqual(await apiB.call('breakpoints.abort', { id: paused.id }), { paused: 0 });

  const answered = sendThrough(a, '127.0.0.3', target(2), { 'X-Team': 'answer me' });
  [paused] = await pausedOn(apiB, (p) => p.length === 1);
  await apiB.call('breakpoints.answer', { id: paused.id, response: { status: 203, headers: [['X-Answered-By', 'node-b']], body: 'answered on B' } });
  assert.deepEqual(
    { aborted: await aborted, answered: await answered, atOrigin: bed.origin.received.length - receivedBefore },
    { aborted: { status: 502, body: 'Hindsight: aborted at a breakpoint\n' }, answered: { status: 203, body: 'answered on B' }, atOrigin: 0 },
  );

  // Node A dies while a pause is held there: node B stops listing it (no heartbeat), and says so.
  const eventsOnB = recordEvents(apiB);
  const lost = sendThrough(a, '127.0.0.2', target(3), { 'X-Team': 'lost' }).catch((err: Error) => err.message);
  [paused] = await pausedOn(apiB, (p) => p.length === 1);
  assert.equal(paused.node, 'node-a');
  a.child.kill('SIGKILL');
  await a.exited;
  assert.match(String(await lost), /socket hang up|ECONNRESET/);
  assert.deepEqual(await pausedOn(apiB, (p) => p.length === 0, 60_000), []);
  await assert.rejects(apiB.call('breakpoints.resume', { id: paused.id }), /no paused exchange/);
  assert.deepEqual(eventsOnB.filter((e) => e.startsWith('released')), [`released ${paused.id}`]);
});
