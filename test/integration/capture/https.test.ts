// Intercepted HTTPS: CONNECT tunnels terminated with the core's CA, the upstream verified against the test
// origin's CA, and flows that name the real client (not the proxy's own loopback) and the upstream TLS.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { headerValue } from '../../../electron/common/flow';
import { startOrigin, type Origin } from '../../helpers/origin';
import { stableFlow, startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile, proxyAgent } from './clients';

let origin: Origin;
let proxy: TestCore;
let ca: ReturnType<typeof pemFile>;

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  proxy = await startTestCore({ origin });
  ca = pemFile(proxy.caPem);
});
afterEach(async () => {
  ca.dispose();
  await proxy.dispose();
});

describe('HTTPS through CONNECT', () => {
  test('curl with the printed CA: the exchange is intercepted and recorded in full', async () => {
    const url = origin.url('/json', { secure: true });
    // --http1.1: curl offers h2 by default, which the proxy now speaks (test/integration/capture/h2/).
    const result = await curl(proxy.proxyUrl, ['--http1.1', '-A', 'hindsight-test', url], { caFile: ca.file });
    assert.deepEqual({ exit: result.exit, status: result.status, body: result.body }, { exit: 0, status: 200, body: '{"hello":"world"}' });
    const [flow] = await proxy.finishedFlows(1);
    const host = `origin.test:${origin.httpsPort}`;
    assert.deepEqual(stableFlow(flow), {
      id: 'ID',
      seq: 1,
      schema: 1,
      startedAt: 0,
      state: 'completed',
      client: { ip: '127.0.0.1', port: 0 },
      server: { host: 'origin.test', port: origin.httpsPort, ip: '127.0.0.1', tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: 'origin.test' } },
      request: {
        method: 'GET',
        url: `https://${host}/json`,
        httpVersion: '1.1',
        headers: [
          ['Host', host],
          ['User-Agent', 'hindsight-test'],
          ['Accept', '*/*'],
        ],
        body: { size: 0, storedSize: 0, truncated: false },
      },
      response: {
        status: 200,
        statusText: 'OK',
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
      timings: { reusedConnection: false, dnsMs: 'ms', connectMs: 'ms', tlsMs: 'ms', sendMs: 'ms', waitMs: 'ms', receiveMs: 'ms', totalMs: 'ms' },
      appliedRules: [],
    });
    assert.deepEqual(origin.received.at(-1)?.secure, true);
  });

  test('the real client address inside the tunnel: 127.0.0.2 with curl --interface and undici localAddress', async () => {
    const viaCurl = await curl(proxy.proxyUrl, ['--interface', '127.0.0.2', origin.url('/json', { secure: true })], { caFile: ca.file });
    assert.equal(viaCurl.status, 200);
    const dispatcher = proxyAgent(proxy.proxyUrl, proxy.caPem, { localAddress: '127.0.0.2' });
    try {
      const response = await request(origin.url('/echo', { secure: true }), { dispatcher, method: 'PUT', body: 'x'.repeat(5000) });
      assert.deepEqual({ status: response.statusCode, bytes: ((await response.body.json()) as { bodyBytes: number }).bodyBytes }, { status: 200, bytes: 5000 });
    } finally {
      await dispatcher.close();
    }
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ ip: f.client.ip, url: f.request.url, requestBytes: f.request.body.size })),
      [
        { ip: '127.0.0.2', url: origin.url('/json', { secure: true }), requestBytes: 0 },
        { ip: '127.0.0.2', url: origin.url('/echo', { secure: true }), requestBytes: 5000 },
      ],
    );
  });

  test('several requests over one tunnel are separate flows from the same client connection', async () => {
    const dispatcher = proxyAgent(proxy.proxyUrl, proxy.caPem, { connections: 1 });
    try {
      for (const path of ['/json', '/status/404', '/json?again']) {
        const response = await request(origin.url(path, { secure: true }), { dispatcher });
        await response.body.text();
      }
    } finally {
      await dispatcher.close();
    }
    const flows = await proxy.finishedFlows(3);
    assert.deepEqual(
      flows.map((f) => ({ status: f.response?.status, samePort: f.client.port === flows[0].client.port, reused: f.timings.reusedConnection })),
      [
        { status: 200, samePort: true, reused: false },
        { status: 404, samePort: true, reused: true },
        { status: 200, samePort: true, reused: true },
      ],
    );
  });

  test('an IP-literal target (no SNI) gets a certificate for the IP', async () => {
    const url = `https://127.0.0.1:${origin.httpsPort}/json`;
    const result = await curl(proxy.proxyUrl, [url], { caFile: ca.file });
    assert.deepEqual({ status: result.status, body: result.body }, { status: 200, body: '{"hello":"world"}' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ url: flow.request.url, server: flow.server }, { url, server: { host: '127.0.0.1', port: origin.httpsPort, ip: '127.0.0.1', tls: { version: 'TLSv1.3', alpn: 'http/1.1' } } });
  });

  test('a client that does not trust the CA fails its handshake and the proxy carries on', async () => {
    const refused = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true })]);
    assert.equal(refused.exit, 60); // curl: peer certificate cannot be authenticated with known CA certificates
    const accepted = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true })], { caFile: ca.file });
    assert.equal(accepted.status, 200);
    const flows = await proxy.finishedFlows(1);
    assert.equal(flows.length, 1);
  });
});
