/**
 * export.flows and flows.import over the in-memory API against a real core, and the UI server's streaming
 * /api/export route over a real socket: the documents are the ones the export writers make, an export
 * imports back, and a broken HAR is refused whole.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { ApiError, type ApiClient } from '../../../electron/common/api';
import type { Flow } from '../../../electron/common/flow';
import { createApiServerSide, type ApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { toCurl } from '../../../electron/core/export/curl';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { addFlows, openTestCore, writeBody, type TestCore } from '../api/harness';
import { makeFlow } from '../../helpers/flows';

function get(port: number, pathAndQuery: string, headers: http.OutgoingHttpHeaders = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function rejection(promise: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return { code: err.code, message: err.message };
  }
  throw new Error('expected the call to fail');
}

describe('export.flows, flows.import and /api/export', () => {
  let t: TestCore;
  let server: ApiServerSide;
  let client: ApiClient & { dispose(): void };
  let ui: UiServer;
  let text: Flow;
  let binary: Flow;
  let other: Flow;
  const binaryBytes = Buffer.from([0, 1, 2, 250, 251, 252]);

  before(async () => {
    t = await openTestCore();
    server = createApiServerSide(createApiHandlers(t.core), t.core);
    client = connectInMemory(server);
    ui = await startUiServer(t.core, { port: 0, rendererDir: t.dataDir, api: server });
  });

  after(async () => {
    client?.dispose();
    await ui?.close();
    server?.dispose();
    await t?.close();
  });

  beforeEach(async () => {
    await t.core.store.clear({ includePinned: true });
    text = makeFlow({ response: true, request: { method: 'POST', url: 'http://api.test/items?x=1', httpVersion: '1.1', headers: [['Host', 'api.test'], ['Content-Type', 'application/json']], body: { size: 0, storedSize: 0, truncated: false } } });
    text.request.body = await writeBody(t.core, text.id, 'request', Buffer.from('{"a":1}'), { contentType: 'application/json' });
    text.response!.body = await writeBody(t.core, text.id, 'response', Buffer.from('{"ok":true}'), { contentType: 'application/json' });
    binary = makeFlow({ response: true, request: { method: 'PUT', url: 'http://files.test/upload', httpVersion: '1.1', headers: [['Host', 'files.test']], body: { size: 0, storedSize: 0, truncated: false } } });
    binary.request.body = await writeBody(t.core, binary.id, 'request', binaryBytes, { contentType: 'application/octet-stream' });
    binary.response!.body = { size: 0, storedSize: 0, truncated: false };
    other = makeFlow({ response: true, request: { method: 'GET', url: 'http://other.test/', httpVersion: '1.1', headers: [['Host', 'other.test']], body: { size: 0, storedSize: 0, truncated: false } } });
    other.response!.body = { size: 0, storedSize: 0, truncated: false };
    await addFlows(t.core, [text, binary, other]);
  });

  it('curl for each shell is toCurl of the stored flow, with binary bodies as files', async () => {
    for (const shell of ['bash', 'cmd', 'powershell'] as const) {
      const result = await client.call('export.flows', { ids: [text.id, binary.id], format: 'curl', shell });
      const stored = [await t.core.store.get(text.id), await t.core.store.get(binary.id)];
      const expected = [toCurl(stored[0]!, Buffer.from('{"a":1}'), shell), toCurl(stored[1]!, binaryBytes, shell)];
      assert.deepEqual(
        { text: result.text, count: result.count, files: result.files, fileName: /^hindsight-\d{8}-\d{6}\.(sh|cmd|ps1)$/.test(result.fileName) },
        {
          text: `${expected[0].command}\n\n${expected[1].command}\n`,
          count: 2,
          files: [{ name: expected[1].files[0].name, base64: binaryBytes.toString('base64') }],
          fileName: true,
        },
      );
    }
  });

  it('a filtered HAR export imports back as the same requests, marked imported', async () => {
    const exported = await client.call('export.flows', { filter: 'host:api.test or host:other.test', format: 'har' });
    const har = JSON.parse(exported.text) as { log: { entries: { request: { method: string; url: string; postData?: { text: string } } }[] } };
    assert.deepEqual(
      har.log.entries.map((e) => [e.request.method, e.request.url, e.request.postData?.text]),
      [
        ['POST', 'http://api.test/items?x=1', '{"a":1}'],
        ['GET', 'http://other.test/', undefined],
      ],
    );
    const result = await client.call('flows.import', { harText: exported.text });
    assert.equal(result.imported, 2);
    const imported = await Promise.all(result.ids.map((id) => t.core.store.get(id)));
    assert.deepEqual(
      imported.map((f) => [f?.imported, f?.request.method, f?.request.url]),
      [
        [true, 'POST', 'http://api.test/items?x=1'],
        [true, 'GET', 'http://other.test/'],
      ],
    );
    const body = await client.call('flows.body', { id: result.ids[0], side: 'request' });
    assert.equal(Buffer.from(body!.base64, 'base64').toString(), '{"a":1}');
  });

  it('a broken HAR imports nothing and says why', async () => {
    const before = t.core.store.query({ limit: 1 }).total;
    const truncated = await rejection(client.call('flows.import', { harText: '{"log": {"version": "1.2", "entries": [' }));
    assert.deepEqual({ code: truncated.code, json: truncated.message.startsWith('not a usable HAR file: not valid JSON') }, { code: 'bad-har', json: true });
    const notHar = await rejection(client.call('flows.import', { harText: '{"hello": 1}' }));
    assert.deepEqual(notHar, { code: 'bad-har', message: 'not a usable HAR file: no log.version: this is not a HAR file (expected {"log": {"version": "1.2", "entries": [...]}})' });
    assert.equal(t.core.store.query({ limit: 1 }).total, before);
  });

  it('bad export params are refused, naming the param', async () => {
    assert.deepEqual(await rejection(client.call('export.flows', { format: 'xml' as 'har' })), {
      code: 'bad-params',
      message: "export.flows: param 'format' must be one of 'har', 'postman', 'curl', 'ndjson'",
    });
    assert.deepEqual((await rejection(client.call('export.flows', { format: 'har', filter: 'status:abc' }))).code, 'bad-filter');
    assert.deepEqual(await rejection(client.call('export.flows', { format: 'har', filter: 'x', ids: [text.id] })), {
      code: 'bad-params',
      message: "export.flows: give either 'ids' or 'filter', not both",
    });
  });

  it('the download route streams the same document, needs the Bearer token or a one-time ticket, and refuses curl', async () => {
    const auth = { Authorization: `Bearer ${ui.token}` };
    const viaApi = await client.call('export.flows', { ids: [other.id, text.id], format: 'ndjson' });
    const route = await get(ui.port, `/api/export?format=ndjson&ids=${other.id},${text.id}`, auth);
    assert.deepEqual(
      { status: route.status, type: route.headers['content-type'], disposition: /^attachment; filename="hindsight-\d{8}-\d{6}\.ndjson"$/.test(String(route.headers['content-disposition'])), body: route.body },
      { status: 200, type: 'application/x-ndjson; charset=utf-8', disposition: true, body: viaApi.text },
    );
    const { ticket } = await client.call('export.ticket', { filter: 'method:PUT', format: 'har' });
    const har = await get(ui.port, `/api/export?ticket=${ticket}`);
    const again = await get(ui.port, `/api/export?ticket=${ticket}`);
    assert.deepEqual(
      {
        urls: (JSON.parse(har.body) as { log: { entries: { request: { url: string } }[] } }).log.entries.map((e) => e.request.url),
        again: [again.status, again.body],
        noToken: (await get(ui.port, `/api/export?format=har`)).status,
        queryToken: (await get(ui.port, `/api/export?format=har&token=${ui.token}`)).status,
        badTicket: (await get(ui.port, `/api/export?ticket=nope`)).status,
        curlTicket: await client.call('export.ticket', { format: 'curl' }).then(() => 'issued', (e: Error) => e.message),
      },
      {
        urls: ['http://files.test/upload'],
        again: [401, 'Unauthorized: this download ticket is unknown, used or expired; start the download again\n'],
        noToken: 401,
        queryToken: 401,
        badTicket: 401,
        curlTicket: 'export.ticket: curl exports go through export.flows (binary bodies are separate files)',
      },
    );
    const curlRoute = await get(ui.port, `/api/export?format=curl`, auth);
    assert.deepEqual([curlRoute.status, curlRoute.body], [400, '/api/export: curl exports go through the export.flows method (binary bodies are separate files)\n']);
    const badFilter = await get(ui.port, `/api/export?format=har&filter=status%3Aabc`, auth);
    assert.equal(badFilter.status, 400);
  });
});
