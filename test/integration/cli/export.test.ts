import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';
import { HarValidator, PostmanValidator } from '@har-sdk/validator';
import type { Har } from 'har-format';
import type { ApiHandlers, BodyResult } from '../../../electron/common/api';
import { Emitter } from '../../../electron/common/events';
import type { BodySide, Flow } from '../../../electron/common/flow';
import { toLogLine } from '../../../electron/common/log-line';
import { run } from '../../../electron/cli/export';
import { run as runImport } from '../../../electron/cli/import';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { serveWebSocket } from '../../../electron/core/api/transport.ws';
import { dataPaths } from '../../../electron/core/paths';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { makeFlow } from '../../helpers/flows';
import { tempDirs } from '../store/store-helpers';
import { startRecordingOrigin } from '../../unit/core/export/recording-origin';

const execFileAsync = promisify(execFile);
const temp = tempDirs();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  temp.removeAll();
});

const fixture = path.join(__dirname, '../../fixtures/har/chrome-devtools.har');
const binary = Buffer.from([0x00, 0xff, 0x01, 0x80]);
const json = '{"ok":true,"name":"Zoë"}';

/** A store holding three flows with body files, written through the store's own body store. */
async function storeWithFlows(dataDir: string, origin = 'http://api.test'): Promise<{ store: FlowStore; flows: Flow[] }> {
  const store = openFlowStore({ dataDir });
  await store.ready;
  const flows: Flow[] = [];
  const add = (flow: Flow, request?: Buffer, response?: Buffer) => {
    flow.seq = store.nextSeq();
    if (request) {
      const w = store.bodies.open(flow.id, 'request', { contentType: flow.request.body.contentType });
      w.write(request);
      flow.request.body = w.end();
    }
    if (response && flow.response) {
      const w = store.bodies.open(flow.id, 'response', { contentType: flow.response.body.contentType });
      w.write(response);
      flow.response.body = w.end();
    }
    store.flowStarted(flow);
    flows.push(flow);
  };
  const ct = 'application/json';
  add(
    makeFlow({ id: 'e1', startedAt: Date.UTC(2026, 0, 1), client: { ip: '127.0.0.2', port: 1 }, request: { method: 'POST', url: `${origin}/v1/items`, httpVersion: '1.1', headers: [['Host', origin.replace(/^https?:\/\//, '')], ['Content-Type', ct], ['User-Agent', 'app/1'], ['Accept', '*/*']], body: { size: 0, storedSize: 0, truncated: false, contentType: ct } }, response: { status: 201, statusText: 'Created', headers: [['Content-Type', ct]], body: { size: 0, storedSize: 0, truncated: false, contentType: ct } }, timings: { totalMs: 5 } }),
    Buffer.from('{"name":"new"}'),
    Buffer.from(json),
  );
  add(
    makeFlow({ id: 'e2', startedAt: Date.UTC(2026, 0, 2), client: { ip: '127.0.0.3', port: 2 }, request: { method: 'PUT', url: `${origin}/v1/blob`, httpVersion: '1.1', headers: [['Host', origin.replace(/^https?:\/\//, '')], ['Content-Type', 'application/octet-stream'], ['User-Agent', 'app/1'], ['Accept', '*/*']], body: { size: 0, storedSize: 0, truncated: false, contentType: 'application/octet-stream' } }, response: { status: 503, statusText: 'Service Unavailable', headers: [], body: { size: 0, storedSize: 0, truncated: false } }, timings: { totalMs: 7 } }),
    binary,
  );
  add(makeFlow({ id: 'e3', startedAt: Date.UTC(2026, 0, 3), state: 'failed', request: { method: 'GET', url: 'http://down.test/', httpVersion: '1.1', headers: [['Host', 'down.test']], body: { size: 0, storedSize: 0, truncated: false } }, error: { phase: 'dns', message: 'getaddrinfo ENOTFOUND down.test' } }));
  await store.flush();
  return { store, flows };
}

async function cli(main: typeof run, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdoutStream = new PassThrough();
  stdoutStream.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, stdoutStream });
  return { code, stdout, stderr };
}

test('exports HAR, Postman, curl and NDJSON from the store files, filtered, oldest first', async () => {
  const dataDir = temp.make();
  const outDir = temp.make();
  const { store, flows } = await storeWithFlows(dataDir);
  await store.close();
  const out = (name: string) => path.join(outDir, name);

  const har = await cli(run, ['--data', dataDir, '--format', 'har', '--out', out('all.har')]);
  const postman = await cli(run, ['--data', dataDir, '--format', 'postman', '--filter', 'host:api.test', '--out', out('api.postman.json')]);
  const curl = await cli(run, ['--data', dataDir, '--format', 'curl', '--filter', 'method:PUT', '--out', out('put.sh')]);
  const ndjson = await cli(run, ['--data', dataDir, '--format', 'ndjson', '--filter', 'status:5xx or -host:api.test']);
  assert.deepStrictEqual(
    { har, postman, curl, ndjson: { ...ndjson, stdout: ndjson.stdout.split('\n') } },
    {
      har: { code: 0, stdout: '', stderr: `hindsight export: 3 flows written to ${out('all.har')}\n` },
      postman: { code: 0, stdout: '', stderr: `hindsight export: 2 flows written to ${out('api.postman.json')}\n` },
      curl: { code: 0, stdout: '', stderr: `hindsight export: 1 flow written to ${out('put.sh')}\n` },
      ndjson: { code: 0, stdout: [JSON.stringify(toLogLine(flows[1])), JSON.stringify(toLogLine(flows[2])), ''], stderr: 'hindsight export: 2 flows written\n' },
    },
  );

  const harDoc = JSON.parse(fs.readFileSync(out('all.har'), 'utf8')) as Har;
  assert.deepStrictEqual(await new HarValidator().verify(harDoc as Parameters<HarValidator['verify']>[0]), []);
  assert.deepStrictEqual(
    harDoc.log.entries.map((e) => [e._flowId, e.request.method, e.request.postData?.text ?? null, e.response.status, e.response.content.text ?? null]),
    [
      ['e1', 'POST', '{"name":"new"}', 201, json],
      ['e2', 'PUT', binary.toString('base64'), 503, null],
      ['e3', 'GET', null, 0, null],
    ],
  );

  const collection = JSON.parse(fs.readFileSync(out('api.postman.json'), 'utf8'));
  assert.deepStrictEqual(await new PostmanValidator().verify(collection), []);
  assert.deepStrictEqual(
    { folders: collection.item.map((f: { name: string; item: { name: string }[] }) => [f.name, f.item.map((i) => i.name)]), variable: collection.variable },
    { folders: [['http://api.test', ['POST /v1/items', 'PUT /v1/blob']]], variable: [{ key: 'host_api_test', value: 'http://api.test', type: 'string' }] },
  );
  // The binary request body went beside the collection (and the curl script), where both refer to it.
  assert.deepStrictEqual(fs.readFileSync(out('body-e2.bin')), binary);
  assert.match(fs.readFileSync(out('put.sh'), 'utf8'), /--data-binary @body-e2\.bin$/m);
});

test('a curl export runs as a script and sends the stored requests again', async () => {
  const origin = await startRecordingOrigin();
  cleanups.push(() => origin.close());
  const dataDir = temp.make();
  const outDir = temp.make();
  const { store } = await storeWithFlows(dataDir, origin.origin);
  await store.close();
  assert.equal((await cli(run, ['--data', dataDir, '--format', 'curl', '--filter', `host:127.0.0.1`, '--out', path.join(outDir, 'replay.sh')])).code, 0);
  await execFileAsync('bash', ['-c', `set -e; source ./replay.sh >/dev/null 2>&1`], { cwd: outDir });
  const host = `127.0.0.1:${origin.port}`;
  assert.deepStrictEqual(
    origin.received.map((r) => ({ method: r.method, url: r.url, headers: r.headers, body: r.body })),
    [
      { method: 'POST', url: '/v1/items', headers: [['Host', host], ['Content-Type', 'application/json'], ['User-Agent', 'app/1'], ['Accept', '*/*'], ['Content-Length', '14']], body: Buffer.from('{"name":"new"}') },
      { method: 'PUT', url: '/v1/blob', headers: [['Host', host], ['Content-Type', 'application/octet-stream'], ['User-Agent', 'app/1'], ['Accept', '*/*'], ['Content-Length', '4']], body: binary },
    ],
  );
});

test('bad arguments and a missing store are refused with a clear message', async () => {
  const empty = temp.make();
  const results = {
    noFormat: await cli(run, ['--data', empty]),
    badShell: await cli(run, ['--data', empty, '--format', 'curl', '--shell', 'fish']),
    badFilter: await cli(run, ['--data', empty, '--format', 'har', '--filter', 'status:abc']),
    noStore: await cli(run, ['--data', empty, '--format', 'har']),
  };
  assert.deepStrictEqual(
    Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { code: r.code, first: r.stderr.split('\n')[0] }])),
    {
      noFormat: { code: 2, first: 'hindsight export: --format must be one of har, curl, postman, ndjson' },
      badShell: { code: 2, first: "hindsight export: --shell must be one of bash, cmd, powershell, got 'fish'" },
      badFilter: { code: 2, first: 'hindsight export: bad filter' },
      noStore: { code: 1, first: `hindsight export: no flows stored in ${empty}` },
    },
  );
  assert.equal(fs.existsSync(dataPaths(empty).flowsDb), false, 'no store was created');
});

test('when a running instance holds the data dir, the export reads flows and bodies through its API', async () => {
  const dataDir = temp.make();
  const outDir = temp.make();
  const { store } = await storeWithFlows(dataDir);
  cleanups.push(() => store.close());
  const body = async (id: string, side: BodySide): Promise<BodyResult | null> => {
    const flow = await store.get(id);
    const ref = side === 'request' ? flow?.request.body : flow?.response?.body;
    if (!ref?.blob) return null;
    return { base64: (await store.bodies.read(ref)).toString('base64'), size: ref.size, storedSize: ref.storedSize, truncated: ref.truncated, decoded: false };
  };
  const handlers = {
    'flows.query': async (q: Parameters<FlowStore['query']>[0]) => store.query(q),
    'flows.get': async ({ id }: { id: string }) => store.get(id),
    'flows.body': async ({ id, side }: { id: string; side: BodySide }) => body(id, side),
  } as unknown as ApiHandlers;
  const api = createApiServerSide(handlers, { onDidChangeStatus: new Emitter<never>().event, store });
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => serveWebSocket(socket, api));
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  cleanups.push(() => api.dispose());
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as net.AddressInfo).port;
  fs.writeFileSync(dataPaths(dataDir).lockFile, JSON.stringify({ pid: process.pid, uiHost: '127.0.0.1', uiPort: port, token: 't', proxyPort: 0, startedAt: 0 }));
  // Moved away: had the CLI opened the files, it would have found nothing.
  fs.renameSync(dataPaths(dataDir).flowsDb, `${dataPaths(dataDir).flowsDb}.elsewhere`);

  const result = await cli(run, ['--data', dataDir, '--format', 'har', '--filter', 'host:api.test', '--out', path.join(outDir, 'live.har')]);
  const doc = JSON.parse(fs.readFileSync(path.join(outDir, 'live.har'), 'utf8')) as Har;
  assert.deepStrictEqual(
    { code: result.code, entries: doc.log.entries.map((e) => [e._flowId, e.request.postData?.text ?? null, e.response.content.text ?? null]) },
    { code: 0, entries: [['e1', '{"name":"new"}', json], ['e2', binary.toString('base64'), null]] },
  );
});

test('import adds a HAR to the store; a bad HAR imports nothing; an export gives the requests back', async () => {
  const dataDir = temp.make();
  const outDir = temp.make();
  const broken = path.join(outDir, 'broken.har');
  const doc = JSON.parse(fs.readFileSync(fixture, 'utf8'));
  doc.log.entries[2].response.status = 'ok';
  fs.writeFileSync(broken, JSON.stringify(doc));

  const bad = await cli(runImport, ['--data', dataDir, broken]);
  const good = await cli(runImport, ['--data', dataDir, fixture]);
  assert.deepStrictEqual(
    { bad, good },
    {
      bad: { code: 1, stdout: '', stderr: 'hindsight import: not a usable HAR file: entry 2: response.status must be a whole number\nNothing was imported.\n' },
      good: { code: 0, stdout: `Imported 4 flows from ${fixture} (made by WebInspector 537.36) into ${dataDir}\n`, stderr: '' },
    },
  );

  const exported = await cli(run, ['--data', dataDir, '--format', 'har', '--out', path.join(outDir, 'back.har')]);
  assert.equal(exported.code, 0, exported.stderr);
  const back = JSON.parse(fs.readFileSync(path.join(outDir, 'back.har'), 'utf8')) as Har;
  const original = doc.log.entries as Har['log']['entries'];
  assert.deepStrictEqual(
    back.log.entries.map((e) => ({ url: e.request.url, headers: e.request.headers, postData: e.request.postData?.text, status: e.response.status, text: e.response.content.text, encoding: e.response.content.encoding })),
    original.map((e, i) => ({
      url: e.request.url,
      headers: e.request.headers,
      postData: e.request.postData?.text,
      status: i === 2 ? 200 : e.response.status,
      text: e.response.content.text,
      encoding: e.response.content.encoding,
    })),
  );

  // The flows are marked imported in the store.
  const store = openFlowStore({ dataDir, maxFlows: Infinity });
  cleanups.push(() => store.close());
  await store.ready;
  assert.deepStrictEqual(store.query({}).flows.map((s) => [s.imported, s.method, s.status ?? null]).reverse(), [
    [true, 'GET', 200],
    [true, 'POST', 201],
    [true, 'GET', 200],
    [true, 'GET', null],
  ]);
});
