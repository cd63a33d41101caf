// `hindsight replay`: offline (a core started in-process on an ephemeral port, results stored in the data dir)
// and through a running instance's API (its lock file), by id and by --filter, against a recording origin.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { emptyBody, toSummary, type Flow } from '../../../electron/common/flow';
import { replayTable, run } from '../../../electron/cli/replay';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { serveWebSocket } from '../../../electron/core/api/transport.ws';
import { dataPaths } from '../../../electron/core/paths';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { startTestCore } from '../../helpers/core';
import { makeFlow } from '../../helpers/flows';
import { startRecordingOrigin, type RecordingOrigin } from '../replay/recording-origin';

let origin: RecordingOrigin;
const cleanups: (() => Promise<void> | void)[] = [];
before(async () => {
  origin = await startRecordingOrigin();
});
after(() => origin.close());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  origin.received.length = 0;
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** A stored, finished request to the origin (by IP: the offline core resolves names with real DNS). */
function originalFlow(store: FlowStore, id: string, pathname: string, body?: string): Flow {
  const url = `http://127.0.0.1:${origin.httpPort}${pathname}`;
  const flow = makeFlow({
    id,
    response: true,
    request: { method: body ? 'POST' : 'GET', url, httpVersion: '1.1', headers: [['Host', `127.0.0.1:${origin.httpPort}`], ['X-Case', 'Kept'], ['x-case', 'twice']], body: emptyBody() },
  });
  if (body) {
    flow.request.headers.push(['Content-Length', String(Buffer.byteLength(body))]);
    const writer = store.bodies.open(id, 'request', {});
    writer.write(Buffer.from(body));
    flow.request.body = writer.end();
  }
  flow.response!.body = emptyBody();
  store.flowStarted(flow);
  return flow;
}

async function storeWith(dataDir: string, make: (store: FlowStore) => void): Promise<void> {
  const store = openFlowStore({ dataDir });
  await store.ready;
  make(store);
  await store.close();
}

const arrived = () => origin.received.map((r) => ({ method: r.method, target: r.target, rawHeaders: r.rawHeaders, body: Buffer.from(r.body, 'base64').toString() }));
const expectedArrival = (method: string, target: string, body = '') => ({
  method,
  target,
  rawHeaders: ['Host', `127.0.0.1:${origin.httpPort}`, 'X-Case', 'Kept', 'x-case', 'twice', ...(body ? ['Content-Length', String(body.length)] : []), 'Connection', 'keep-alive'],
  body,
});

test('offline, by id: a proxy is started for the replay, the new flows are printed and stored in the data dir', async () => {
  const dataDir = tempDir();
  await storeWith(dataDir, (store) => {
    originalFlow(store, 'orig-a', '/a', 'one=1');
    originalFlow(store, 'orig-b', '/b');
  });
  const result = await cli(['--data', dataDir, 'orig-b', 'orig-a', '--json']);
  const store = openFlowStore({ dataDir, maxFlows: Infinity });
  cleanups.push(() => store.close());
  await store.ready;
  const replays = store.query({ filter: '', limit: 10 }).flows.filter((s) => s.replayOf).reverse();
  assert.deepEqual(
    { result, arrived: arrived(), stored: replays.map((s) => [s.replayOf, s.status, s.method, s.url]), lockLeft: fs.existsSync(dataPaths(dataDir).lockFile) },
    {
      result: { code: 0, stdout: replays.map((s) => `${JSON.stringify(s)}\n`).join(''), stderr: '' },
      arrived: [expectedArrival('GET', '/b'), expectedArrival('POST', '/a', 'one=1')],
      stored: [
        ['orig-b', 200, 'GET', `http://127.0.0.1:${origin.httpPort}/b`],
        ['orig-a', 200, 'POST', `http://127.0.0.1:${origin.httpPort}/a`],
      ],
      lockLeft: false,
    },
  );
});

