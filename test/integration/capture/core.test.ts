// The composition root: status, the structured log, the allow-list, a clear error for a taken port, and a
// dispose() that leaves nothing open (sockets, servers, timers, the store's worker).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import WebSocket from 'ws';
import type { LogLine } from '../../../electron/common/log-line';
import { startOrigin } from '../../helpers/origin';
import { startTestCore } from '../../helpers/core';
import { curl, pemFile } from './clients';
import { TunnelAgent } from './tunnel-agent';

/** Handles that keep a process alive, by kind (sockets, servers, timers, workers …). */
function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  // TTYs are the test runner's; file requests come and go with its own reporting.
  for (const kind of process.getActiveResourcesInfo()) if (kind !== 'TTYWrap' && !kind.startsWith('FSReq')) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function sameHandles(a: Record<string, number>, b: Record<string, number>): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

test('status, the log line per finished flow, and a dispose that leaves no handle open', async () => {
  const before = openHandles();
  const origin = await startOrigin();
  const lines: LogLine[] = [];
  const proxy = await startTestCore({ origin, onLog: (line) => lines.push(line) });
  const ca = pemFile(proxy.caPem);
  let hanging: net.Socket | undefined;
  try {
    assert.deepEqual(proxy.core.status(), {
      version: 'test',
      proxy: { host: '127.0.0.1', port: proxy.port, mode: 'forward' },
      capture: true,
      stored: 0,
      caPath: proxy.caPath,
      dataDir: proxy.dataDir,
      warnings: [],
      conditions: { enabled: true, rules: 0, profiles: 0 },
    });
    await curl(proxy.proxyUrl, ['-A', 'agent/1', origin.url('/json')]);
    await curl(proxy.proxyUrl, [origin.url('/json', { secure: true, host: 'nope.test' })], { caFile: ca.file });
    // An open WebSocket and a hanging request are still open when dispose() runs.
    const ws = new WebSocket(origin.url('/ws', { secure: true }).replace(/^http/, 'ws'), { agent: new TunnelAgent(proxy.proxyUrl, { secure: true, ca: proxy.caPem }) });
    ws.on('error', () => {});
    await once(ws, 'open');
    hanging = net.connect(proxy.port, '127.0.0.1');
    hanging.on('error', () => {});
    hanging.resume();
    hanging.write(`GET ${origin.url('/hang')} HTTP/1.1\r\nHost: origin.test\r\n\r\n`);
    await proxy.finishedFlows(2);
    // The WebSocket's flow stays live while the socket is open.
    assert.deepEqual(
      proxy.core.store.query({ filter: 'is:ws' }).flows.map((f) => [f.url, f.state]),
      [[origin.url('/ws', { secure: true }).replace(/^http/, 'ws'), 'live']],
    );
    assert.equal(proxy.core.status().stored >= 3, true);
    const closed = once(ws, 'close');
    await proxy.dispose();
    await closed;
    // Closing the socket finished the WebSocket's flow (its log line comes last).
    assert.deepEqual(
      lines.map((l) => ({ ...l, id: typeof l.id, time: typeof l.time, latencyMs: typeof l.latencyMs })),
      [
        { id: 'string', time: 'string', clientIp: '127.0.0.1', method: 'GET', url: origin.url('/json'), status: 200, latencyMs: 'number', userAgent: 'agent/1', requestBytes: 0, responseBytes: 17, error: null },
        {
          id: 'string',
          time: 'string',
          clientIp: '127.0.0.1',
          method: 'GET',
          url: origin.url('/json', { secure: true, host: 'nope.test' }),
          status: null,
          latencyMs: 'number',
          userAgent: 'curl/' + (lines[1]?.userAgent ?? '').slice(5),
          requestBytes: 0,
          responseBytes: null,
          error: 'dns: could not resolve nope.test (ENOTFOUND)',
        },
        { id: 'string', time: 'string', clientIp: '127.0.0.1', method: 'GET', url: origin.url('/ws', { secure: true }).replace(/^http/, 'ws'), status: 101, latencyMs: 'number', userAgent: null, requestBytes: 0, responseBytes: 0, error: null },
      ],
    );
    // What is left open is the origin's two listening servers, nothing of the proxy's (each side of a
    // connection closes once the proxy closed its own).
    const expected = { ...before, TCPServerWrap: (before.TCPServerWrap ?? 0) + 2 };
    await settle(expected);
    assert.deepEqual(openHandles(), expected);
  } finally {
    ca.dispose();
    hanging?.destroy();
    await origin.close();
  }
  await settle(before);
  assert.deepEqual(openHandles(), before);
});

/** Closed handles leave libuv in its close phase, after the callbacks above: give it a few loop turns. */
async function settle(expected: Record<string, number>): Promise<void> {
  for (let turn = 0; turn < 50 && !sameHandles(openHandles(), expected); turn++) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('an allow-list refuses other clients with a 403 and lets this machine and listed addresses in', async () => {
  const origin = await startOrigin();
  const proxy = await startTestCore({ origin, allow: ['127.0.0.3'] });
  try {
    const results = [];
    for (const from of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) {
      const r = await curl(proxy.proxyUrl, ['--interface', from, origin.url('/json')]);
      results.push({ from, status: r.status, body: r.body });
    }
    assert.deepEqual(results, [
      { from: '127.0.0.1', status: 200, body: '{"hello":"world"}' },
      { from: '127.0.0.2', status: 403, body: 'Hindsight: 127.0.0.2 is not allowed to use this proxy (see --allow)\n' },
      { from: '127.0.0.3', status: 200, body: '{"hello":"world"}' },
    ]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(flows.map((f) => f.client.ip), ['127.0.0.1', '127.0.0.3']);
  } finally {
    await proxy.dispose();
    await origin.close();
  }
  await assert.rejects(startTestCore({ allow: ['10.0.0.0/33'] }), /--allow 10\.0\.0\.0\/33/);
});

test('a port in use is reported as such', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    await assert.rejects(startTestCore({ port }), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
