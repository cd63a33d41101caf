// Plain HTTP through the proxy (absolute-form and inside CONNECT), with curl and undici: what arrives at the
// origin and what the client gets are unchanged, and each exchange is recorded in full.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { headerValue } from '../../../electron/common/flow';
import { startOrigin, type Origin } from '../../helpers/origin';
import { stableFlow, startTestCore, type TestCore } from '../../helpers/core';
import { curl, proxyAgent } from './clients';

let origin: Origin;
let proxy: TestCore;

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  proxy = await startTestCore({ origin });
});
afterEach(() => proxy.dispose());

describe('HTTP forward proxy', () => {
  test('curl GET (absolute-form) is forwarded and recorded in full', async () => {
    const result = await curl(proxy.proxyUrl, ['-A', 'hindsight-test', '-H', 'X-Test: 1', '-H', 'x-test: 2', origin.url('/json?q=1')]);
    assert.deepEqual({ exit: result.exit, status: result.status, body: result.body }, { exit: 0, status: 200, body: '{"hello":"world"}' });
    const [flow] = await proxy.finishedFlows(1);
    const host = `origin.test:${origin.httpPort}`;
    assert.deepEqual(stableFlow(flow), {
      id: 'ID',
      seq: 1,
      schema: 1,
      startedAt: 0,
      state: 'completed',
      client: { ip: '127.0.0.1', port: 0 },
      server: { host: 'origin.test', port: origin.httpPort, ip: '127.0.0.1' },
      request: {
        method: 'GET',
        url: `http://${host}/json?q=1`,
        httpVersion: '1.1',
        headers: [
          ['Host', host],
          ['User-Agent', 'hindsight-test'],
          ['Accept', '*/*'],
          ['Proxy-Connection', 'Keep-Alive'],
          ['X-Test', '1'],
          ['x-test', '2'],
        ],
        body: { size: 0, storedSize: 0, truncated: false },
      },
      response: {
        status: 200,
        statusText: 'OK',
        // As the origin sent them: order, case and duplicates (Date varies).
        headers: [
          ['Content-Type', 'application/json'],
          ['X-Dup', 'one'],
          ['x-dup', 'two'],
          ['X-Mixed-Case', 'yes'],
          ['Content-Length', '17'],
          ['Date', headerValue(flow.response!.headers, 'date')],
          ['Connection', 'keep-alive'],
          ['Keep-Alive', 'timeout=5'],
        ],
        // Small bodies share a segment file (electron/core/store/segments.ts): segment 1, offset 0, 17 bytes.
        body: { size: 17, storedSize: 17, truncated: false, contentType: 'application/json', blob: 's1-0-17' },
      },
      timings: { reusedConnection: false, dnsMs: 'ms', connectMs: 'ms', sendMs: 'ms', waitMs: 'ms', receiveMs: 'ms', totalMs: 'ms' },
      appliedRules: [],
    });
    assert.equal((await proxy.core.store.bodies.read(flow.response!.body)).toString(), '{"hello":"world"}');
    // The origin got the client's headers in order and case, without the hop-by-hop Proxy-Connection.
    assert.deepEqual(origin.received.map((r) => [r.method, r.url, r.rawHeaders.filter((_, i) => i % 2 === 0)]), [
      ['GET', '/json?q=1', ['Host', 'User-Agent', 'Accept', 'X-Test', 'x-test', 'Connection']],
    ]);
  });

  test('undici POST (absolute-form and inside a CONNECT tunnel): bodies recorded, client sees the origin response', async () => {
    for (const tunnel of [false, true]) {
      const dispatcher = proxyAgent(proxy.proxyUrl, proxy.caPem, { tunnel });
      try {
        const response = await request(origin.url('/echo'), {
          dispatcher,
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'x-case': 'Kept' },
          body: 'hello body',
        });
        const echoed = (await response.body.json()) as { method: string; url: string; body: string; bodyBytes: number };
        assert.deepEqual(
          { status: response.statusCode, method: echoed.method, url: echoed.url, body: echoed.body, bytes: echoed.bodyBytes },
          { status: 200, method: 'POST', url: '/echo', body: 'hello body', bytes: 10 },
        );
      } finally {
        await dispatcher.close();
      }
    }
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({
        url: f.request.url,
        method: f.request.method,
        state: f.state,
        // The second request body's offset in the segment follows the first flow's bodies; read back below.
        requestBody: { ...f.request.body, blob: f.request.body.blob?.replace(/^s1-\d+-/, 's1-OFFSET-') },
        status: f.response?.status,
        responseType: f.response?.body.contentType,
      })),
      [false, true].map(() => ({
        url: origin.url('/echo'),
        method: 'POST',
        state: 'completed',
        requestBody: { size: 10, storedSize: 10, truncated: false, contentType: 'text/plain', blob: 's1-OFFSET-10' },
        status: 200,
        responseType: 'application/json',
      })),
    );
    for (const f of flows) assert.equal((await proxy.core.store.bodies.read(f.request.body)).toString(), 'hello body');
  });

  test('a client bound to 127.0.0.2 is recorded as 127.0.0.2 (curl --interface, undici localAddress)', async () => {
    const viaCurl = await curl(proxy.proxyUrl, ['--interface', '127.0.0.2', origin.url('/json')]);
    assert.equal(viaCurl.status, 200);
    const dispatcher = proxyAgent(proxy.proxyUrl, proxy.caPem, { tunnel: false, localAddress: '127.0.0.2' });
    try {
      const response = await request(origin.url('/json'), { dispatcher });
      assert.equal(response.statusCode, 200);
      await response.body.text();
    } finally {
      await dispatcher.close();
    }
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => f.client.ip),
      ['127.0.0.2', '127.0.0.2'],
    );
  });

  test('compressed bodies are passed on and stored as received', async () => {
    const result = await curl(proxy.proxyUrl, ['--compressed', origin.url('/gzip')]);
    assert.deepEqual({ status: result.status, compressed: JSON.parse(result.body).compressed }, { status: 200, compressed: true });
    const [flow] = await proxy.finishedFlows(1);
    const stored = await proxy.core.store.bodies.read(flow.response!.body);
    assert.deepEqual(
      { encoding: flow.response!.body.encoding, size: flow.response!.body.size, gzipMagic: stored.subarray(0, 2).toString('hex') },
      { encoding: 'gzip', size: stored.length, gzipMagic: '1f8b' },
    );
  });

  test('keep-alive: the second request reuses the pooled upstream connection', async () => {
    const dispatcher = proxyAgent(proxy.proxyUrl, proxy.caPem, { tunnel: false });
    try {
      for (let i = 0; i < 2; i++) {
        const response = await request(origin.url('/json'), { dispatcher });
        await response.body.text();
      }
    } finally {
      await dispatcher.close();
    }
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ reused: f.timings.reusedConnection, hasDns: 'dnsMs' in f.timings, hasConnect: 'connectMs' in f.timings })),
      [
        { reused: false, hasDns: true, hasConnect: true },
        { reused: true, hasDns: false, hasConnect: false },
      ],
    );
  });

  test('capture off forwards without recording; on again records', async () => {
    proxy.core.setCapture(false);
    assert.equal((await curl(proxy.proxyUrl, [origin.url('/json?off')])).status, 200);
    proxy.core.setCapture(true);
    assert.equal((await curl(proxy.proxyUrl, [origin.url('/json?on')])).status, 200);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { url: flow.request.url, stored: proxy.core.store.count(), capture: proxy.core.status().capture, arrived: origin.received.length },
      { url: origin.url('/json?on'), stored: 1, capture: true, arrived: 2 },
    );
  });

  test('a request addressed to the proxy itself is answered, not forwarded in a loop', async () => {
    const result = await curl(proxy.proxyUrl, [`${proxy.proxyUrl}/`]);
    assert.deepEqual({ status: result.status, mentions: result.body.includes('Hindsight is running') }, { status: 200, mentions: true });
    assert.equal(proxy.core.store.count(), 0);
  });
});
