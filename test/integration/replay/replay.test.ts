// Replay and edit-and-resend through the real proxy: originals are captured from curl, replays go out
// through the core's replay service, and a recording origin shows what each request looked like on arrival.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Flow } from '../../../electron/common/flow';
import type { ReplayResult } from '../../../electron/core/replay';
import { curl, pemFile } from '../capture/clients';
import { startTestCore, type TestCore } from '../../helpers/core';
import { makeFlow } from '../../helpers/flows';
import { startRecordingOrigin, type RecordingOrigin } from './recording-origin';

let origin: RecordingOrigin;
let t: TestCore;
let ca: { file: string; dispose(): void };
let dir: string;

before(async () => {
  origin = await startRecordingOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
});
afterEach(async () => {
  await t?.dispose();
  ca?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(options: Parameters<typeof startTestCore>[0] = {}): Promise<void> {
  t = await startTestCore({ upstreamCa: [origin.caPem], ...options });
  ca = pemFile(t.caPem);
}

/** Every byte value, CR LF pairs and a NUL run: a body no text handling would keep intact. */
const BINARY = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('\r\n\r\n\0\0\0end')]);

let captured = 0;
/** Sends one request with curl through the proxy and returns its finished flow. */
async function capture(args: string[]): Promise<Flow> {
  // --http1.1: these tests replay HTTP/1.1 byte for byte; curl would otherwise speak h2 to the proxy (h2 replays:
  // test/integration/capture/h2/).
  const r = await curl(t.proxyUrl, ['--http1.1', ...args], { caFile: ca.file });
  assert.equal(r.exit, 0, r.stderr);
  captured++;
  const flows = await t.finishedFlows(captured);
  return flows[captured - 1];
}

async function binaryOriginal(secure: boolean): Promise<Flow> {
  const file = path.join(dir, 'body.bin');
  fs.writeFileSync(file, BINARY);
  return capture(['-X', 'PUT', '-H', 'X-Dup: one', '-H', 'x-dup: two', '-H', 'X-Mixed-CASE: Yes', '-H', 'Content-Type: application/octet-stream', '--data-binary', `@${file}`, origin.url('/upload/it?q=1&q=2', secure)]);
}

const ok = (r: ReplayResult): Flow => {
  if ('error' in r) assert.fail(`replay of ${r.of} failed: ${r.error.message}`);
  return r.flow;
};

/** The request as stored, without what differs by nature between two flows (ids in body file names). */
const storedRequest = (flow: Flow) => ({ ...flow.request, body: { ...flow.request.body, blob: flow.request.body.blob ? 'BLOB' : undefined } });

for (const secure of [false, true]) {
  const scheme = secure ? 'HTTPS' : 'HTTP';
  describe(`replay over ${scheme}`, () => {
    beforeEach(() => start());

    test(`sends the stored request again byte for byte: method, URL, headers in order with case and duplicates, binary body (${scheme})`, async () => {
      captured = 0;
      const original = await binaryOriginal(secure);
      const [result] = await t.core.replay.replay([original.id]);
      const replayed = ok(result);
      const bodies = await Promise.all([original, replayed].map((f) => t.core.store.bodies.read(f.request.body)));
      assert.equal(origin.received.length, 2);
      assert.deepEqual(
        {
          arrived: origin.received[1],
          stored: storedRequest(replayed),
          body: bodies[1].toString('base64'),
          replayOf: replayed.replayOf,
          state: replayed.state,
          status: replayed.response?.status,
          client: replayed.client.ip,
          timed: typeof replayed.timings.totalMs === 'number',
        },
        {
          arrived: origin.received[0],
          stored: storedRequest(original),
          body: BINARY.toString('base64'),
          replayOf: original.id,
          state: 'completed',
          status: 200,
          client: '127.0.0.1',
          timed: true,
        },
      );
      // The original really was what the test meant to send.
      assert.deepEqual(
        { method: origin.received[0].method, target: origin.received[0].target, body: origin.received[0].body, dups: original.request.headers.filter(([n]) => /^x-dup$/i.test(n)) },
        { method: 'PUT', target: '/upload/it?q=1&q=2', body: BINARY.toString('base64'), dups: [['X-Dup', 'one'], ['x-dup', 'two']] },
      );
      assert.equal((await t.core.store.get(replayed.id))?.replayOf, original.id);
    });

    test(`edit and resend: the composed request arrives as written, linked to the flow it was based on (${scheme})`, async () => {
      captured = 0;
      const original = await binaryOriginal(secure);
      const host = `origin.test:${secure ? origin.httpsPort : origin.httpPort}`;
      const flow = await t.core.replay.send(
        { method: 'PATCH', url: origin.url('/edited?x=1', secure), headers: [['Host', host], ['X-Edited', 'yes'], ['x-edited', 'twice'], ['Content-Length', '999']], body: '{"a":"é"}', bodyEncoding: 'utf8' },
        { basedOn: original.id },
      );
      const fromScratch = await t.core.replay.send({ method: 'GET', url: origin.url('/scratch', secure), headers: [['Accept', 'text/plain']] });
      assert.deepEqual(
        { edited: origin.received[1], scratch: origin.received[2], linked: [flow.replayOf, fromScratch.replayOf], states: [flow.state, fromScratch.state] },
        {
          edited: {
            method: 'PATCH',
            target: '/edited?x=1',
            httpVersion: '1.1',
            // Connection is the proxy's own hop to the origin, as for every request it forwards.
            rawHeaders: ['Host', host, 'X-Edited', 'yes', 'x-edited', 'twice', 'Content-Length', '10', 'Connection', 'keep-alive'],
            body: Buffer.from('{"a":"é"}').toString('base64'),
            secure,
          },
          scratch: { method: 'GET', target: '/scratch', httpVersion: '1.1', rawHeaders: ['Host', host, 'Accept', 'text/plain', 'Connection', 'keep-alive'], body: '', secure },
          linked: [original.id, undefined],
          states: ['completed', 'completed'],
        },
      );
    });
  });
}

