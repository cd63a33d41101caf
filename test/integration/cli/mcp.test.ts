// `hindsight mcp` driven by the MCP SDK's own client over stdio (a real child process) against a real
// running core (its API on a WebSocket, named by the data dir's lock file): every tool with good and bad
// arguments, secrets masked everywhere, read-only mode, and a mock created through MCP answering curl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type net from 'node:net';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { READ_TOOLS, WRITE_TOOLS } from '../../../electron/cli/mcp/server';
import { dataPaths } from '../../../electron/core/paths';
import { startTestCore, type TestCore } from '../../helpers/core';
import { serveAsRunning } from '../../helpers/running-instance';
import { curl } from '../capture/clients';

const root = path.resolve(__dirname, '..', '..', '..');
const SECRETS = ['secret-token-1', 'abc123', 'tok-123456', 'sid-value-9', 'hunter2'];
const BIG = 300_000;

let t: TestCore;
let origin: http.Server;
let originUrl: string;
let full: Client;
let readOnly: Client;
const cleanups: (() => Promise<void> | void)[] = [];
/** Every text any tool returned, checked for secrets at the end. */
const seen: string[] = [];

function startOrigin(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/login') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'sid=sid-value-9; Path=/; HttpOnly' });
        res.end(JSON.stringify({ user: 'ada', access_token: 'tok-123456', profile: { password: 'hunter2', plan: 'pro' } }));
      } else if (req.url === '/big') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('x'.repeat(BIG));
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('origin: not found');
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function connect(args: string[], dataDir = t.dataDir): Promise<Client> {
  const entry = `require(${JSON.stringify(path.join(root, 'electron/cli/index.ts'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', 'tsx', '-e', entry, 'mcp', '--data', dataDir, ...args],
    cwd: root,
    env: { ...(process.env as Record<string, string>) },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'hindsight-test', version: '1' });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

interface Called {
  isError: boolean;
  text: string;
}
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Called> {
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[] };
  const text = result.content.map((c) => c.text).join('\n');
  seen.push(text);
  return { isError: result.isError ?? false, text };
}
const json = (c: Called) => {
  assert.equal(c.isError, false, c.text);
  return JSON.parse(c.text) as Record<string, any>;
};
const failure = (c: Called) => {
  assert.equal(c.isError, true, c.text);
  return c.text;
};
const through = (pathname: string, args: string[] = []) => curl(t.proxyUrl, [...args, `${originUrl}${pathname}`]);

before(async () => {
  origin = await startOrigin();
  originUrl = `http://127.0.0.1:${(origin.address() as net.AddressInfo).port}`;
  t = await startTestCore();
  // The running instance: its API on a WebSocket, named by the lock file as `hindsight serve` writes it.
  const running = await serveAsRunning(t);
  cleanups.push(() => running.close());
  assert.equal((await through('/login', ['-H', 'Authorization: Bearer secret-token-1', '-H', 'Cookie: session=abc123'])).status, 200);
  assert.equal((await through('/big')).status, 200);
  await t.finishedFlows(2);
  [full, readOnly] = await Promise.all([connect([]), connect(['--read-only'])]);
});

after(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await t.dispose();
  await new Promise<void>((resolve) => origin.close(() => resolve()));
});

async function flowId(pathname: string): Promise<string> {
  const page = json(await call(full, 'query_flows', { filter: `path:${pathname} -is:replay`, limit: 1 }));
  return page.flows[0].id as string;
}

test('the tools offered: all of them, or only the reading ones with --read-only, which refuses writes', async () => {
  const names = async (c: Client) => (await c.listTools()).tools.map((tool) => tool.name).sort();
  assert.deepEqual({ full: await names(full), readOnly: await names(readOnly) }, { full: [...READ_TOOLS, ...WRITE_TOOLS].sort(), readOnly: [...READ_TOOLS].sort() });
  const refused = await Promise.all(['create_rule', 'update_rule', 'delete_rule', 'replay_flow'].map((name) => call(readOnly, name, { id: 'x' })));
  assert.deepEqual(
    refused.map((r) => [r.isError, r.text]),
    ['create_rule', 'update_rule', 'delete_rule', 'replay_flow'].map((name) => [true, `MCP error -32602: Tool ${name} not found`]),
  );
  // Reading still works in read-only mode.
  assert.equal(json(await call(readOnly, 'query_flows', { filter: 'path:/login' })).matched, 1);
});

