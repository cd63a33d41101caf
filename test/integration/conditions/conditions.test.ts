// Network conditions through the real proxy, real sockets: 127.0.0.2 plays a phone with conditions,
// 127.0.0.3 another device without. Timing assertions carry the tolerances written next to them; every
// loop is bounded in count, every wait in time.
//
// Statistical tolerances (fixed, so the tests cannot be tuned until they pass):
// - bandwidth: the achieved transfer time within 10 % of bytes × 8 / rate (the bound);
// - latency: 100 samples of latency 100 ms ± 40 ms (uniform): none below 60 ms minus 2 ms of timer slack, the mean
//   above the unshaped mean by 100 ms ± 20 ms, the standard deviation (23 ms in theory) from 12 to 45 ms;
// - failures: 200 requests at 20 % reset: a binomial count of mean 40, σ 5.7; accepted 18–62 (±3.9 σ,
//   a false alarm about once in 10,000 runs).
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { NetworkConditions } from '../../../electron/common/conditions';
import type { Flow } from '../../../electron/common/flow';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from '../capture/clients';
import { TunnelAgent } from '../capture/tunnel-agent';

const PHONE = '127.0.0.2';
const OTHER = '127.0.0.3';

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

interface Fetched {
  status?: number;
  bytes: number;
  ms: number;
  /** Set when the connection failed (reset, closed without an answer). */
  error?: string;
}

