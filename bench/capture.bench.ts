/**
 * Capture proxy benchmark (`npm run bench capture`): req/s and latency through the proxy with capture on
 * (flows into the real store, bodies into body files), for HTTP 1 KB, HTTP 100 KB and HTTPS 1 KB keep-alive
 * (32 connections, closed loop), the first request to a new HTTPS host (median over 50 hosts), and the
 * proxy's peak RSS.
 *
 * Three processes, so the proxy's CPU and memory are its own: this one (the undici load client), the test
 * origin (test/helpers/origin.ts) and the proxy (createCore in a temp data dir), the last two started from
 * this same file with BENCH_ROLE. A fresh proxy per scenario: cold caches, peak RSS per scenario.
 * Bounded: BENCH_WARMUP (2 s) + BENCH_DURATION (8 s) per scenario, at most BENCH_MAX_REQUESTS requests.
 * BENCH_CAPTURE=off runs the same with capture off (forwarding only); BENCH_STORAGE=none|bodies (default
 * full) keeps the recording but drops the flows, or keeps only their body files: where the cost goes.
 * BENCH_ONLY=http-1k,http-100k,https-1k,https-h2-1k,newhost picks rows. https-h2-1k: HTTP/2 end to end, ALPN h2
 * only, 32 streams in flight over 4 tunnels (Node's http2 client), to an h2 origin (test/helpers/h2.ts).
 * BENCH_LOG=on|bodies adds `serve --log` (on) or `--log-bodies --log-file` (bodies, 64 KB per body) as serve
 * wires them: a FlowLogger fed by onFlowFinished, writing to a log file in the temp data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { loadOrCreateCa } from '../certs';
import { emptyBody, type BodyRef } from '../electron/common/flow';
import { FlowLogger } from '../electron/core/log/flow-logger';
import { LogFile } from '../electron/core/log/log-file';
import { startCaptureProxy } from '../electron/core/capture/proxy';
import { createCore } from '../electron/core/core';
import { BodyStore } from '../electron/core/store/bodies';
import { startOrigin, testLookup } from '../test/helpers/origin';
import { h2ThroughProxy, startH2Origin } from '../test/helpers/h2';
import type http2 from 'node:http2';

const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 2_000_000);
const CONCURRENCY = 32;
const NEW_HOSTS = 50;
const TIMEOUT_MS = 10_000;

type Message = { type: string; [key: string]: unknown };

// ---------- the two helper roles ----------

async function originRole(): Promise<void> {
  const origin = await startOrigin();
  const h2origin = await startH2Origin();
  process.send!({ type: 'ready', httpPort: origin.httpPort, httpsPort: origin.httpsPort, h2Port: h2origin.tlsPort, caPem: origin.caPem });
  process.on('message', async (m: Message) => {
    if (m.type === 'stop') {
      await h2origin.close();
      await origin.close();
      process.disconnect();
    }
  });
}

async function proxyRole(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
  const upstreamCa = [fs.readFileSync(process.env.BENCH_ORIGIN_CA!, 'utf8')];
  const storage = process.env.BENCH_STORAGE ?? 'full';
  let proxy: { port: number; caPem: string; stored(): number; dispose(): Promise<void> };
  if (storage === 'full') {
    const logger = await benchLogger(dataDir, () => core.store.bodies);
    const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, upstreamCa, version: 'bench', onFlowFinished: logger?.push });
    // BENCH_CAPTURE=off measures forwarding alone, to tell what recording costs.
    if (process.env.BENCH_CAPTURE === 'off') core.setCapture(false);
    proxy = { port: core.proxyAddress().port, caPem: core.ca.certPem, stored: () => core.store.count(), dispose: () => core.dispose() };
  } else {
    // The cost breakdown: the same proxy and recording, with flows dropped (none) or only body files kept.
    const ca = await loadOrCreateCa(path.join(dataDir, 'ca'));
    let seq = 0;
    const bodies = storage === 'bodies' ? new BodyStore({ dir: path.join(dataDir, 'bodies') }) : { open: () => ({ write() {}, end: () => emptyBody() }), read: async () => Buffer.alloc(0), remove: async () => {} };
    const capture = await startCaptureProxy({ host: '127.0.0.1', port: 0, ca, sink: { flowStarted() {}, flowUpdated() {} }, bodies, nextSeq: () => ++seq, lookup: testLookup, upstreamCa });
    proxy = { port: capture.address().port, caPem: ca.certPem, stored: () => 0, dispose: () => capture.dispose() };
  }
  process.send!({ type: 'ready', port: proxy.port, caPem: proxy.caPem });
  process.on('message', async (m: Message) => {
    if (m.type === 'usage') process.send!({ type: 'usage', cpuMicros: cpuMicros(), peakRssMB: peakRssMB(), stored: proxy.stored() });
    if (m.type === 'stop') {
      await proxy.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.disconnect();
    }
  });
}

/** The log lines of `serve --log` / `--log-bodies --log-file`, as serve builds them (BENCH_LOG). */
async function benchLogger(dataDir: string, bodies: () => { read(ref: BodyRef): Promise<Buffer> }): Promise<FlowLogger | undefined> {
  const mode = process.env.BENCH_LOG;
  if (mode !== 'on' && mode !== 'bodies') return undefined;
  const file = await LogFile.open(path.join(dataDir, 'flows.log'));
  return new FlowLogger({ write: (text) => file.write(text), read: (ref) => bodies().read(ref), bodyLimit: mode === 'bodies' ? 64 * 1024 : undefined });
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function peakRssMB(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

// ---------- the load client ----------

interface Child {
  process: ChildProcess;
  ready: Message;
  ask(type: string): Promise<Message>;
  stop(): Promise<void>;
}

async function startChild(role: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), __filename], {
    env: { ...process.env, ...env, BENCH_ROLE: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Message>((resolve, reject) => {
    child.once('message', (m: Message) => resolve(m));
    child.once('exit', (code) => reject(new Error(`${role} exited (${code}) before it was ready`)));
  });
  return {
    process: child,
    ready,
    ask: (type) =>
      new Promise((resolve) => {
        child.once('message', (m: Message) => resolve(m));
        child.send({ type });
      }),
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

interface Row {
  scenario: string;
  reqPerSec?: number;
  p50?: number;
  p99?: number;
  errors: number;
  cpuMicrosPerReq?: number;
  peakRssMB: number;
  note?: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function fetchAll(url: string, dispatcher: Dispatcher, expectBytes: number): Promise<void> {
  const { statusCode, body } = await request(url, { dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  if (statusCode !== 200 || n !== expectBytes) throw new Error(`status ${statusCode}, ${n} bytes`);
}

async function throughput(name: string, url: string, expectBytes: number, originCa: string): Promise<Row> {
  const proxy = await startChild('proxy', { BENCH_ORIGIN_CA: originCa });
  const dispatcher = new ProxyAgent({
    uri: `http://127.0.0.1:${proxy.ready.port}`,
    proxyTunnel: false,
    requestTls: { ca: proxy.ready.caPem as string },
    connections: CONCURRENCY,
    keepAliveTimeout: 60_000,
  });
  try {
    return await closedLoop(name, proxy, () => fetchAll(url, dispatcher, expectBytes));
  } finally {
    await dispatcher.close();
    await proxy.stop();
  }
}

/**
 * CONCURRENCY workers each send one request after another (`send(worker)`) for the warm-up and the measured
 * time; the row has the measured requests' rate and latency and the proxy's CPU and peak RSS.
 */
async function closedLoop(name: string, proxy: Child, send: (worker: number) => Promise<void>): Promise<Row> {
  const t0 = performance.now();
  const measureFrom = t0 + WARMUP_S * 1000;
  const end = measureFrom + DURATION_S * 1000;
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let cpuAtStart = 0;
  const startMeasure = setTimeout(async () => (cpuAtStart = (await proxy.ask('usage')).cpuMicros as number), WARMUP_S * 1000);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (issued < MAX_REQUESTS) {
        const start = performance.now();
        if (start >= end) break;
        issued++;
        try {
          await send(worker);
          const done = performance.now();
          if (start >= measureFrom && done <= end) latencies.push(done - start);
        } catch {
          if (start >= measureFrom) errors++;
        }
      }
    }),
  );
  clearTimeout(startMeasure);
  const usage = await proxy.ask('usage');
  latencies.sort((a, b) => a - b);
  const rate = latencies.length / DURATION_S;
  return {
    scenario: name,
    reqPerSec: Math.round(rate),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    errors,
    // Includes the store's flushes and the body files, as a user pays them.
    cpuMicrosPerReq: cpuAtStart ? Math.round(((usage.cpuMicros as number) - cpuAtStart) / Math.max(1, latencies.length)) : undefined,
    peakRssMB: usage.peakRssMB as number,
  };
}

/** HTTP/2 end to end: 4 tunnels with ALPN h2 only, 8 streams in flight on each (32 in all), closed loop. */
async function h2Throughput(name: string, h2Port: number, expectBytes: number, originCa: string): Promise<Row> {
  const TUNNELS = 4;
  const proxy = await startChild('proxy', { BENCH_ORIGIN_CA: originCa });
  const sessions: http2.ClientHttp2Session[] = [];
  for (let i = 0; i < TUNNELS; i++) sessions.push(await h2ThroughProxy(proxy.ready.port as number, 'h2.test', h2Port, proxy.ready.caPem as string));
  const get = (session: http2.ClientHttp2Session) =>
    new Promise<void>((resolve, reject) => {
      const stream = session.request({ ':path': `/bytes?n=${expectBytes}` });
      let n = 0;
      let status = 0;
      stream.setTimeout(TIMEOUT_MS, () => stream.close());
      stream.on('response', (head) => (status = Number(head[':status'])));
      stream.on('data', (chunk: Buffer) => (n += chunk.length));
      stream.on('end', () => (status === 200 && n === expectBytes ? resolve() : reject(new Error(`status ${status}, ${n} bytes`))));
      stream.on('error', reject);
    });
  try {
    return await closedLoop(name, proxy, (worker) => get(sessions[worker % TUNNELS]));
  } finally {
    for (const session of sessions) session.destroy();
    await proxy.stop();
  }
}

/** Sequential: for h1…h50.test, a fresh client connection (CONNECT, a certificate minted, upstream TLS, GET). */
async function newHosts(httpsPort: number, originCa: string): Promise<Row[]> {
  const originCaPem = fs.readFileSync(originCa, 'utf8');
  // Warm the origin's own certificate cache first, so only the proxy's work is timed.
  for (let i = 1; i <= NEW_HOSTS; i++) {
    await new Promise<void>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: httpsPort, servername: `h${i}.test`, ca: originCaPem }, () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  }
  const proxy = await startChild('proxy', { BENCH_ORIGIN_CA: originCa });
  const first: number[] = [];
  const second: number[] = [];
  let errors = 0;
  const cpuAtStart = (await proxy.ask('usage')).cpuMicros as number;
  for (let i = 1; i <= NEW_HOSTS; i++) {
    for (const into of [first, second]) {
      const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${proxy.ready.port}`, requestTls: { ca: proxy.ready.caPem as string } });
      const start = performance.now();
      try {
        await fetchAll(`https://h${i}.test:${httpsPort}/bytes?n=1024`, dispatcher, 1024);
        into.push(performance.now() - start);
      } catch {
        errors++;
      } finally {
        await dispatcher.close();
      }
    }
  }
  const usage = await proxy.ask('usage');
  await proxy.stop();
  first.sort((a, b) => a - b);
  second.sort((a, b) => a - b);
  const cpuMsPerHost = ((usage.cpuMicros as number) - cpuAtStart) / 1000 / NEW_HOSTS;
  return [
    { scenario: 'https new host: 1st request', p50: round(percentile(first, 50)), p99: round(percentile(first, 99)), errors, peakRssMB: usage.peakRssMB as number, note: `${round(cpuMsPerHost)} ms CPU/host` },
    { scenario: 'https new host: 2nd conn', p50: round(percentile(second, 50)), p99: round(percentile(second, 99)), errors: 0, peakRssMB: usage.peakRssMB as number },
  ];
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error('capture bench: watchdog fired');
    process.exit(3);
  }, (5 * (WARMUP_S + DURATION_S) + 300) * 1000);
  watchdog.unref();
  const origin = await startChild('origin');
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-ca-'));
  const originCa = path.join(caDir, 'origin-ca.pem');
  fs.writeFileSync(originCa, origin.ready.caPem as string);
  const { httpPort, httpsPort, h2Port } = origin.ready as unknown as { httpPort: number; httpsPort: number; h2Port: number };
  const rows: Row[] = [];
  try {
    const only = process.env.BENCH_ONLY?.split(',');
    const wanted = (name: string) => !only || only.includes(name);
    if (wanted('http-1k')) rows.push(await throughput('http-1k', `http://origin.test:${httpPort}/bytes?n=1024`, 1024, originCa));
    if (wanted('http-100k')) rows.push(await throughput('http-100k', `http://origin.test:${httpPort}/bytes?n=102400`, 102400, originCa));
    if (wanted('https-1k')) rows.push(await throughput('https-1k', `https://origin.test:${httpsPort}/bytes?n=1024`, 1024, originCa));
    if (wanted('https-h2-1k')) rows.push(await h2Throughput('https-h2-1k', h2Port, 1024, originCa));
    if (wanted('newhost')) rows.push(...(await newHosts(httpsPort, originCa)));
  } finally {
    await origin.stop();
    fs.rmSync(caDir, { recursive: true, force: true });
  }
  console.log(`capture ${process.env.BENCH_CAPTURE === 'off' ? 'OFF' : 'on'}, storage ${process.env.BENCH_STORAGE ?? 'full'}, log ${process.env.BENCH_LOG ?? 'off'}, ${CONCURRENCY} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms | errors | proxy CPU µs/req | proxy peak RSS MB |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.reqPerSec?.toLocaleString('en-US') ?? '—'} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.cpuMicrosPerReq ?? r.note ?? '—'} | ${r.peakRssMB} |`);
  }
}

const role = process.env.BENCH_ROLE;
(role === 'origin' ? originRole() : role === 'proxy' ? proxyRole() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