test('query_flows: compact summaries, paged; a bad filter or limit is refused with the reason', async () => {
  const first = json(await call(full, 'query_flows', { filter: '-is:replay', limit: 1 }));
  const second = json(await call(full, 'query_flows', { filter: '-is:replay', limit: 1, before: first.nextCursor }));
  assert.deepEqual(
    { first: first.flows.map((f: any) => [f.method, f.url, f.status]), second: second.flows.map((f: any) => [f.method, f.url, f.status]), matched: first.matched, last: second.nextCursor },
    { first: [['GET', `${originUrl}/big`, 200]], second: [['GET', `${originUrl}/login`, 200]], matched: 2, last: null },
  );
  assert.deepEqual(Object.keys(first.flows[0]).sort(), ['client', 'contentType', 'durationMs', 'id', 'method', 'responseSize', 'startedAt', 'state', 'status', 'url']);
  assert.match(failure(await call(full, 'query_flows', { filter: 'status:abc' })), /status/);
  assert.match(failure(await call(full, 'query_flows', { limit: 0 })), /^MCP error -32602: Input validation error: Invalid arguments for tool query_flows/);
});

test('get_flow: the outline with Authorization, Cookie and Set-Cookie masked; an unknown id is refused', async () => {
  const flow = json(await call(full, 'get_flow', { id: await flowId('/login') }));
  const header = (list: [string, string][], name: string) => list.find(([n]) => n.toLowerCase() === name)?.[1];
  assert.deepEqual(
    {
      authorization: header(flow.request.headers, 'authorization'),
      cookie: header(flow.request.headers, 'cookie'),
      setCookie: header(flow.response.headers, 'set-cookie'),
      body: flow.response.body,
      status: flow.response.status,
    },
    {
      authorization: 'Bearer [masked 14 chars]',
      cookie: '[masked 14 chars]',
      setCookie: 'sid=[masked 11 chars]; Path=/; HttpOnly',
      body: { size: 88, storedSize: 88, truncated: false, contentType: 'application/json', contentEncoding: null },
      status: 200,
    },
  );
  assert.equal(failure(await call(full, 'get_flow', { id: 'no-such-flow' })), 'no flow no-such-flow');
  assert.match(failure(await call(full, 'get_flow', {})), /Input validation error/);
});

test('get_body: JSON secrets masked; a large body in pages of at most 256 KB with size and decoding stated', async () => {
  const login = json(await call(full, 'get_body', { id: await flowId('/login'), side: 'response' }));
  assert.deepEqual(
    { ...login, id: typeof login.id },
    {
      id: 'string',
      side: 'response',
      size: 88,
      storedSize: 88,
      truncated: false,
      contentType: 'application/json',
      contentEncoding: null,
      decoding: 'none needed',
      secretsMasked: true,
      available: 104,
      offset: 0,
      length: 104,
      nextOffset: null,
      encoding: 'utf8',
      data: '{"user":"ada","access_token":"[masked 10 chars]","profile":{"password":"[masked 7 chars]","plan":"pro"}}',
    },
  );
  const big = await flowId('/big');
  const page1 = json(await call(full, 'get_body', { id: big, side: 'response', length: 256 * 1024 }));
  const page2 = json(await call(full, 'get_body', { id: big, side: 'response', offset: page1.nextOffset, length: 256 * 1024 }));
  assert.deepEqual(
    [page1, page2].map((p) => ({ offset: p.offset, length: p.length, next: p.nextOffset, size: p.size, data: p.data.length })),
    [
      { offset: 0, length: 262144, next: 262144, size: BIG, data: 262144 },
      { offset: 262144, length: BIG - 262144, next: null, size: BIG, data: BIG - 262144 },
    ],
  );
  assert.match(failure(await call(full, 'get_body', { id: big, side: 'response', length: 256 * 1024 + 1 })), /Input validation error/);
  assert.equal(failure(await call(full, 'get_body', { id: big, side: 'response', offset: BIG + 1 })), `offset ${BIG + 1} is past the end of the body (${BIG} bytes)`);
  assert.match(failure(await call(full, 'get_body', { id: big, side: 'sideways' })), /Input validation error/);
});