/** GET through the proxy (absolute-form) from `localAddress`; a new connection unless an agent is given. */
function get(url: string, localAddress: string, agent?: http.Agent, timeoutMs = 90_000): Promise<Fetched> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: url, localAddress, headers: { host: new URL(url).host }, agent: agent ?? false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes, ms: performance.now() - started }));
      res.on('error', (err) => resolve({ status: res.statusCode, bytes, ms: performance.now() - started, error: err.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('test timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ bytes: 0, ms: performance.now() - started, error: err.code ?? err.message }));
    req.end();
  });
}

async function profileWith(conditions: NetworkConditions, clients = [PHONE]) {
  return proxy.core.rules.store.saveProfile({ name: 'Phone', clients, conditions });
}

const within = (actual: number, expected: number, share: number) => Math.abs(actual - expected) <= expected * share;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

describe('network conditions: bandwidth', () => {
  test('100 kbit/s download for 127.0.0.2: 500 KB take 40 s ± 10 %, while 127.0.0.3 on the same proxy is unaffected', { timeout: 120_000 }, async () => {
    const profile = await profileWith({ downloadKbps: 100 });
    const url = origin.url('/bytes?n=500000');
    const phone = get(url, PHONE);
    // The other device downloads the same while the phone's transfer runs.
    const other = await get(url, OTHER);
    const slow = await phone;
    const expectedMs = (500_000 * 8) / 100_000 * 1000;
    assert.deepEqual(
      { phone: { status: slow.status, bytes: slow.bytes, onTime: within(slow.ms, expectedMs, 0.1) }, other: { status: other.status, bytes: other.bytes, fast: other.ms < expectedMs / 10 } },
      { phone: { status: 200, bytes: 500_000, onTime: true }, other: { status: 200, bytes: 500_000, fast: true } },
      `phone took ${slow.ms.toFixed(0)} ms (expected ${expectedMs} ms), other ${other.ms.toFixed(0)} ms`,
    );
    const flows = await proxy.finishedFlows(2);
    const byClient = Object.fromEntries(flows.map((f) => [f.client.ip, { state: f.state, size: f.response?.body.size, applied: f.appliedRules }]));
    assert.deepEqual(byClient, {
      [PHONE]: { state: 'completed', size: 500_000, applied: [{ id: profile.id, kind: 'conditions', name: 'profile Phone' }] },
      [OTHER]: { state: 'completed', size: 500_000, applied: [] },
    });
  });

  test('six parallel connections from 127.0.0.2 share one 400 kbit/s budget (12 s for 6 × 100 KB, not 2 s)', { timeout: 60_000 }, async () => {
    await profileWith({ downloadKbps: 400 });
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => get(origin.url('/bytes?n=100000'), PHONE)));
    const total = performance.now() - started;
    const expectedMs = (6 * 100_000 * 8) / 400_000 * 1000;
    assert.deepEqual(
      {
        answers: results.map((r) => [r.status, r.bytes]),
        totalOnTime: within(total, expectedMs, 0.1),
        // Taking turns: each connection lasts most of the shared time, none finishes in its own 2 s.
        eachShared: results.every((r) => r.ms > expectedMs * 0.75),
      },
      { answers: Array(6).fill([200, 100_000]), totalOnTime: true, eachShared: true },
      `total ${total.toFixed(0)} ms (expected ${expectedMs}), each ${results.map((r) => r.ms.toFixed(0)).join(', ')}`,
    );
  });

  test('an HTTP/2 client is shaped the same: curl --http2 from 127.0.0.2 gets 100 KB at 400 kbit/s in 2 s ± 10 %', { timeout: 60_000 }, async () => {
    await profileWith({ downloadKbps: 400 });
    const ca = pemFile(proxy.core.ca.certPem);
    try {
      const started = performance.now();
      const result = await curl(proxy.proxyUrl, ['--http2', '--interface', PHONE, '-o', '/dev/null', origin.url('/bytes?n=100000', { secure: true })], { caFile: ca.file, timeoutMs: 30_000 });
      const ms = performance.now() - started;
      const expectedMs = (100_000 * 8) / 400_000 * 1000;
      const [flow] = await proxy.finishedFlows(1);
      assert.deepEqual(
        { status: result.status, onTime: within(ms, expectedMs, 0.1), h2: flow.http2 !== undefined, size: flow.response?.body.size, state: flow.state },
        { status: 200, onTime: true, h2: true, size: 100_000, state: 'completed' },
        `took ${ms.toFixed(0)} ms (expected ${expectedMs} ms)`,
      );
    } finally {
      ca.dispose();
    }
  });

  test('upload bandwidth: a 50 KB request body at 200 kbit/s takes 2 s ± 10 %; the origin gets every byte', { timeout: 30_000 }, async () => {
    await profileWith({ uploadKbps: 200 });
    const body = Buffer.alloc(50_000, 'u');
    const started = performance.now();
    const answer = await new Promise<{ status?: number; text: string }>((resolve, reject) => {
      const url = origin.url('/echo');
      const req = http.request({ host: '127.0.0.1', port: proxy.port, method: 'POST', path: url, localAddress: PHONE, headers: { host: new URL(url).host, 'content-length': body.length }, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const ms = performance.now() - started;
    assert.deepEqual({ status: answer.status, bytes: (JSON.parse(answer.text) as { bodyBytes: number }).bodyBytes, onTime: within(ms, 2000, 0.1) }, { status: 200, bytes: 50_000, onTime: true }, `took ${ms.toFixed(0)} ms`);
  });
});

describe('network conditions: latency, jitter, connection setup', () => {
  test('100 requests at 100 ms ± 40 ms: bounded below, mean and spread as set; a new connection pays 200 ms more once', { timeout: 90_000 }, async () => {
    await proxy.core.rules.store.save({
      name: 'slow json',
      scope: { clients: [PHONE] },
      matchers: [{ type: 'url', pattern: '*/json', syntax: 'wildcard' }],
      action: { type: 'conditions', conditions: { latencyMs: 100, jitterMs: 40, connectLatencyMs: 200 } },
    });
    const url = origin.url('/json');
    const sample = async (localAddress: string) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress });
      try {
        const first = await get(url, localAddress, agent);
        const times: number[] = [];
        for (let i = 0; i < 100; i++) {
          const r = await get(url, localAddress, agent);
          assert.equal(r.status, 200);
          times.push(r.ms);
        }
        return { first: first.ms, times };
      } finally {
        agent.destroy();
      }
    };
    const base = await sample(OTHER);
    const phone = await sample(PHONE);
    const added = mean(phone.times) - mean(base.times);
    assert.deepEqual(
      {
        noneTooEarly: Math.min(...phone.times) >= 58,
        meanAdded: Math.abs(added - 100) <= 20,
        spread: sd(phone.times) >= 12 && sd(phone.times) <= 45,
        firstPaysSetup: phone.first >= 200 + 58,
      },
      { noneTooEarly: true, meanAdded: true, spread: true, firstPaysSetup: true },
      `min ${Math.min(...phone.times).toFixed(1)}, added mean ${added.toFixed(1)}, sd ${sd(phone.times).toFixed(1)}, first ${phone.first.toFixed(0)} ms`,
    );
  });
});

