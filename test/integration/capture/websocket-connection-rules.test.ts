// WebSocket upgrades meet the connection rules like requests do: a `ws` client through Hindsight (the front)
// reaches the echo origin through an upstream proxy — a second Hindsight core (the back) spoken to with HTTP
// CONNECT, SOCKS5, or as a PAC script names it — and a wss origin that demands a client certificate gets the
// one a rule holds. Each flow names the proxy or certificate; the back really carried what the front says.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import type { Flow } from '../../../electron/common/flow';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startMtlsOrigin, type MtlsOrigin } from '../../helpers/mtls-origin';
import { startOrigin, type Origin } from '../../helpers/origin';
import { TunnelAgent } from './tunnel-agent';

let origin: Origin;
let mtls: MtlsOrigin;
let back: TestCore;
let front: TestCore;
let pacDir: string;

before(async () => {
  origin = await startOrigin();
  mtls = await startMtlsOrigin();
  pacDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pac-'));
});
after(async () => {
  await origin.close();
  await mtls.close();
  fs.rmSync(pacDir, { recursive: true, force: true });
});
beforeEach(async () => {
  back = await startTestCore({ origin });
  // Like a TLS-inspecting corporate proxy: the front trusts what the back mints, and the mTLS origin's CA.
  front = await startTestCore({ origin, upstreamCa: [origin.caPem, back.caPem, mtls.serverCa.certPem] });
});
afterEach(async () => {
  await front.dispose();
  await back.dispose();
});

/** Opens `url` through the front (a CONNECT tunnel, as browsers do), sends `ping`: the reply, or the refusal's status and body. */
async function exchange(url: string): Promise<{ reply: string } | { status: number; body: string }> {
  const agent = new TunnelAgent(front.proxyUrl, { secure: url.startsWith('wss:'), ca: front.caPem });
  const ws = new WebSocket(url, { agent });
  try {
    const outcome = await new Promise<{ reply: string } | { status: number; body: string }>((resolve, reject) => {
      ws.once('open', () => ws.send('ping'));
      ws.once('message', (data: Buffer) => resolve({ reply: data.toString() }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', reject);
    });
    if (ws.readyState === WebSocket.OPEN) {
      ws.close();
      await once(ws, 'close');
    } else ws.terminate();
    return outcome;
  } finally {
    agent.destroy();
  }
}

const wsUrl = (host: string, secure: boolean) => origin.url('/ws', { host, secure }).replace(/^http/, 'ws');

const summary = (flows: Flow[]) =>
  flows
    .map((f) => ({ url: f.request.url, status: f.response?.status, via: f.upstreamProxy, cert: f.clientCertificate, applied: f.appliedRules.map((a) => a.kind), error: f.error?.message }))
    .sort((a, b) => a.url.localeCompare(b.url));

describe('WebSocket upgrades and connection rules', () => {
  test('ws and wss through an upstream proxy by HTTP CONNECT, SOCKS5 and PAC; other hosts go direct', async () => {
    const pac = path.join(pacDir, 'ws.pac');
    fs.writeFileSync(pac, `function FindProxyForURL(url, host) {\n  return host === "pac.test" ? "PROXY 127.0.0.1:${back.port}" : "DIRECT";\n}\n`);
    const rule = (host: string, proxy: string) => ({ name: host, matchers: [{ type: 'host', host }], action: { type: 'upstream-proxy', proxy } });
    await front.core.rules.store.saveAll([rule('http.test', `http://127.0.0.1:${back.port}`), rule('socks.test', `socks5h://127.0.0.1:${back.port}`), rule('pac.test', `pac+file://${pac}`)]);
    const hosts = ['http.test', 'socks.test', 'pac.test', 'direct.test'];
    const cases = hosts.flatMap((host) => [false, true].map((secure) => wsUrl(host, secure)));
    const outcomes = [];
    for (const url of cases) outcomes.push(await exchange(url));
    assert.deepEqual(outcomes, cases.map(() => ({ reply: 'echo:ping' })));

    const via: Record<string, string | undefined> = {
      'http.test': `http://127.0.0.1:${back.port}`,
      'socks.test': `socks5h://127.0.0.1:${back.port}`,
      'pac.test': `http://127.0.0.1:${back.port} (from PAC file://${pac})`,
      'direct.test': undefined,
    };
    const expected = (url: string) => {
      const host = new URL(url).hostname;
      return { url, status: 101, via: via[host], cert: undefined, applied: via[host] ? ['upstream-proxy'] : [], error: undefined };
    };
    assert.deepEqual(summary(await front.finishedFlows(cases.length)), cases.map(expected).sort((a, b) => a.url.localeCompare(b.url)));
    // The back carried the six proxied upgrades (and only those) to the origin.
    const proxied = cases.filter((url) => !url.includes('direct.test'));
    assert.deepEqual(
      summary(await back.finishedFlows(proxied.length)).map((f) => [f.url, f.status]),
      proxied.sort((a, b) => a.localeCompare(b)).map((url) => [url, 101]),
    );
  });

  test('a wss origin that demands a client certificate: 403 without a rule, the rule\'s certificate with one', async () => {
    const url = `wss://mtls.test:${mtls.port}/`;
    const refused = await exchange(url);
    await front.core.rules.store.save({ name: 'mtls', matchers: [{ type: 'host', host: 'mtls.test' }], action: { type: 'client-certificate', pem: `${mtls.client.certPem}\n${mtls.client.keyPem}` } });
    const accepted = await exchange(url);
    assert.deepEqual([refused, accepted], [{ status: 403, body: 'client certificate required' }, { reply: 'hindsight-test-client:ping' }]);
    const flows = await front.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ status: f.response?.status, cert: f.clientCertificate, applied: f.appliedRules.map((a) => a.kind) })),
      [
        { status: 403, cert: undefined, applied: [] },
        { status: 101, cert: 'CN=hindsight-test-client', applied: ['client-certificate'] },
      ],
    );
  });

  test('an upgrade a PAC script sends back into this Hindsight is refused with 508, not looped', async () => {
    const pac = path.join(pacDir, 'loop.pac');
    fs.writeFileSync(pac, `function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:${front.port}"; }\n`);
    await front.core.rules.store.save({ name: 'loop', action: { type: 'upstream-proxy', proxy: `pac+file://${pac}` } });
    const url = wsUrl('api.test', false);
    const message = `the upstream proxy http://127.0.0.1:${front.port} of rule "loop" is this Hindsight itself; refusing to send traffic in a loop`;
    assert.deepEqual(await exchange(url), { status: 508, body: `Hindsight: ${message}\n` });
    assert.deepEqual(summary(await front.finishedFlows(1)), [{ url, status: undefined, via: undefined, cert: undefined, applied: [], error: message }]);
    assert.equal(origin.received.some((r) => r.rawHeaders.includes(`api.test:${origin.httpPort}`)), false);
  });

  test('an upstream proxy that is down fails the upgrade naming it', async () => {
    const closed = await origin.closedPort();
    await front.core.rules.store.save({ name: 'down', action: { type: 'upstream-proxy', proxy: `http://127.0.0.1:${closed}` } });
    const outcome = await exchange(wsUrl('api.test', false));
    assert.equal((outcome as { status: number }).status, 502);
    const [flow] = await front.finishedFlows(1);
    assert.deepEqual([flow.upstreamProxy, new RegExp(`through upstream proxy http://127\\.0\\.0\\.1:${closed}: connect ECONNREFUSED`).test(flow.error?.message ?? '')], [`http://127.0.0.1:${closed}`, true]);
  });
});
