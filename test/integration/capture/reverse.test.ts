// Reverse mode: clients talk plain HTTP to the proxy port with no proxy settings; every request goes to the
// target and is recorded under the target's URL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore } from '../../helpers/core';
import { curl } from './clients';

let origin: Origin;
before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());

describe('reverse mode', () => {
  test('to an http target: forwarded, Host set to the target, recorded under the target URL', async () => {
    const target = `http://127.0.0.1:${origin.httpPort}`;
    const proxy = await startTestCore({ origin, reverse: target });
    try {
      const got = await curl(null, ['-A', 'hindsight-test', `${proxy.proxyUrl}/json?x=1`]);
      assert.deepEqual({ status: got.status, body: got.body }, { status: 200, body: '{"hello":"world"}' });
      const posted = await request(`${proxy.proxyUrl}/echo`, { method: 'POST', body: 'payload' });
      const echoed = (await posted.body.json()) as { url: string; body: string; rawHeaders: string[] };
      assert.deepEqual(
        { url: echoed.url, body: echoed.body, host: echoed.rawHeaders[echoed.rawHeaders.findIndex((h) => h.toLowerCase() === 'host') + 1] },
        { url: '/echo', body: 'payload', host: `127.0.0.1:${origin.httpPort}` },
      );
      const flows = await proxy.finishedFlows(2);
      assert.deepEqual(
        flows.map((f) => ({ url: f.request.url, method: f.request.method, state: f.state, status: f.response?.status, server: f.server, client: f.client.ip })),
        [
          { url: `${target}/json?x=1`, method: 'GET', state: 'completed', status: 200, server: { host: '127.0.0.1', port: origin.httpPort, ip: '127.0.0.1' }, client: '127.0.0.1' },
          { url: `${target}/echo`, method: 'POST', state: 'completed', status: 200, server: { host: '127.0.0.1', port: origin.httpPort, ip: '127.0.0.1' }, client: '127.0.0.1' },
        ],
      );
      assert.deepEqual(proxy.core.status().proxy, { host: '127.0.0.1', port: proxy.port, mode: 'reverse', reverseTarget: target });
    } finally {
      await proxy.dispose();
    }
  });

  test('to an https target: upstream TLS verified; an unreachable target is a 502 and a failed flow', async () => {
    const target = `https://origin.test:${origin.httpsPort}`;
    const proxy = await startTestCore({ origin, reverse: target });
    try {
      const got = await curl(null, ['--interface', '127.0.0.2', `${proxy.proxyUrl}/status/201`]);
      assert.deepEqual({ status: got.status, body: got.body }, { status: 201, body: 'status 201\n' });
      const [flow] = await proxy.finishedFlows(1);
      assert.deepEqual(
        { url: flow.request.url, client: flow.client.ip, tls: flow.server?.tls },
        { url: `${target}/status/201`, client: '127.0.0.2', tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: 'origin.test' } },
      );
    } finally {
      await proxy.dispose();
    }
    const port = await origin.closedPort();
    const down = await startTestCore({ origin, reverse: `http://127.0.0.1:${port}` });
    try {
      const got = await curl(null, [`${down.proxyUrl}/anything`]);
      assert.deepEqual({ status: got.status, body: got.body }, { status: 502, body: `Hindsight: could not connect to 127.0.0.1:${port} (ECONNREFUSED)\n` });
      const [flow] = await down.finishedFlows(1);
      assert.deepEqual({ url: flow.request.url, state: flow.state, phase: flow.error?.phase }, { url: `http://127.0.0.1:${port}/anything`, state: 'failed', phase: 'connect' });
    } finally {
      await down.dispose();
    }
  });

  test('a malformed target is refused when the core starts', async () => {
    await assert.rejects(startTestCore({ origin, reverse: 'ftp://example' }), /reverse target must look like http:\/\/host:port/);
  });
});
