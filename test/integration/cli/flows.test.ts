import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import type { ApiHandlers } from '../../../electron/common/api';
import { Emitter } from '../../../electron/common/events';
import { toSummary, type Flow } from '../../../electron/common/flow';
import { run } from '../../../electron/cli/flows';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { serveWebSocket } from '../../../electron/core/api/transport.ws';
import { dataPaths } from '../../../electron/core/paths';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { makeFlow } from '../../helpers/flows';
import { tempDirs } from '../store/store-helpers';

// The table prints local time; fix the zone so the expected text is the same on every machine.
process.env.TZ = 'UTC';

const temp = tempDirs();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  temp.removeAll();
});

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
function flows(): Flow[] {
  return [
    makeFlow({ id: 'a1', seq: 1, startedAt: T0, client: { ip: '127.0.0.2', port: 1 }, response: true }),
    makeFlow({ id: 'a2', seq: 2, startedAt: T0 + 1000, client: { ip: '127.0.0.3', port: 2 }, request: { method: 'POST', url: 'http://api.test/v1/orders', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } }, response: { status: 503, statusText: 'Service Unavailable', headers: [], body: { size: 0, storedSize: 0, truncated: false } }, timings: { totalMs: 250.4 } }),
    makeFlow({ id: 'a3', seq: 3, startedAt: T0 + 2000, client: { ip: '127.0.0.2', port: 3 }, state: 'failed', error: { phase: 'dns', message: 'ENOTFOUND' } }),
  ];
}

async function storeWith(dataDir: string, list: Flow[]): Promise<FlowStore> {
  const store = openFlowStore({ dataDir });
  await store.ready;
  for (const f of list) store.flowStarted(f);
  return store;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

const TABLE = [
  'TIME                     CLIENT     METHOD  STATUS  URL                           DURATION',
  '2026-01-02 03:04:05.006  127.0.0.2  GET     200     http://example.test/path?q=1  12 ms',
  '2026-01-02 03:04:06.006  127.0.0.3  POST    503     http://api.test/v1/orders     250 ms',
  '2026-01-02 03:04:07.006  127.0.0.2  GET     ERR     http://example.test/path?q=1  -',
  '',
].join('\n');

test('lists the stored flows as a table, as JSON lines, filtered and limited', async () => {
  const dataDir = temp.make();
  await (await storeWith(dataDir, flows())).close();
  const emptyDir = temp.make();
  const summaries = flows().map(toSummary);
  assert.deepEqual(
    {
      table: await cli(['--data', dataDir]),
      json: await cli(['--data', dataDir, '--json']),
      filtered: await cli(['--data', dataDir, '--filter', 'ip:127.0.0.2', '--json', '--limit', '1']),
      empty: await cli(['--data', emptyDir]),
    },
    {
      table: { code: 0, stdout: TABLE, stderr: '' },
      json: { code: 0, stdout: summaries.map((s) => JSON.stringify(s) + '\n').join(''), stderr: '' },
      filtered: { code: 0, stdout: JSON.stringify(summaries[2]) + '\n', stderr: '' },
      empty: { code: 0, stdout: '', stderr: `hindsight flows: no flows stored in ${emptyDir}\n` },
    },
  );
});

test('a bad filter prints the expression with a caret under the bad token and exits 2', async () => {
  assert.deepEqual(await cli(['--data', temp.make(), '--filter', 'method:GET status:abc']), {
    code: 2,
    stdout: '',
    stderr: 'hindsight flows: bad filter\nmethod:GET status:abc\n                  ^^^\nstatus: expects a status from 100 to 599, a class like 5xx, or a range like 400-499 (at column 19)\n',
  });
});

test('when a running instance holds the data dir, the flows come from its API, not the files', async () => {
  const dataDir = temp.make();
  // The running instance: a live store served over a real WebSocket, advertised by the lock file.
  const store = await storeWith(dataDir, flows());
  cleanups.push(() => store.close());
  const handlers = { 'flows.query': async (q: Parameters<FlowStore['query']>[0]) => store.query(q) } as unknown as ApiHandlers;
  const api = createApiServerSide(handlers, { onDidChangeStatus: new Emitter<never>().event, store });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => serveWebSocket(socket, api));
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  cleanups.push(() => api.dispose());
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as net.AddressInfo).port;
  fs.writeFileSync(dataPaths(dataDir).lockFile, JSON.stringify({ pid: process.pid, uiHost: '127.0.0.1', uiPort: port, token: 't', proxyPort: 0, startedAt: 0 }));
  // Moved away: had the CLI opened the files, it would have found nothing.
  await store.flush();
  fs.renameSync(dataPaths(dataDir).flowsDb, `${dataPaths(dataDir).flowsDb}.elsewhere`);
  const summaries = flows().map(toSummary);
  assert.deepEqual(await cli(['--data', dataDir, '--json', '--filter', 'status:5xx']), { code: 0, stdout: JSON.stringify(summaries[1]) + '\n', stderr: '' });
});

test('a lock whose instance does not answer is refused with a clear message', async () => {
  const dataDir = temp.make();
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  fs.writeFileSync(dataPaths(dataDir).lockFile, JSON.stringify({ pid: process.pid, uiHost: '127.0.0.1', uiPort: port, token: 't', proxyPort: 0, startedAt: 0 }));
  assert.deepEqual(await cli(['--data', dataDir]), {
    code: 1,
    stdout: '',
    stderr: `hindsight flows: a running hindsight (pid ${process.pid}) holds ${dataDir}, but its API on port ${port} does not answer.\n`,
  });
});