test('endpoint_report and error_report: per route template, bounded, query secrets never shown; bad windows refused', async () => {
  const start = Date.now();
  // Two 404s from the origin and one failed exchange (a port nobody listens on), all under /items/{id}.
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await through('/items/17?api_key=hunter2');
  await through('/items/42');
  await curl(t.proxyUrl, [`http://127.0.0.1:${closedPort}/items/9?token=hunter2`]);
  await t.finishedFlows(5);
  const filter = 'url:*/items/* -is:replay';
  const endpoints = json(await call(readOnly, 'endpoint_report', { filter, since: new Date(start - 1000).toISOString() }));
  const errors = json(await call(full, 'error_report', { filter, limit: 1 }));
  const failedGroup = json(await call(full, 'error_report', { filter: `${filter} is:error`, until: '0s' })).groups.find((g: any) => g.status === null);
  const ids = json(await call(full, 'query_flows', { filter, limit: 10 })).flows.map((f: any) => f.id);
  // What differs on every run: times (checked to lie in the test's window) and latencies (checked to be numbers).
  const within = (iso: string) => Date.parse(iso) >= start - 1000 && Date.parse(iso) <= Date.now();
  const stable = (row: any) => {
    const { firstSeen, lastSeen, latencyMs, ...rest } = row;
    assert.ok(within(firstSeen) && within(lastSeen), `${firstSeen} ${lastSeen}`);
    if (latencyMs) assert.deepEqual(Object.values(latencyMs).map((v) => typeof v), ['number', 'number', 'number']);
    return rest;
  };
  assert.deepEqual(
    { endpoints: { ...endpoints, endpoints: endpoints.endpoints.map(stable) }, errors: { ...errors, groups: errors.groups.map(stable) } },
    {
      endpoints: {
        flows: 3,
        endpointCount: 1,
        endpoints: [
          {
            method: 'GET',
            host: '127.0.0.1',
            route: '/items/{id}',
            count: 3,
            statuses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 2, '5xx': 0, failed: 1 },
            errorRate: 1,
            requestBytes: 0,
            responseBytes: 2 * 'origin: not found'.length,
            clients: ['127.0.0.1'],
            profiles: [],
            // curl's User-Agent names no platform.
            platforms: ['other'],
          },
        ],
        more: 0,
      },
      errors: {
        flows: 3,
        errors: 3,
        groupCount: 2,
        // The biggest group first; the one left out is counted.
        groups: [{ method: 'GET', host: '127.0.0.1', route: '/items/{id}', status: 404, count: 2, examples: ids.slice(1, 3) }],
        more: 1,
      },
    },
  );
  assert.deepEqual(stable(failedGroup), { method: 'GET', host: '127.0.0.1', route: '/items/{id}', status: null, count: 1, examples: [ids[0]], error: `connect: could not connect to 127.0.0.1:${closedPort} (ECONNREFUSED)` });
  assert.equal(failure(await call(full, 'endpoint_report', { since: 'yesterday' })), "since expects a date or time (2026-12-04, 2026-12-04T09:00Z), epoch milliseconds or a duration ago (30m, 2h, 7d), got 'yesterday'");
  assert.equal(failure(await call(full, 'error_report', { since: '1h', until: '2h' })), 'since must be before until');
  assert.match(failure(await call(full, 'endpoint_report', { filter: 'status:abc' })), /status/);
  assert.match(failure(await call(full, 'error_report', { limit: 0 })), /^MCP error -32602: Input validation error: Invalid arguments for tool error_report/);
});

test('wait_for_flow: resolves with the next matching flow; gives up after its timeout', async () => {
  let settled = false;
  const waiting = call(full, 'wait_for_flow', { filter: 'path:/later', timeoutMs: 30_000 }).finally(() => (settled = true));
  // Only flows finishing after the call count, and the call's start is not observable from here: send
  // until one is seen (bounded), each request later than the last.
  for (let i = 0; i < 40 && !settled; i++) {
    await through('/later');
    await Promise.race([waiting, new Promise((r) => setTimeout(r, 250))]);
  }
  const found = json(await waiting);
  assert.deepEqual([found.method, found.url, found.status], ['GET', `${originUrl}/later`, 404]);
  assert.equal(failure(await call(full, 'wait_for_flow', { filter: 'path:/never', timeoutMs: 200 })), "no flow matching 'path:/never' finished within 200 ms");
  assert.match(failure(await call(full, 'wait_for_flow', { filter: 'status:abc' })), /status/);
});