test('offline, by --filter: every match, oldest first, as a table; refusals go to stderr with exit 1', async () => {
  const dataDir = tempDir();
  await storeWith(dataDir, (store) => {
    originalFlow(store, 'f1', '/api/one');
    originalFlow(store, 'f2', '/other');
    originalFlow(store, 'f3', '/api/two');
  });
  const result = await cli(['--data', dataDir, '--filter', 'url:*/api/*', '--bypass-rules']);
  const missing = await cli(['--data', dataDir, 'no-such-flow']);
  const store = openFlowStore({ dataDir, maxFlows: Infinity });
  cleanups.push(() => store.close());
  await store.ready;
  const replays = store.query({ filter: '', limit: 10 }).flows.filter((s) => s.replayOf).reverse();
  assert.deepEqual(
    { result, missing, arrived: arrived().map((a) => a.target), replayOf: replays.map((s) => s.replayOf) },
    {
      result: { code: 0, stdout: replayTable(replays), stderr: '' },
      missing: { code: 1, stdout: '', stderr: 'hindsight replay: no-such-flow: no flow no-such-flow\n' },
      arrived: ['/api/one', '/api/two'],
      replayOf: ['f1', 'f3'],
    },
  );
  assert.match(result.stdout.split('\n')[1], new RegExp(`^${replays[0].id} +f1 +GET +200 +http://127\\.0\\.0\\.1:${origin.httpPort}/api/one +\\d+ ms$`));
});

test('when a running instance holds the data dir, the replay goes through its API and proxy', async () => {
  // The running instance: a real core served over a real WebSocket, advertised by the lock file.
  const t = await startTestCore({ upstreamCa: [origin.caPem] });
  cleanups.push(() => t.dispose());
  const api = createApiServerSide(createApiHandlers(t.core), t.core);
  cleanups.push(() => api.dispose());
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => serveWebSocket(socket, api));
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as net.AddressInfo).port;
  const original = originalFlow(t.core.store, 'running-1', '/through-serve', 'x=1');
  await t.core.store.flush();
  fs.writeFileSync(dataPaths(t.dataDir).lockFile, JSON.stringify({ pid: process.pid, uiHost: '127.0.0.1', uiPort: port, token: 't', proxyPort: t.port, startedAt: 0 }));
  const byId = await cli(['--data', t.dataDir, original.id, '--json']);
  // Matches the original and the replay just made: both go again, oldest first.
  const byFilter = await cli(['--data', t.dataDir, '--filter', 'url:*/through-serve', '--json']);
  const replays = t.core.store.query({ filter: '', limit: 10 }).flows.filter((s) => s.replayOf).reverse();
  assert.deepEqual(
    { byId, byFilter, arrived: arrived(), replayOf: replays.map((s) => s.replayOf) },
    {
      byId: { code: 0, stdout: `${JSON.stringify(replays[0])}\n`, stderr: '' },
      byFilter: { code: 0, stdout: `${JSON.stringify(replays[1])}\n${JSON.stringify(replays[2])}\n`, stderr: '' },
      arrived: [1, 2, 3].map(() => expectedArrival('POST', '/through-serve', 'x=1')),
      replayOf: ['running-1', 'running-1', replays[0].id],
    },
  );
  assert.deepEqual(toSummary((await t.core.store.get(replays[0].id))!), replays[0]);
});

test('usage errors: ids and --filter together, neither, a bad filter, an empty data dir', async () => {
  const empty = tempDir();
  const results = await Promise.all([cli(['a', '--filter', 'x']), cli([]), cli(['--filter', 'status:abc']), cli(['--data', empty, 'a'])]);
  assert.deepEqual(
    results.map((r) => ({ code: r.code, first: r.stderr.split('\n')[0] })),
    [
      { code: 2, first: 'hindsight replay: give flow ids or --filter EXPR (one of the two)' },
      { code: 2, first: 'hindsight replay: give flow ids or --filter EXPR (one of the two)' },
      { code: 2, first: 'hindsight replay: bad filter' },
      { code: 1, first: `hindsight replay: no flows stored in ${empty}` },
    ],
  );
});
