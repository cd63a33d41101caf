// Failures are flows too: each one reaches the client as a 502/504 naming what failed (or, once the response
// has started, as a cut connection) and is stored as a failed flow with its phase and message.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import type { Flow } from '../../../electron/common/flow';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from './clients';

let origin: Origin;
let proxy: TestCore;
let ca: ReturnType<typeof pemFile>;

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  // A short upstream timeout keeps the timeout cases quick; nothing else here comes near it.
  proxy = await startTestCore({ origin, upstreamTimeoutMs: 1500, bodyIdleTimeoutMs: 1500 });
  ca = pemFile(proxy.caPem);
});
afterEach(async () => {
  ca.dispose();
  await proxy.dispose();
});

function outcome(flow: Flow) {
  return { url: flow.request.url, state: flow.state, error: flow.error, status: flow.response?.status };
}

describe('failures', () => {
  test('DNS failure, over HTTP and HTTPS: 502 naming the host, failed flow in phase dns', async () => {
    const plain = await curl(proxy.proxyUrl, [origin.url('/json', { host: 'nope.test' })]);
    const secure = await curl(proxy.proxyUrl, [origin.url('/json', { host: 'nope.test', secure: true })], { caFile: ca.file });
    const text = 'Hindsight: could not resolve nope.test (ENOTFOUND)\n';
    assert.deepEqual(
      [plain, secure].map((r) => ({ status: r.status, body: r.body })),
      [
        { status: 502, body: text },
        { status: 502, body: text },
      ],
    );
    const flows = await proxy.finishedFlows(2);
    const error = { phase: 'dns', message: 'could not resolve nope.test (ENOTFOUND)', code: 'ENOTFOUND' };
    assert.deepEqual(flows.map(outcome), [
      { url: origin.url('/json', { host: 'nope.test' }), state: 'failed', error, status: undefined },
      { url: origin.url('/json', { host: 'nope.test', secure: true }), state: 'failed', error, status: undefined },
    ]);
  });

  test('refused connection: 502, phase connect', async () => {
    const port = await origin.closedPort();
    const url = `http://origin.test:${port}/json`;
    const result = await curl(proxy.proxyUrl, [url]);
    const message = `could not connect to origin.test:${port} (ECONNREFUSED)`;
    assert.deepEqual({ status: result.status, body: result.body }, { status: 502, body: `Hindsight: ${message}\n` });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), { url, state: 'failed', error: { phase: 'connect', message, code: 'ECONNREFUSED' }, status: undefined });
  });

  test('upstream TLS failure (certificate for another name): 502, phase tls; the proxy verifies by default', async () => {
    const url = origin.url('/json', { host: 'mismatch.test', secure: true });
    const result = await curl(proxy.proxyUrl, [url], { caFile: ca.file });
    const message = `TLS handshake with mismatch.test:${origin.httpsPort} failed (ERR_TLS_CERT_ALTNAME_INVALID: Host: mismatch.test. is not in the cert's altnames: DNS:someone-else.test)`;
    assert.deepEqual({ status: result.status, body: result.body }, { status: 502, body: `Hindsight: ${message}\n` });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), { url, state: 'failed', error: { phase: 'tls', message, code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, status: undefined });
  });

  test('--insecure-upstream accepts the same server', async () => {
    const insecure = await startTestCore({ origin, insecureUpstream: true });
    const own = pemFile(insecure.caPem);
    try {
      const ok = await curl(insecure.proxyUrl, [origin.url('/json', { host: 'mismatch.test', secure: true })], { caFile: own.file });
      assert.deepEqual({ status: ok.status, body: ok.body }, { status: 200, body: '{"hello":"world"}' });
    } finally {
      own.dispose();
      await insecure.dispose();
    }
  });

  test('upstream reset mid-body: the client connection is cut, the flow keeps the status and the bytes seen', async () => {
    const url = origin.url('/reset');
    const result = await curl(proxy.proxyUrl, [url]);
    assert.deepEqual({ exit: result.exit, status: result.status, received: result.body.length }, { exit: 18, status: 200, received: 1000 }); // 18: partial file
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { ...outcome(flow), bodySize: flow.response?.body.size },
      { url, state: 'failed', error: { phase: 'upstream', message: `origin.test:${origin.httpPort} reset the connection after 1000 of 100000 body bytes`, code: 'ECONNRESET' }, status: 200, bodySize: 1000 },
    );
  });

  test('upstream timeout before the response: 504, phase timeout', async () => {
    const url = origin.url('/hang', { secure: true });
    const result = await curl(proxy.proxyUrl, [url], { caFile: ca.file });
    const message = `no response from origin.test:${origin.httpsPort} within 1.5 s`;
    assert.deepEqual({ status: result.status, body: result.body }, { status: 504, body: `Hindsight: ${message}\n` });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), { url, state: 'failed', error: { phase: 'timeout', message }, status: undefined });
  });

  test('upstream stalls mid-body: the client connection is cut, phase timeout', async () => {
    const url = origin.url('/bytes?n=100000&chunk=1000&delay=60000');
    const result = await curl(proxy.proxyUrl, [url]);
    assert.deepEqual({ exit: result.exit, status: result.status, received: result.body.length }, { exit: 18, status: 200, received: 1000 });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), { url, state: 'failed', error: { phase: 'timeout', message: `origin.test:${origin.httpPort} stalled mid-body for 1.5 s` }, status: 200 });
  });

  test('client abort mid-response: phase client, the upstream request is dropped', async () => {
    const url = origin.url('/bytes?n=50000000&chunk=16384&delay=5');
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(`GET ${url} HTTP/1.1\r\nHost: origin.test:${origin.httpPort}\r\n\r\n`);
    await once(socket, 'data');
    socket.destroy();
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), {
      url,
      state: 'failed',
      error: { phase: 'client', message: 'the client closed the connection before the exchange completed' },
      status: 200,
    });
    assert.ok(flow.response!.body.size < 50_000_000);
  });

  test('after all of that, a good request still works', async () => {
    for (const path of ['/reset', '/hang']) await curl(proxy.proxyUrl, [origin.url(path)]);
    const result = await curl(proxy.proxyUrl, [origin.url('/json')]);
    assert.deepEqual({ status: result.status, body: result.body }, { status: 200, body: '{"hello":"world"}' });
  });
});
