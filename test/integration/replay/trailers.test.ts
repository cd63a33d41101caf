// Replay resends request trailers (issue 17): a real Node http2 client sends a body and trailer fields through the
// proxy; replaying the flow (flows.replay), and sending its draft edited (flows.draft → flows.send), reach an h2
// origin with the trailers after the body, and an HTTP/1.1 origin with them in the last chunk of a chunked body.
// Each origin says what it received; the replayed flows record the trailers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import type { Flow } from '../../../electron/common/flow';
import { h2Request } from '../../helpers/h2';
import { useTrailerRig } from '../../helpers/trailer-rig';

const rig = useTrailerRig();

const TRAILERS = { 'x-checksum': 'c0ffee', 'x-count': '2' };

/** One h2 request with trailers through the proxy; resolves with its flow once finished. */
async function captured(host: string, port: number, path: string, body: string): Promise<Flow> {
  const s = await rig.session(host, port);
  await h2Request(s, { ':method': 'POST', ':path': path, 'content-type': 'text/plain' }, body, TRAILERS);
  const [flow] = await rig.proxy.finishedFlows(1);
  return flow;
}

/** The replayed flow, read whole from the store. */
async function stored(id: string): Promise<Flow> {
  const flow = await rig.proxy.core.store.get(id);
  assert.ok(flow, `flow ${id} is stored`);
  return flow;
}

const what = (flow: Flow) => ({ httpVersion: flow.request.httpVersion, trailers: flow.request.trailers, status: flow.response?.status, state: flow.state });

describe('replay sends the request trailers again', () => {
  test('an h2 flow replayed reaches the h2 origin with the same trailers after the body', async () => {
    const original = await captured('h2.test', rig.h2origin.tlsPort, '/echo', 'payload');
    const before = rig.h2origin.received.length;
    const [result] = await rig.proxy.core.replay.replay([original.id]);
    assert.ok('flow' in result, JSON.stringify(result));
    const replayed = await stored(result.flow.id);
    assert.deepEqual(
      { seen: rig.h2origin.received.slice(before).map((r) => ({ httpVersion: r.httpVersion, method: r.method, path: r.path, trailers: r.trailers })), replayed: what(replayed) },
      {
        seen: [{ httpVersion: '2.0', method: 'POST', path: '/echo', trailers: ['x-checksum', 'c0ffee', 'x-count', '2'] }],
        replayed: { httpVersion: '2', trailers: [['x-checksum', 'c0ffee'], ['x-count', '2']], status: 200, state: 'completed' },
      },
    );
  });

  test('replay with edits (flows.draft → flows.send): the draft carries the trailers, an edited one is sent as edited', async () => {
    const original = await captured('h2.test', rig.h2origin.tlsPort, '/echo', 'payload');
    const api = createApiHandlers(rig.proxy.core);
    const draft = await api['flows.draft']({ id: original.id });
    assert.ok(draft);
    const { basedOn, truncated: _truncated, ...request } = draft;
    assert.deepEqual({ basedOn, trailers: request.trailers }, { basedOn: original.id, trailers: [['x-checksum', 'c0ffee'], ['x-count', '2']] });
    const before = rig.h2origin.received.length;
    // flows.send goes out over HTTP/1.1 (a composed request has no HTTP version): chunked, trailers in the last chunk.
    const sent = await api['flows.send']({ request: { ...request, trailers: [['x-checksum', 'edited']] }, basedOn });
    const replayed = await stored(sent.id);
    assert.deepEqual(
      { seen: rig.h2origin.received.slice(before).map((r) => ({ method: r.method, path: r.path, trailers: r.trailers })), replayed: what(replayed) },
      {
        seen: [{ method: 'POST', path: '/echo', trailers: ['x-checksum', 'edited'] }],
        replayed: { httpVersion: '1.1', trailers: [['x-checksum', 'edited']], status: 200, state: 'completed' },
      },
    );
  });

  test('an h2 flow to an HTTP/1.1 origin replayed: the origin gets a chunked body and the trailers in its last chunk', async () => {
    const original = await captured('chunked.test', rig.h1origin.port, '/upload', 'two parts');
    const before = rig.h1origin.received.length;
    const [result] = await rig.proxy.core.replay.replay([original.id]);
    assert.ok('flow' in result, JSON.stringify(result));
    const replayed = await stored(result.flow.id);
    assert.deepEqual(
      { seen: rig.h1origin.received.slice(before).map((r) => ({ method: r.method, url: r.url, body: r.body, rawTrailers: r.rawTrailers })), replayed: what(replayed) },
      {
        seen: [{ method: 'POST', url: '/upload', body: 'two parts', rawTrailers: ['x-checksum', 'c0ffee', 'x-count', '2'] }],
        replayed: { httpVersion: '2', trailers: [['x-checksum', 'c0ffee'], ['x-count', '2']], status: 204, state: 'completed' },
      },
    );
  });

  test('a composed HTTP/1.1 request with a Content-Length and trailers goes chunked, Content-Length dropped', async () => {
    const url = `https://chunked.test:${rig.h1origin.port}/composed`;
    const before = rig.h1origin.received.length;
    const sent = await rig.proxy.core.replay.send({ method: 'PUT', url, headers: [['Content-Type', 'text/plain'], ['Content-Length', '3']], body: 'abc', trailers: [['X-Sum', '42']] });
    assert.deepEqual(
      { seen: rig.h1origin.received.slice(before).map((r) => ({ httpVersion: r.httpVersion, rawHeaders: r.rawHeaders, body: r.body, rawTrailers: r.rawTrailers })), state: sent.state },
      {
        seen: [{ httpVersion: '1.1', rawHeaders: ['Host', `chunked.test:${rig.h1origin.port}`, 'Content-Type', 'text/plain', 'Transfer-Encoding', 'chunked', 'Connection', 'keep-alive'], body: 'abc', rawTrailers: ['X-Sum', '42'] }],
        state: 'completed',
      },
    );
  });

  test('a trailer with a line break is refused before anything is sent, naming it', async () => {
    const before = rig.h1origin.received.length;
    await assert.rejects(
      rig.proxy.core.replay.send({ method: 'POST', url: `https://chunked.test:${rig.h1origin.port}/x`, headers: [], body: 'a', trailers: [['X-Bad', 'one\r\nInjected: yes']] }),
      { message: 'the X-Bad trailer contains a line break' },
    );
    assert.equal(rig.h1origin.received.length, before);
  });
});