describe('network conditions: failures', () => {
  test('20 % resets over 200 requests: the count within 18–62, each a failed flow that says why', { timeout: 60_000 }, async () => {
    await profileWith({ resetPercent: 20 });
    const results: Fetched[] = [];
    for (let i = 0; i < 200; i++) results.push(await get(origin.url('/json'), PHONE));
    const resets = results.filter((r) => r.error).length;
    const answered = results.filter((r) => r.status === 200).length;
    assert.ok(resets >= 18 && resets <= 62, `${resets} of 200 reset`);
    const flows = await proxy.finishedFlows(200);
    const failed = flows.filter((f) => f.state === 'failed');
    assert.deepEqual(
      { answered: answered + resets, failed: failed.length, errors: [...new Set(failed.map((f) => JSON.stringify(f.error)))] },
      { answered: 200, failed: resets, errors: [JSON.stringify({ phase: 'rule', message: 'reset by network conditions (20 % reset)' })] },
    );
  });

  test('a stalled request gets no answer; when the client gives up the flow says it was stalled', { timeout: 30_000 }, async () => {
    await profileWith({ stallPercent: 100 });
    const r = await get(origin.url('/json'), PHONE, undefined, 1500);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ error: r.error, waited: r.ms >= 1400, received: origin.received.length, state: flow.state, phase: flow.error?.phase }, { error: 'test timeout', waited: true, received: 0, state: 'failed', phase: 'rule' });
    assert.match(flow.error!.message, /^stalled by network conditions \(100 % stalled\); the client gave up after 1\.\d s$/);
  });

  test('offline: HTTP and HTTPS (in a CONNECT tunnel) are cut at once; the global switch turns it off without editing it', { timeout: 30_000 }, async () => {
    await profileWith({ preset: 'offline' });
    const ca = pemFile(proxy.caPem);
    try {
      const plain = await curl(proxy.proxyUrl, ['--interface', PHONE, origin.url('/json')]);
      const secure = await curl(proxy.proxyUrl, ['--interface', PHONE, origin.url('/json', { secure: true })], { caFile: ca.file });
      const api = createApiHandlers(proxy.core);
      const off = await api['conditions.set']({ enabled: false });
      const after = await curl(proxy.proxyUrl, ['--interface', PHONE, origin.url('/json')]);
      const flows = await proxy.finishedFlows(3);
      assert.deepEqual(
        {
          plain: [plain.status, plain.exit !== 0],
          secure: [secure.status, secure.exit !== 0],
          after: after.status,
          status: off.conditions,
          flows: flows.map((f: Flow) => [f.request.url.split(':')[0], f.state, f.error?.message]),
        },
        {
          plain: [0, true],
          secure: [0, true],
          after: 200,
          status: { enabled: false, rules: 0, profiles: 1 },
          flows: [
            ['http', 'failed', 'reset by network conditions (offline)'],
            ['https', 'failed', 'reset by network conditions (offline)'],
            ['http', 'completed', undefined],
          ],
        },
      );
    } finally {
      ca.dispose();
    }
  });
});

describe('network conditions: WebSocket', () => {
  test('a 100 kbit/s phone gets a 25 KB echo in about 2 s, the other device at once; the handshake flow names the profile', { timeout: 30_000 }, async () => {
    const profile = await profileWith({ downloadKbps: 100 });
    const roundTrip = async (localAddress: string) => {
      const agent = new TunnelAgent(proxy.proxyUrl, { secure: false, localAddress });
      const ws = new WebSocket(origin.url('/ws').replace(/^http/, 'ws'), { agent });
      try {
        await once(ws, 'open');
        const started = performance.now();
        ws.send('x'.repeat(25_000));
        const [data] = (await once(ws, 'message')) as [Buffer];
        return { bytes: data.length, ms: performance.now() - started };
      } finally {
        ws.close();
        await once(ws, 'close');
        agent.destroy();
      }
    };
    const phone = await roundTrip(PHONE);
    const other = await roundTrip(OTHER);
    // 25,005 bytes of payload plus the frame header at 12,500 bytes/s.
    const expectedMs = (25_009 * 8) / 100_000 * 1000;
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      {
        phone: { bytes: phone.bytes, onTime: within(phone.ms, expectedMs, 0.15) },
        other: { bytes: other.bytes, fast: other.ms < expectedMs / 4 },
        applied: flows.map((f) => [f.client.ip, f.websocket, f.appliedRules]),
      },
      {
        phone: { bytes: 25_005, onTime: true },
        other: { bytes: 25_005, fast: true },
        applied: [
          [PHONE, true, [{ id: profile.id, kind: 'conditions', name: 'profile Phone' }]],
          [OTHER, true, []],
        ],
      },
      `phone ${phone.ms.toFixed(0)} ms (expected ${expectedMs.toFixed(0)}), other ${other.ms.toFixed(0)} ms`,
    );
  });
});
