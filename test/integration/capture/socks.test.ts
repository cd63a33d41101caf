// SOCKS5 on the proxy port with curl: --socks5-hostname and --socks5 for HTTP and HTTPS (intercepted like
// CONNECT), the real client address on every flow, username/password when configured (a wrong one refused,
// nothing recorded), HTTP still served on the same port, and a passthrough rule applying to SOCKS tunnels.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from './clients';

let origin: Origin;
let proxy: TestCore;
let proxyCa: { file: string; dispose(): void };

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
afterEach(async () => {
  await proxy.dispose();
  proxyCa.dispose();
});

async function start(options: Parameters<typeof startTestCore>[0] = {}) {
  proxy = await startTestCore({ origin, ...options });
  proxyCa = pemFile(proxy.caPem);
}

const summary = (f: { client: { ip: string }; request: { method: string; url: string }; response?: { status: number; body: { size: number } }; state: string }) => ({
  client: f.client.ip,
  method: f.request.method,
  url: f.request.url,
  status: f.response?.status,
  bodySize: f.response?.body.size,
  state: f.state,
});

describe('SOCKS5 on the proxy port', () => {
  test('curl --socks5-hostname and --socks5, HTTP and HTTPS, captured with the client address; HTTP proxying on the same port', async () => {
    await start();
    const socksH = `socks5h://127.0.0.1:${proxy.port}`;
    const socks = `socks5://127.0.0.1:${proxy.port}`;
    const plain = await curl(socksH, ['--interface', '127.0.0.2', origin.url('/json', { host: 'json.test' })]);
    const secure = await curl(socksH, ['--interface', '127.0.0.3', origin.url('/json', { secure: true, host: 'json.test' })], { caFile: proxyCa.file });
    // --socks5: curl resolves the name itself, so the test uses the origin's address.
    const local = await curl(socks, ['--interface', '127.0.0.4', `http://127.0.0.1:${origin.httpPort}/json`]);
    const http = await curl(proxy.proxyUrl, [origin.url('/json', { host: 'json.test' })]);
    assert.deepEqual([plain.status, secure.status, local.status, http.status, JSON.parse(secure.body)], [200, 200, 200, 200, { hello: 'world' }]);
    const flows = (await proxy.finishedFlows(4)).map(summary).sort((a, b) => a.client.localeCompare(b.client));
    const size = flows[0].bodySize;
    assert.deepEqual(flows, [
      { client: '127.0.0.1', method: 'GET', url: origin.url('/json', { host: 'json.test' }), status: 200, bodySize: size, state: 'completed' },
      { client: '127.0.0.2', method: 'GET', url: origin.url('/json', { host: 'json.test' }), status: 200, bodySize: size, state: 'completed' },
      { client: '127.0.0.3', method: 'GET', url: origin.url('/json', { secure: true, host: 'json.test' }), status: 200, bodySize: size, state: 'completed' },
      { client: '127.0.0.4', method: 'GET', url: `http://127.0.0.1:${origin.httpPort}/json`, status: 200, bodySize: size, state: 'completed' },
    ]);
  });

  test('username and password when configured: right ones pass, a wrong one is refused and nothing is recorded', async () => {
    await start({ socksCredentials: { username: 'lan', password: 's3cret' } });
    const ok = await curl(`socks5h://lan:s3cret@127.0.0.1:${proxy.port}`, [origin.url('/json', { host: 'json.test' })]);
    const wrong = await curl(`socks5h://lan:guess@127.0.0.1:${proxy.port}`, [origin.url('/json', { host: 'other.test' })]);
    const none = await curl(`socks5h://127.0.0.1:${proxy.port}`, [origin.url('/json', { host: 'other.test' })]);
    assert.deepEqual([ok.status, wrong.status, none.status], [200, 0, 0]);
    assert.match(wrong.stderr, /authentication failed|User was rejected/i);
    await proxy.finishedFlows(1);
    assert.deepEqual(proxy.core.store.query({ limit: 10 }).flows.map((f) => f.host), ['json.test']);
  });

  test('a passthrough rule applies to SOCKS tunnels: the origin certificate reaches the client', async () => {
    await start();
    await proxy.core.rules.store.save({ name: 'pinned', matchers: [{ type: 'host', host: 'pinned.test' }], action: { type: 'passthrough' } });
    const originCa = pemFile(origin.caPem);
    try {
      const r = await curl(`socks5h://127.0.0.1:${proxy.port}`, ['--interface', '127.0.0.2', origin.url('/json', { secure: true, host: 'pinned.test' })], { caFile: originCa.file });
      assert.equal(r.status, 200);
      const [flow] = await proxy.finishedFlows(1);
      assert.deepEqual([flow.client.ip, flow.request.method, flow.request.url, flow.tunnel!.bytesDown > 500], ['127.0.0.2', 'CONNECT', `https://pinned.test:${origin.httpsPort}`, true]);
    } finally {
      originCa.dispose();
    }
  });

  test('a SOCKS tunnel to a host that does not resolve gets the SOCKS "host unreachable" reply', async () => {
    await start();
    await proxy.core.rules.store.save({ name: 'pinned', matchers: [{ type: 'host', host: '*.test' }], action: { type: 'passthrough' } });
    const r = await curl(`socks5h://127.0.0.1:${proxy.port}`, ['https://nope.test/']);
    // Reply code 4 is "host unreachable" (RFC 1928 section 6).
    assert.deepEqual([r.status, r.stderr.trim()], [0, "curl: (97) Can't complete SOCKS5 connection to nope.test. (4)"]);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(flow.error, { phase: 'dns', message: 'could not resolve nope.test (ENOTFOUND)' });
  });
});