describe('replay choices and limits', () => {
  test('through the rules a mock answers; bypassing them the origin does', async () => {
    await start();
    captured = 0;
    const original = await capture(['-H', 'X-Case: rules', origin.url('/ruled')]);
    await t.core.rules.store.save({
      name: 'mock the ruled path',
      matchers: [{ type: 'url', pattern: origin.url('/ruled*'), syntax: 'wildcard' }],
      action: { type: 'mock', status: 418, headers: [['Content-Type', 'text/plain']], body: 'mocked' },
    });
    const [applied] = await t.core.replay.replay([original.id], { rules: 'apply' });
    const afterApply = origin.received.length;
    const [bypassed] = await t.core.replay.replay([original.id], { rules: 'bypass' });
    const view = (f: Flow) => ({ status: f.response?.status, rules: f.appliedRules.map((r) => r.kind), replayOf: f.replayOf });
    assert.deepEqual(
      { applied: view(ok(applied)), originAfterApply: afterApply, bypassed: view(ok(bypassed)), originAfterBypass: origin.received.length },
      { applied: { status: 418, rules: ['mock'], replayOf: original.id }, originAfterApply: 1, bypassed: { status: 200, rules: [], replayOf: original.id }, originAfterBypass: 2 },
    );
  });

  test("a rule scoped to the original client applies to that client's replays, not to others'", async () => {
    await start();
    captured = 0;
    const fromPhone = await capture(['--interface', '127.0.0.2', origin.url('/scoped')]);
    const fromOther = await capture(['--interface', '127.0.0.3', origin.url('/scoped')]);
    await t.core.rules.store.save({
      name: 'mock for the phone only',
      scope: { clients: ['127.0.0.2'] },
      matchers: [{ type: 'url', pattern: origin.url('/scoped'), syntax: 'wildcard' }],
      action: { type: 'mock', status: 503, headers: [], body: 'phone mock' },
    });
    const [phone, other] = await t.core.replay.replay([fromPhone.id, fromOther.id], { rules: 'apply' });
    const view = (f: Flow) => ({ client: f.client.ip, status: f.response?.status, rules: f.appliedRules.map((r) => r.kind) });
    assert.deepEqual(
      { originals: [fromPhone.client.ip, fromOther.client.ip], phone: view(ok(phone)), other: view(ok(other)) },
      {
        originals: ['127.0.0.2', '127.0.0.3'],
        // The replay's own client is Hindsight; the rules judge it as the device that first sent it.
        phone: { client: '127.0.0.1', status: 503, rules: ['mock'] },
        other: { client: '127.0.0.1', status: 200, rules: [] },
      },
    );
  });

  test('several flows replay one after another, results in the order asked', async () => {
    await start();
    captured = 0;
    const a = await capture([origin.url('/a')]);
    const b = await capture(['-d', 'b=1', origin.url('/b', true)]);
    const c = await capture([origin.url('/c')]);
    const results = await t.core.replay.replay([c.id, a.id, b.id, c.id]);
    const flows = results.map(ok);
    assert.deepEqual(
      {
        of: results.map((r) => r.of),
        replayOf: flows.map((f) => f.replayOf),
        arrived: origin.received.slice(3).map((r) => `${r.method} ${r.target}`),
        seqIncreasing: flows.every((f, i) => i === 0 || f.seq > flows[i - 1].seq),
      },
      { of: [c.id, a.id, b.id, c.id], replayOf: [c.id, a.id, b.id, c.id], arrived: ['GET /c', 'GET /a', 'POST /b', 'GET /c'], seqIncreasing: true },
    );
  });

  test('a truncated request body is refused unless allowed; then the stored part goes out with its length', async () => {
    await start({ store: { bodyCap: 16 } });
    captured = 0;
    const original = await capture(['--data-binary', 'x'.repeat(100), '-H', 'Content-Type: text/plain', origin.url('/big')]);
    const [refused] = await t.core.replay.replay([original.id]);
    const arrivedAfterRefusal = origin.received.length;
    const [allowed] = await t.core.replay.replay([original.id], { allowTruncated: true });
    assert.deepEqual(
      { refused, arrivedAfterRefusal, allowedBody: origin.received[1]?.body, length: headerOf(origin.received[1]?.rawHeaders ?? [], 'content-length'), flow: ok(allowed).replayOf },
      {
        refused: { of: original.id, error: { code: 'truncated', message: 'the stored request body was truncated at 16 of 100 bytes; it cannot be replayed exactly' } },
        arrivedAfterRefusal: 1,
        allowedBody: Buffer.from('x'.repeat(16)).toString('base64'),
        length: '16',
        flow: original.id,
      },
    );
  });

  test('an imported HTTP/2 request replays over HTTP/1.1: pseudo-headers dropped, Host from :authority', async () => {
    await start();
    const authority = `origin.test:${origin.httpsPort}`;
    const flow = makeFlow({
      id: 'imported-h2',
      imported: true,
      state: 'completed',
      request: {
        method: 'POST',
        url: `https://${authority}/imported?via=har`,
        httpVersion: '2.0',
        headers: [[':method', 'POST'], [':authority', authority], [':scheme', 'https'], [':path', '/imported?via=har'], ['content-type', 'text/plain'], ['x-h2', '1']],
        body: { size: 0, storedSize: 0, truncated: false },
      },
      response: true,
    });
    const writer = t.core.store.bodies.open(flow.id, 'request', { contentType: 'text/plain' });
    writer.write(Buffer.from('hello'));
    flow.request.body = writer.end();
    t.core.store.flowStarted(flow);
    const [result] = await t.core.replay.replay([flow.id]);
    assert.equal(ok(result).replayOf, 'imported-h2');
    assert.deepEqual(origin.received, [
      { method: 'POST', target: '/imported?via=har', httpVersion: '1.1', rawHeaders: ['Host', authority, 'content-type', 'text/plain', 'x-h2', '1', 'Content-Length', '5', 'Connection', 'keep-alive'], body: Buffer.from('hello').toString('base64'), secure: true },
    ]);
  });

  test('a replay is recorded with capture off; flows that cannot be replayed say why', async () => {
    await start();
    captured = 0;
    const original = await capture([origin.url('/off')]);
    t.core.setCapture(false);
    const live = makeFlow({ id: 'still-live', state: 'live' });
    const socket = makeFlow({ id: 'a-socket', websocket: true, response: true });
    const badUrl = makeFlow({ id: 'bad-url', response: true, request: { method: 'GET', url: 'http://api.test/a b', httpVersion: '1.1', headers: [], body: { size: 0, storedSize: 0, truncated: false } } });
    for (const f of [live, socket, badUrl]) t.core.store.flowStarted(f);
    const results = await t.core.replay.replay([original.id, 'no-such-flow', live.id, socket.id, badUrl.id]);
    const [first, ...rest] = results;
    assert.deepEqual(
      { recorded: (await t.core.store.get(ok(first).id))?.replayOf, rest },
      {
        recorded: original.id,
        rest: [
          { of: 'no-such-flow', error: { code: 'not-found', message: 'no flow no-such-flow' } },
          { of: 'still-live', error: { code: 'unsupported', message: 'the flow has not finished yet; replay it when it has' } },
          { of: 'a-socket', error: { code: 'unsupported', message: 'WebSocket connections cannot be replayed: only the handshake was stored, not the messages' } },
          { of: 'bad-url', error: { code: 'invalid', message: 'the URL contains spaces or control characters' } },
        ],
      },
    );
  });

  test('a stored request as a composer draft: text as text, bytes as base64, sent back unchanged', async () => {
    await start();
    captured = 0;
    const binary = await binaryOriginal(false);
    const text = await capture(['-H', 'Content-Type: application/json', '--data-raw', '{"k":"v"}', origin.url('/text')]);
    const [binaryDraft, textDraft] = await Promise.all([t.core.replay.draft(binary.id), t.core.replay.draft(text.id)]);
    assert.deepEqual(
      { binary: binaryDraft, text: textDraft, missing: await t.core.replay.draft('nope') },
      {
        binary: { basedOn: binary.id, method: 'PUT', url: binary.request.url, headers: binary.request.headers, body: BINARY.toString('base64'), bodyEncoding: 'base64' },
        text: { basedOn: text.id, method: 'POST', url: text.request.url, headers: text.request.headers, body: '{"k":"v"}', bodyEncoding: 'utf8' },
        missing: null,
      },
    );
    const { basedOn, ...request } = binaryDraft!;
    await t.core.replay.send(request, { basedOn });
    assert.deepEqual(origin.received[2], origin.received[0]);
  });
});

function headerOf(raw: string[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name) return raw[i + 1];
  return undefined;
}