test('rules: a mock created through MCP answers curl through the proxy; update, list, delete; a bad rule names its field', async () => {
  const created = json(
    await call(full, 'create_rule', {
      name: 'teapot',
      matchers: [{ type: 'url', pattern: `${originUrl}/mocked*` }],
      action: { type: 'mock', status: 418, headers: [['Content-Type', 'application/json'], ['X-Api-Key', 'k-42']], body: '{"mocked":true,"token":"hunter2"}' },
    }),
  );
  const mocked = await through('/mocked');
  const updated = json(await call(full, 'update_rule', { id: created.id, action: { type: 'mock', status: 503, headers: [], body: 'down' } }));
  const afterUpdate = await through('/mocked');
  const listed = json(await call(full, 'list_rules'));
  const deleted = json(await call(full, 'delete_rule', { id: created.id }));
  const afterDelete = await through('/mocked');
  assert.deepEqual(
    {
      created: [created.name, created.explanation, created.action.headers, created.action.body],
      mocked: [mocked.status, mocked.body],
      updated: updated.action.status,
      afterUpdate: [afterUpdate.status, afterUpdate.body],
      listed: listed.rules.map((r: any) => r.id),
      deleted,
      afterDelete: [afterDelete.status, afterDelete.body],
    },
    {
      created: ['teapot', `Mock 418 for ${originUrl.slice('http://'.length)}/mocked* for every client`, [['Content-Type', 'application/json'], ['X-Api-Key', '[masked 4 chars]']], '{"mocked":true,"token":"[masked 7 chars]"}'],
      mocked: [418, '{"mocked":true,"token":"hunter2"}'],
      updated: 503,
      afterUpdate: [503, 'down'],
      listed: [created.id],
      deleted: { removed: 1 },
      afterDelete: [404, 'origin: not found'],
    },
  );
  assert.match(failure(await call(full, 'create_rule', { name: 'bad', matchers: [{ type: 'url', pattern: '*' }], action: { type: 'mock', status: 99, headers: [], body: '' } })), /^rule refused: action\.status/);
  assert.match(failure(await call(full, 'create_rule', { name: 'bp', matchers: [{ type: 'url', pattern: '*' }], action: { type: 'breakpoint', on: 'both' } })), /Input validation error/);
  assert.equal(failure(await call(full, 'update_rule', { id: 'nope', name: 'x' })), 'no rule nope');
  assert.equal(failure(await call(full, 'delete_rule', { id: 'nope' })), 'no rule nope');
});

test('replay_flow as recorded and edited, diff_flows between them; bad ids refused', async () => {
  const login = await flowId('/login');
  const again = json(await call(full, 'replay_flow', { id: login }));
  const edited = json(await call(full, 'replay_flow', { id: login, edits: { url: `${originUrl}/elsewhere`, headers: [['Authorization', '']] } }));
  const diff = json(await call(full, 'diff_flows', { a: login, b: edited.id }));
  assert.deepEqual(
    {
      again: [again.replayOf, again.status, again.url],
      edited: [edited.replayOf, edited.status, edited.url],
      status: diff.response.status,
      removed: diff.request.headers.changes.find((c: any) => c.name === 'Authorization'),
    },
    {
      again: [login, 200, `${originUrl}/login`],
      edited: [login, 404, `${originUrl}/elsewhere`],
      status: { a: 200, b: 404 },
      removed: { type: 'removed', name: 'Authorization', values: ['Bearer [masked 14 chars]'] },
    },
  );
  assert.equal(failure(await call(full, 'replay_flow', { id: 'no-such-flow' })), 'no flow no-such-flow');
  assert.match(failure(await call(full, 'replay_flow', { id: login, edits: { nonsense: 1 } })), /Input validation error/);
  assert.match(failure(await call(full, 'diff_flows', { a: login, b: 'no-such-flow' })), /no flow no-such-flow/);
});

test('export_flows: HAR and curl with secrets masked; ids or filter required', async () => {
  const login = await flowId('/login');
  const har = await call(full, 'export_flows', { ids: [login], format: 'har' });
  const curlText = await call(full, 'export_flows', { filter: 'path:/login -is:replay', format: 'curl' });
  const doc = JSON.parse(har.text.slice(har.text.indexOf('\n') + 1)) as { log: { entries: { request: { headers: { name: string; value: string }[] } }[] } };
  assert.deepEqual(
    {
      harNote: har.text.split('\n')[0],
      auth: doc.log.entries[0].request.headers.find((h) => h.name === 'Authorization')?.value,
      curl: /--header 'Authorization: Bearer \[masked 14 chars\]'/.test(curlText.text),
    },
    { harNote: '1 flows as har', auth: 'Bearer [masked 14 chars]', curl: true },
  );
  assert.equal(failure(await call(full, 'export_flows', { format: 'har' })), 'give ids or filter (one of the two)');
  assert.match(failure(await call(full, 'export_flows', { ids: [login], format: 'pdf' })), /Input validation error/);
});

test('with no hindsight running, the server starts a core of its own on the data dir and lets go of it when closed', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-mcp-'));
  try {
    const client = await connect([], dataDir);
    const page = json(await call(client, 'query_flows', {}));
    const lock = JSON.parse(fs.readFileSync(dataPaths(dataDir).lockFile, 'utf8')) as { pid: number };
    await client.close();
    // The child releases the lock as it exits.
    const deadline = Date.now() + 20_000;
    while (fs.existsSync(dataPaths(dataDir).lockFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual({ matched: page.matched, total: page.total, otherPid: lock.pid !== process.pid, lockLeft: fs.existsSync(dataPaths(dataDir).lockFile) }, { matched: 0, total: 0, otherPid: true, lockLeft: false });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('no secret reached the agent in any result', () => {
  const leaks = SECRETS.filter((s) => seen.some((text) => text.includes(s)));
  assert.deepEqual({ results: seen.length > 30, leaks }, { results: true, leaks: [] });
});
