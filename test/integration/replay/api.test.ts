// The replay, composer and diff methods over the in-memory API transport, against a real core and origin.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../electron/common/api';
import type { DisposableApiClient } from '../../../electron/common/api-client';
import { createApiServerSide, type ApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { curl, pemFile } from '../capture/clients';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startRecordingOrigin, type RecordingOrigin } from './recording-origin';

let origin: RecordingOrigin;
let t: TestCore;
let server: ApiServerSide;
let client: DisposableApiClient;
let ca: { file: string; dispose(): void };

before(async () => {
  origin = await startRecordingOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  t = await startTestCore({ upstreamCa: [origin.caPem] });
  ca = pemFile(t.caPem);
  server = createApiServerSide(createApiHandlers(t.core), t.core);
  client = connectInMemory(server);
});
afterEach(async () => {
  client.dispose();
  server.dispose();
  await t.dispose();
  ca.dispose();
});

async function rejection(p: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return { code: err.code, message: err.message };
  }
  return assert.fail('expected the call to fail');
}

test('flows.replay answers with the new flows in order; flows.diff compares a replay with its original', async () => {
  const r = await curl(t.proxyUrl, ['-H', 'Content-Type: application/json', '--data-raw', '{"n":1}', origin.url('/orders', true)], { caFile: ca.file });
  assert.equal(r.exit, 0, r.stderr);
  const [original] = await t.finishedFlows(1);
  const { results } = await client.call('flows.replay', { ids: [original.id, 'gone'], rules: 'bypass' });
  const [first, second] = results;
  assert.ok('flow' in first);
  assert.deepEqual(
    { first: { of: first.of, replayOf: first.flow.replayOf, status: first.flow.status, method: first.flow.method, url: first.flow.url }, second },
    {
      first: { of: original.id, replayOf: original.id, status: 200, method: 'POST', url: original.request.url },
      second: { of: 'gone', error: { code: 'not-found', message: 'no flow gone' } },
    },
  );
  const diff = await client.call('flows.diff', { a: original.id, b: first.flow.id });
  const shown = await client.call('flows.diff', { a: original.id, b: first.flow.id, hideVolatile: false });
  assert.deepEqual(
    {
      same: diff.same,
      b: diff.b.replayOf,
      request: diff.request,
      responseHeaders: diff.response.headers,
      responseBody: diff.response.body,
      shownHeaders: shown.response.headers.changes.map((c) => c.name),
    },
    {
      same: false,
      b: original.id,
      request: {
        headers: { changes: [], unchanged: original.request.headers.length, hidden: [] },
        body: { kind: 'json', same: true, a: { size: 7, truncated: false, contentType: 'application/json' }, b: { size: 7, truncated: false, contentType: 'application/json' }, changes: [], more: 0 },
      },
      responseHeaders: { changes: [], unchanged: 4, hidden: ['Date'] },
      responseBody: {
        kind: 'json',
        same: false,
        a: { size: 28, truncated: false, contentType: 'application/json' },
        b: { size: 28, truncated: false, contentType: 'application/json' },
        changes: [{ type: 'changed', path: '$.index', a: 0, b: 1 }],
        more: 0,
      },
      shownHeaders: ['Date'],
    },
  );
});

test('paste curl, edit, send: the parsed request goes out as parsed and the new flow links to its base', async () => {
  const r = await curl(t.proxyUrl, [origin.url('/base')], { caFile: ca.file });
  assert.equal(r.exit, 0, r.stderr);
  const [base] = await t.finishedFlows(1);
  const parsed = await client.call('flows.parseCurl', { command: `curl -u me:pw -H 'X-A: 1' --json '{"a":1}' '${origin.url('/pasted?x=1')}'` });
  const sent = await client.call('flows.send', { request: parsed.request, basedOn: base.id, rules: 'apply' });
  const draft = await client.call('flows.draft', { id: sent.id });
  const host = `origin.test:${origin.httpPort}`;
  assert.deepEqual(
    { arrived: origin.received[1], sent: { replayOf: sent.replayOf, status: sent.status, method: sent.method }, draft },
    {
      arrived: {
        method: 'POST',
        target: '/pasted?x=1',
        httpVersion: '1.1',
        rawHeaders: ['Host', host, 'Authorization', 'Basic bWU6cHc=', 'X-A', '1', 'Content-Type', 'application/json', 'Accept', 'application/json', 'Content-Length', '7', 'Connection', 'keep-alive'],
        body: Buffer.from('{"a":1}').toString('base64'),
        secure: false,
      },
      sent: { replayOf: base.id, status: 200, method: 'POST' },
      draft: { basedOn: sent.id, ...parsed.request },
    },
  );
});

test('bad calls name what is wrong', async () => {
  assert.deepEqual(
    await Promise.all([
      rejection(client.call('flows.parseCurl', { command: 'curl -d @x http://a.test/' })),
      rejection(client.call('flows.send', { request: { method: 'GET', url: 'ftp://a.test/', headers: [] } })),
      rejection(client.call('flows.send', { request: { method: 'GET', url: 'http://a.test/', headers: [['X', 1 as unknown as string]] } })),
      rejection(client.call('flows.send', { request: { method: 'GET', url: 'http://a.test/', headers: [] }, basedOn: 'nope' })),
      rejection(client.call('flows.send', { request: { method: 'GET', url: `http://127.0.0.1:${t.port}/`, headers: [] } })),
      rejection(client.call('flows.replay', { ids: ['x'], rules: 'sometimes' as 'apply' })),
      rejection(client.call('flows.diff', { a: 'x', b: 'y' })),
    ]),
    [
      { code: 'bad-curl', message: "--data @x reads a file, which a pasted command cannot bring along; paste the content instead (--data-raw '…')" },
      { code: 'bad-params', message: 'only http and https URLs can be sent (got ftp://a.test/)' },
      { code: 'bad-params', message: 'flows.send: request.headers[0] must be a [name, value] pair of strings' },
      { code: 'not-found', message: 'no flow nope' },
      { code: 'bad-params', message: `127.0.0.1:${t.port} is Hindsight's own proxy address` },
      { code: 'bad-params', message: "flows.replay: param 'rules' must be one of 'apply', 'bypass'" },
      { code: 'not-found', message: 'no flow x' },
    ],
  );
});
