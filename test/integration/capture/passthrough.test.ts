// Connection rules through the real proxy with curl: a passthrough host's tunnel reaches the origin untouched
// (curl sees the origin's own certificate, the flow has only host, bytes and duration), a do-not-record host
// is forwarded but never stored, and both follow the rule's client scope.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from './clients';

let origin: Origin;
let proxy: TestCore;
let originCa: { file: string; dispose(): void };
let proxyCa: { file: string; dispose(): void };

before(async () => {
  origin = await startOrigin();
  originCa = pemFile(origin.caPem);
});
after(async () => {
  originCa.dispose();
  await origin.close();
});
beforeEach(async () => {
  origin.received.length = 0;
  proxy = await startTestCore({ origin });
  proxyCa = pemFile(proxy.caPem);
});
afterEach(async () => {
  await proxy.dispose();
  proxyCa.dispose();
});

describe('passthrough', () => {
  test('a passthrough host: curl sees the origin certificate, the flow has host, bytes and duration only', async () => {
    await proxy.core.rules.store.save({ name: 'pinned', matchers: [{ type: 'host', host: 'pinned.test' }], action: { type: 'passthrough' } });
    const url = origin.url('/json', { secure: true, host: 'pinned.test' });
    // Trusting only the origin's CA: the handshake succeeds only when the origin itself answers.
    const through = await curl(proxy.proxyUrl, [url], { caFile: originCa.file });
    // Trusting only Hindsight's CA fails for the passthrough host (no certificate is minted) ...
    const minted = await curl(proxy.proxyUrl, [url], { caFile: proxyCa.file });
    // ... while another host is intercepted as usual.
    const intercepted = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true, host: 'other.test' })], { caFile: proxyCa.file });
    assert.deepEqual([through.exit, through.status, JSON.parse(through.body), minted.exit, intercepted.status], [0, 200, { hello: 'world' }, 60, 200]);
    const flows = await proxy.finishedFlows(3);
    const tunnels = flows.filter((f) => f.tunnel);
    assert.equal(tunnels.length, 2);
    for (const f of tunnels) {
      assert.ok(f.tunnel!.bytesUp > 200 && f.tunnel!.bytesDown > 500, JSON.stringify(f.tunnel));
      assert.ok(typeof f.timings.totalMs === 'number');
      assert.deepEqual(
        { method: f.request.method, url: f.request.url, state: f.state, response: f.response, stored: f.request.body.storedSize, blob: f.request.body.blob, server: f.server, summary: proxy.core.store.query({ limit: 10 }).flows.find((s) => s.id === f.id)?.requestSize, applied: f.appliedRules.map((a) => [a.kind, a.name]) },
        { method: 'CONNECT', url: `https://pinned.test:${origin.httpsPort}`, state: 'completed', response: undefined, stored: 0, blob: undefined, server: { host: 'pinned.test', port: origin.httpsPort, ip: '127.0.0.1' }, summary: f.tunnel!.bytesUp, applied: [['passthrough', 'pinned']] },
      );
    }
    assert.deepEqual(flows.filter((f) => !f.tunnel).map((f) => [f.request.url, f.response?.status]), [[origin.url('/json', { secure: true, host: 'other.test' }), 200]]);
  });

  test('a passthrough rule scoped to one client leaves other clients intercepted', async () => {
    await proxy.core.rules.store.save({ name: 'pinned for .2', scope: { clients: ['127.0.0.2'] }, matchers: [{ type: 'host', host: 'pinned.test' }], action: { type: 'passthrough' } });
    const url = origin.url('/json', { secure: true, host: 'pinned.test' });
    const fromTwo = await curl(proxy.proxyUrl, ['--interface', '127.0.0.2', url], { caFile: originCa.file });
    const fromThree = await curl(proxy.proxyUrl, ['--interface', '127.0.0.3', url], { caFile: proxyCa.file });
    assert.deepEqual([fromTwo.status, fromThree.status], [200, 200]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(flows.map((f) => [f.client.ip, f.request.method, !!f.tunnel]).sort(), [['127.0.0.2', 'CONNECT', true], ['127.0.0.3', 'GET', false]]);
  });

  test('a tunnel to a host that does not resolve fails with 502 and a failed flow', async () => {
    await proxy.core.rules.store.save({ name: 'pinned', matchers: [{ type: 'host', host: '*.test' }], action: { type: 'passthrough' } });
    const r = await curl(proxy.proxyUrl, ['-v', 'https://nope.test/'], { caFile: originCa.file });
    assert.match(r.stderr, /502/);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual([flow.state, flow.error], ['failed', { phase: 'dns', message: 'could not resolve nope.test (ENOTFOUND)' }]);
  });

  test('a passthrough rule with a URL matcher is refused on save, naming the matcher', async () => {
    await assert.rejects(
      proxy.core.rules.store.save({ name: 'bad', matchers: [{ type: 'url', pattern: 'https://pinned.test/*', syntax: 'wildcard' }], action: { type: 'passthrough' } }),
      /matchers\[0\].*host matchers only/,
    );
  });
});

describe('do-not-record', () => {
  test('a do-not-record host is forwarded (HTTP, HTTPS and a passthrough tunnel) but never stored', async () => {
    await proxy.core.rules.store.save({ name: 'private', matchers: [{ type: 'host', host: 'private.test' }], action: { type: 'do-not-record' } });
    await proxy.core.rules.store.save({ name: 'pinned', matchers: [{ type: 'host', host: 'private-pinned.test' }], action: { type: 'do-not-record' } });
    await proxy.core.rules.store.save({ name: 'pass', matchers: [{ type: 'host', host: 'private-pinned.test' }], action: { type: 'passthrough' } });
    const plain = await curl(proxy.proxyUrl, [origin.url('/json', { host: 'private.test' })]);
    const secure = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true, host: 'private.test' })], { caFile: proxyCa.file });
    const tunnel = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true, host: 'private-pinned.test' })], { caFile: originCa.file });
    const recorded = await curl(proxy.proxyUrl, [origin.url('/json', { host: 'kept.test' })]);
    assert.deepEqual([plain.status, secure.status, tunnel.status, recorded.status, origin.received.length], [200, 200, 200, 200, 4]);
    const flows = await proxy.finishedFlows(1);
    assert.deepEqual(proxy.core.store.query({ limit: 100 }).flows.map((f) => f.host), ['kept.test']);
    assert.equal(flows[0].request.url, origin.url('/json', { host: 'kept.test' }));
  });

  test('a do-not-record rule for one client still records the others', async () => {
    await proxy.core.rules.store.save({ name: 'private for .2', scope: { clients: ['127.0.0.2'] }, matchers: [], action: { type: 'do-not-record' } });
    const url = origin.url('/json', { host: 'any.test' });
    const a = await curl(proxy.proxyUrl, ['--interface', '127.0.0.2', url]);
    const b = await curl(proxy.proxyUrl, ['--interface', '127.0.0.3', url]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    await proxy.finishedFlows(1);
    assert.deepEqual(proxy.core.store.query({ limit: 100 }).flows.map((f) => f.clientIp), ['127.0.0.3']);
  });
});
