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
 * Every throughput row runs twice in the same run, capture on and capture off (forwarding only, as
 * `serve --no-capture`), so capture's share of the CPU per request is read from one run; BENCH_CAPTURE=on|off
 * runs one mode only. BENCH_STORAGE=none|bodies (default full) keeps the recording but drops the flows, or
 * keeps only their body files: where the cost goes.
 * `sustained`: http-1k at full speed for BENCH_SUSTAINED (60 s), the proxy's RSS, stored flows and dropped
 * flows sampled every second: whether memory stays bounded while trims run (BENCH_MAX_FLOWS / BENCH_TRIM_COUNT
 * set the store's cap, default the store's own 60,000 / 10,000).
 * BENCH_SHORT=1: 1 s warm-up + 4 s per row, a 15 s sustained run with a 20,000-flow cap (a quick look).
 * BENCH_ONLY=http-1k,http-100k,https-1k,https-h2-1k,newhost,sustained picks rows. https-h2-1k: HTTP/2 end to
 * end, ALPN h2 only, 32 streams in flight over 4 tunnels (Node's http2 client), to an h2 origin (test/helpers/h2.ts).
 * BENCH_BEFORE=<another checkout> runs the
 * new-host row through that checkout's proxy as well, alternating with this one's (before/after a change); with
 * BENCH_STORE it also runs every throughput row through both checkouts' proxies, alternating before/after
 * BENCH_PAIRS times (default 3) per mode, and prints the medians of each side (for the PostgreSQL store's
 * write path, whose cost is the proxy's CPU plus the server's). BENCH_CAPTURE=pg runs the PostgreSQL store only.
 * BENCH_LOG=on|bodies adds `serve --log` (on) or `--log-bodies --log-file` (bodies, 64 KB per body) as serve
 * wires them: a FlowLogger fed by onFlowFinished, writing to a log file in the temp data dir.
 * BENCH_RAW_UTF8_PATHS=1 runs the proxy as `serve --raw-utf8-paths` (every client connection read through the
 * request-target encoder in JavaScript), to compare with the default native read.
 * BENCH_STORE=postgres://… (a cluster's admin URL): every throughput row runs with the embedded store (capture on)
 * and with the PostgreSQL store (capture pg: createTeamCore as `serve --store`, a fresh database per proxy created
 * and dropped through that URL), alternating; BENCH_PG_PID=<postmaster pid> adds PostgreSQL's CPU per request
 * (the postmaster and its children, from /proc), so the database's share of the work is in the same table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { loadOrCreateCa } from '../certs';
import { emptyBody, type BodyRef } from '../electron/common/flow';
import { FlowLogger, LOG_RECENT_BODIES } from '../electron/core/log/flow-logger';
import { LogFile } from '../electron/core/log/log-file';
import { startCaptureProxy } from '../electron/core/capture/proxy';
import { createCore, createTeamCore } from '../electron/core/core';
import { benchDatabase, postgresCpuMicros } from './pg-bench-db';
import { boundHeapGrowth } from '../electron/core/base/heap-growth';
import { BodyStore } from '../electron/core/store/bodies';
import { startOrigin, testLookup } from '../test/helpers/origin';
import { h2ThroughProxy, startH2Origin } from '../test/helpers/h2';
import type http2 from 'node:http2';
import { peakRssMB, percentile, startChild, type Child, type Message } from './child';

const SHORT = process.env.BENCH_SHORT === '1';
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? (SHORT ? 1 : 2));
const DURATION_S = Number(process.env.BENCH_DURATION ?? (SHORT ? 4 : 8));
const SUSTAINED_S = Number(process.env.BENCH_SUSTAINED ?? (SHORT ? 15 : 60));
const MAX_FLOWS = process.env.BENCH_MAX_FLOWS ? Number(process.env.BENCH_MAX_FLOWS) : SHORT ? 20_000 : undefined;
const TRIM_COUNT = process.env.BENCH_TRIM_COUNT ? Number(process.env.BENCH_TRIM_COUNT) : SHORT ? 5_000 : undefined;
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 2_000_000);
const CONCURRENCY = 32;
const NEW_HOSTS = 50;
const TIMEOUT_MS = 10_000;


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
  // As serve and the desktop app do (electron/core/base/heap-growth.ts).
  boundHeapGrowth();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
  const upstreamCa = [fs.readFileSync(process.env.BENCH_ORIGIN_CA!, 'utf8')];
  const storage = process.env.BENCH_STORAGE ?? 'full';
  let proxy: { port: number; caPem: string; stored(): number; dropped(): number; trimmed(): number; dispose(): Promise<void> };
  if (storage === 'full') {
    const logger = await benchLogger(dataDir, () => core.store.bodies);
    const store = { ...(MAX_FLOWS !== undefined ? { maxFlows: MAX_FLOWS } : {}), ...(TRIM_COUNT !== undefined ? { trimCount: TRIM_COUNT } : {}) };
    const coreOptions = { dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, upstreamCa, version: 'bench', onFlowFinished: logger?.push, store, rawUtf8Paths: process.env.BENCH_RAW_UTF8_PATHS === '1' || undefined };
    // capture pg: the PostgreSQL store as `serve --store postgres://… --node bench` opens it.
    const database = process.env.BENCH_PROXY_CAPTURE === 'pg' ? await benchDatabase(process.env.BENCH_STORE!) : undefined;
    const core = database ? await createTeamCore({ ...coreOptions, storeUrl: database.url, node: 'bench' }) : await createCore(coreOptions);
    // Capture off measures forwarding alone, to tell what recording costs.
    if (process.env.BENCH_PROXY_CAPTURE === 'off') core.setCapture(false);
    proxy = {
      port: core.proxyAddress().port,
      caPem: core.ca.certPem,
      stored: () => core.store.count(),
      dropped: () => core.status().dropped ?? 0,
      trimmed: () => core.store.lastTrim()?.removedTotal ?? 0,
      dispose: async () => {
        await core.dispose();
        await database?.drop();
      },
    };
  } else {
    // The cost breakdown: the same proxy and recording, with flows dropped (none) or only body files kept.
    const ca = await loadOrCreateCa(path.join(dataDir, 'ca'));
    let seq = 0;
    const bodies = storage === 'bodies' ? new BodyStore({ dir: path.join(dataDir, 'bodies') }) : { open: () => ({ write() {}, end: () => emptyBody() }), read: async () => Buffer.alloc(0), remove: async () => {} };
    const capture = await startCaptureProxy({ host: '127.0.0.1', port: 0, ca, sink: { flowStarted() {}, flowUpdated() {} }, bodies, nextSeq: () => ++seq, lookup: testLookup, upstreamCa });
    proxy = { port: capture.address().port, caPem: ca.certPem, stored: () => 0, dropped: () => 0, trimmed: () => 0, dispose: () => capture.dispose() };
  }
  process.send!({ type: 'ready', port: proxy.port, caPem: proxy.caPem });
  process.on('message', async (m: Message) => {
    if (m.type === 'usage') process.send!({ type: 'usage', cpuMicros: cpuMicros(), peakRssMB: peakRssMB(), rssMB: rssMB(), stored: proxy.stored(), dropped: proxy.dropped(), trimmed: proxy.trimmed() });
    if (m.type === 'stop') {
      await proxy.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.disconnect();
    }
  });
}

/** The log lines of `serve --log` / `--log-bodies --log-file`, as serve builds them (BENCH_LOG). */
async function benchLogger(dataDir: string, bodies: () => { read(ref: BodyRef): Promise<Buffer>; keepRecent?(maxBytes: number): void }): Promise<FlowLogger | undefined> {
  const mode = process.env.BENCH_LOG;
  if (mode !== 'on' && mode !== 'bodies') return undefined;
  const file = await LogFile.open(path.join(dataDir, 'flows.log'));
  let kept = false;
  return new FlowLogger({
    write: (text) => file.write(text),
    read: (ref) => {
      const store = bodies();
      if (!kept && mode === 'bodies') store.keepRecent?.(LOG_RECENT_BODIES);
      kept = true;
      return store.read(ref);
    },
    bodyLimit: mode === 'bodies' ? 64 * 1024 : undefined,
  });
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}


function rssMB(): number {
  return Math.round(process.memoryUsage.rss() / (1024 * 1024));
}

// ---------- the load client ----------

/** `file`: this bench, or the same bench in another checkout (BENCH_BEFORE), whose proxy role then runs that code. */
const startRole = (role: string, env: NodeJS.ProcessEnv = {}, file = __filename): Promise<Child> => startChild(file, role, env);

interface Row {
  scenario: string;
  reqPerSec?: number;
  p50?: number;
  p99?: number;
  errors: number;
  cpuMicrosPerReq?: number;
  /** PostgreSQL's CPU per request (capture pg with BENCH_PG_PID). */
  pgCpuMicrosPerReq?: number;
  peakRssMB: number;
  note?: string;
}


async function fetchAll(url: string, dispatcher: Dispatcher, expectBytes: number): Promise<void> {
  const { statusCode, body } = await request(url, { dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  if (statusCode !== 200 || n !== expectBytes) throw new Error(`status ${statusCode}, ${n} bytes`);
}

/** on: the embedded store; off: forwarding only; pg: the PostgreSQL store (BENCH_STORE). */
type CaptureMode = 'on' | 'off' | 'pg';

/** One sample of the sustained run: seconds since the load began, and the proxy's state then. */
interface Sample {
  t: number;
  rssMB: number;
  stored: number;
  dropped: number;
  trimmed: number;
  reqPerSec: number;
}

/**
 * Closed-loop load on one fresh proxy: warm-up, then `durationS` measured. With `sampleEveryS`, the proxy's
 * RSS and store counts are asked for on that schedule from the start of the load (the sustained row).
 */
async function throughput(name: string, url: string, expectBytes: number, originCa: string, capture: CaptureMode, durationS = DURATION_S, samples?: Sample[], file = __filename): Promise<Row> {
  const proxy = await startRole('proxy', { BENCH_ORIGIN_CA: originCa, BENCH_PROXY_CAPTURE: capture }, file);
  const dispatcher = new ProxyAgent({
    uri: `http://127.0.0.1:${proxy.ready.port}`,
    proxyTunnel: false,
    requestTls: { ca: proxy.ready.caPem as string },
    connections: CONCURRENCY,
    keepAliveTimeout: 60_000,
  });
  try {
    return await closedLoop(name, proxy, () => fetchAll(url, dispatcher, expectBytes), capture, durationS, samples);
  } finally {
    await dispatcher.close();
    await proxy.stop();
  }
}

/**
 * CONCURRENCY workers each send one request after another (`send(worker)`) for the warm-up and the measured
 * time; the row has the measured requests' rate and latency and the proxy's CPU and peak RSS.
 */
async function closedLoop(name: string, proxy: Child, send: (worker: number) => Promise<void>, capture: CaptureMode, durationS = DURATION_S, samples?: Sample[]): Promise<Row> {
  const t0 = performance.now();
  const measureFrom = t0 + WARMUP_S * 1000;
  const end = measureFrom + durationS * 1000;
  const latencies: number[] = [];
  let issued = 0;
  let completed = 0;
  let errors = 0;
  let cpuAtStart = 0;
  let pgCpuAtStart: number | undefined;
  const startMeasure = setTimeout(async () => {
    if (capture === 'pg') pgCpuAtStart = postgresCpuMicros();
    cpuAtStart = (await proxy.ask('usage')).cpuMicros as number;
  }, WARMUP_S * 1000);
  let sampler: NodeJS.Timeout | undefined;
  if (samples) {
    let lastCompleted = 0;
    let lastAt = t0;
    sampler = setInterval(async () => {
      const now = performance.now();
      const u = await proxy.ask('usage');
      samples.push({
        t: Math.round((now - t0) / 1000),
        rssMB: u.rssMB as number,
        stored: u.stored as number,
        dropped: u.dropped as number,
        trimmed: u.trimmed as number,
        reqPerSec: Math.round(((completed - lastCompleted) * 1000) / (now - lastAt)),
      });
      lastCompleted = completed;
      lastAt = now;
    }, 1000);
  }
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (issued < MAX_REQUESTS) {
        const start = performance.now();
        if (start >= end) break;
        issued++;
        try {
          await send(worker);
          completed++;
          const done = performance.now();
          if (start >= measureFrom && done <= end) latencies.push(done - start);
        } catch {
          if (start >= measureFrom) errors++;
        }
      }
    }),
  );
  clearTimeout(startMeasure);
  if (sampler) clearInterval(sampler);
  const pgCpuAtEnd = capture === 'pg' ? postgresCpuMicros() : undefined;
  const usage = await proxy.ask('usage');
  latencies.sort((a, b) => a - b);
  const rate = latencies.length / durationS;
  return {
    scenario: `${name}, capture ${capture}`,
    reqPerSec: Math.round(rate),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    errors,
    // Includes the store's flushes and the body files, as a user pays them.
    cpuMicrosPerReq: cpuAtStart ? Math.round(((usage.cpuMicros as number) - cpuAtStart) / Math.max(1, latencies.length)) : undefined,
    pgCpuMicrosPerReq: pgCpuAtStart !== undefined && pgCpuAtEnd !== undefined ? Math.round((pgCpuAtEnd - pgCpuAtStart) / Math.max(1, latencies.length)) : undefined,
    peakRssMB: usage.peakRssMB as number,
    note: (usage.dropped as number) > 0 ? `${usage.dropped as number} flows dropped` : undefined,
  };
}

/** HTTP/2 end to end: 4 tunnels with ALPN h2 only, 8 streams in flight on each (32 in all), closed loop. */
async function h2Throughput(name: string, h2Port: number, expectBytes: number, originCa: string, capture: CaptureMode): Promise<Row> {
  const TUNNELS = 4;
  const proxy = await startRole('proxy', { BENCH_ORIGIN_CA: originCa, BENCH_PROXY_CAPTURE: capture });
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
    return await closedLoop(name, proxy, (worker) => get(sessions[worker % TUNNELS]), capture);
  } finally {
    for (const session of sessions) session.destroy();
    await proxy.stop();
  }
}

/** Sequential: for h1…h50.test, a fresh client connection (CONNECT, a certificate minted, upstream TLS, GET). */
async function newHosts(httpsPort: number, originCa: string, file = __filename, label = ''): Promise<Row[]> {
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
  const proxy = await startRole('proxy', { BENCH_ORIGIN_CA: originCa, BENCH_PROXY_CAPTURE: 'on' }, file);
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
  // Where the slowest first requests fell (the first host after start, or spread out), before sorting.
  const slowest = first.map((ms, i) => [ms, i + 1]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  console.log(`new host${label}: slowest first requests ${slowest.map(([ms, host]) => `h${host} ${round(ms)} ms`).join(', ')}`);
  first.sort((a, b) => a - b);
  second.sort((a, b) => a - b);
  const cpuMsPerHost = ((usage.cpuMicros as number) - cpuAtStart) / 1000 / NEW_HOSTS;
  return [
    { scenario: `https new host${label}: 1st request`, p50: round(percentile(first, 50)), p99: round(percentile(first, 99)), errors, peakRssMB: usage.peakRssMB as number, note: `${round(cpuMsPerHost)} ms CPU/host` },
    { scenario: `https new host${label}: 2nd conn`, p50: round(percentile(second, 50)), p99: round(percentile(second, 99)), errors: 0, peakRssMB: usage.peakRssMB as number },
  ];
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);

async function main(): Promise<void> {
  const onlyMode = process.env.BENCH_CAPTURE;
  const modes: CaptureMode[] = onlyMode === 'off' || onlyMode === 'on' || onlyMode === 'pg' ? [onlyMode] : process.env.BENCH_STORE ? ['on', 'pg'] : ['on', 'off'];
  // BENCH_BEFORE with BENCH_STORE: every throughput row through both checkouts, BENCH_PAIRS times each.
  const beforeRows = process.env.BENCH_BEFORE && process.env.BENCH_STORE ? path.join(path.resolve(process.env.BENCH_BEFORE), 'bench', 'capture.bench.ts') : undefined;
  const pairs = beforeRows ? Math.max(1, Number(process.env.BENCH_PAIRS ?? 3)) : 1;
  const watchdog = setTimeout(() => {
    console.error('capture bench: watchdog fired');
    process.exit(3);
  }, (4 * modes.length * (beforeRows ? 2 * pairs : 1) * (WARMUP_S + DURATION_S + 10) + SUSTAINED_S + 300) * 1000);
  watchdog.unref();
  const origin = await startRole('origin');
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-ca-'));
  const originCa = path.join(caDir, 'origin-ca.pem');
  fs.writeFileSync(originCa, origin.ready.caPem as string);
  const { httpPort, httpsPort, h2Port } = origin.ready as unknown as { httpPort: number; httpsPort: number; h2Port: number };
  const rows: Row[] = [];
  const samples: Sample[] = [];
  const loadBefore = os.loadavg();
  try {
    const only = process.env.BENCH_ONLY?.split(',');
    const wanted = (name: string) => !only || only.includes(name);
    const rowsOf: [string, string, number][] = [
      ['http-1k', `http://origin.test:${httpPort}/bytes?n=1024`, 1024],
      ['http-100k', `http://origin.test:${httpPort}/bytes?n=102400`, 102400],
      ['https-1k', `https://origin.test:${httpsPort}/bytes?n=1024`, 1024],
    ];
    // Modes alternate row by row, so a change in the machine's load between them shows as noise, not as a bias.
    for (const [name, url, bytes] of rowsOf) {
      if (!wanted(name)) continue;
      for (let pair = 0; pair < pairs; pair++) {
        for (const mode of modes) {
          if (beforeRows) rows.push(labelled(await throughput(name, url, bytes, originCa, mode, DURATION_S, undefined, beforeRows), BEFORE_LABEL));
          rows.push(await throughput(name, url, bytes, originCa, mode));
        }
      }
    }
    if (wanted('https-h2-1k')) for (const mode of modes) rows.push(await h2Throughput('https-h2-1k', h2Port, 1024, originCa, mode));
    // BENCH_BEFORE=<another checkout>: the same 50 new hosts through that checkout's proxy too, alternating.
    const before = process.env.BENCH_BEFORE;
    if (wanted('newhost')) {
      for (let rep = 0; rep < (before ? 2 : 1); rep++) {
        if (before) rows.push(...(await newHosts(httpsPort, originCa, path.join(path.resolve(before), 'bench', 'capture.bench.ts'), ` (before: ${path.basename(before)})`)));
        rows.push(...(await newHosts(httpsPort, originCa)));
      }
    }
    if (wanted('sustained')) rows.push(await throughput(`sustained http-1k ${SUSTAINED_S} s`, `http://origin.test:${httpPort}/bytes?n=1024`, 1024, originCa, 'on', SUSTAINED_S, samples));
  } finally {
    await origin.stop();
    fs.rmSync(caDir, { recursive: true, force: true });
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`storage ${process.env.BENCH_STORAGE ?? 'full'}, log ${process.env.BENCH_LOG ?? 'off'}, ${CONCURRENCY} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load average before ${load(loadBefore)}, after ${load(os.loadavg())}\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms | errors | proxy CPU µs/req | PostgreSQL CPU µs/req | proxy peak RSS MB |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.reqPerSec?.toLocaleString('en-US') ?? '—'} | ${r.p50} | ${r.p99} | ${r.errors} | ${[r.cpuMicrosPerReq, r.note].filter((x) => x !== undefined).join(', ') || '—'} | ${r.pgCpuMicrosPerReq ?? '—'} | ${r.peakRssMB} |`);
  }
  printCaptureShare(rows);
  printStoreShare(rows);
  if (beforeRows) printBeforeAfter(rows);
  if (samples.length) printSamples(samples);
}

/** Capture's cost per row: CPU per request with capture on over the same with capture off, from this run. */
function printCaptureShare(rows: Row[]): void {
  const lines: string[] = [];
  for (const on of rows) {
    const name = on.scenario.endsWith(', capture on') ? on.scenario.slice(0, -', capture on'.length) : undefined;
    const off = name && rows.find((r) => r.scenario === `${name}, capture off`);
    if (!off || !on.cpuMicrosPerReq || !off.cpuMicrosPerReq) continue;
    lines.push(`| ${name} | ${on.cpuMicrosPerReq} | ${off.cpuMicrosPerReq} | ${(on.cpuMicrosPerReq / off.cpuMicrosPerReq).toFixed(2)}× | ${((on.reqPerSec ?? 0) / Math.max(1, off.reqPerSec ?? 0)).toFixed(2)}× |`);
  }
  if (lines.length === 0) return;
  console.log('\n| row | CPU µs/req capture on | capture off | on ÷ off (goal ≤ 1.25×) | req/s on ÷ off |');
  console.log('|---|--:|--:|--:|--:|');
  for (const l of lines) console.log(l);
}

/** The PostgreSQL store against the embedded one, per row of this run (issue 21's goal: within 10 %). */
function printStoreShare(rows: Row[]): void {
  const lines: string[] = [];
  for (const pgRow of rows) {
    const name = pgRow.scenario.endsWith(', capture pg') ? pgRow.scenario.slice(0, -', capture pg'.length) : undefined;
    const embedded = name && rows.find((r) => r.scenario === `${name}, capture on`);
    if (!embedded || !pgRow.reqPerSec || !embedded.reqPerSec) continue;
    lines.push(`| ${name} | ${pgRow.reqPerSec.toLocaleString('en-US')} | ${embedded.reqPerSec.toLocaleString('en-US')} | ${(pgRow.reqPerSec / embedded.reqPerSec).toFixed(2)}× | ${pgRow.peakRssMB} / ${embedded.peakRssMB} MB |`);
  }
  if (lines.length === 0) return;
  console.log('\n| row | req/s PostgreSQL | embedded | PostgreSQL ÷ embedded (goal ≥ 0.90×) | peak RSS PostgreSQL / embedded |');
  console.log('|---|--:|--:|--:|--:|');
  for (const l of lines) console.log(l);
}

/** What a row run through the BENCH_BEFORE checkout's proxy carries at the end of its scenario name. */
const BEFORE_LABEL = ' (before)';

function labelled(row: Row, label: string): Row {
  return { ...row, scenario: row.scenario + label };
}

/** The median of the defined values (undefined when there are none). */
function median(values: (number | undefined)[]): number | undefined {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
}

/**
 * BENCH_BEFORE with BENCH_STORE: per row and mode, the medians over the alternating pairs of the two checkouts —
 * req/s, the proxy's CPU per request, PostgreSQL's, and both together (what the two shared cores pay).
 */
function printBeforeAfter(rows: Row[]): void {
  const scenarios = [...new Set(rows.map((r) => r.scenario).filter((s) => !s.endsWith(BEFORE_LABEL)))];
  console.log('\n| row (medians of the pairs) | side | runs | req/s | proxy CPU µs/req | PostgreSQL CPU µs/req | together | flows dropped |');
  console.log('|---|---|--:|--:|--:|--:|--:|--:|');
  for (const scenario of scenarios) {
    for (const [side, label] of [['before', BEFORE_LABEL], ['after', '']] as const) {
      const runs = rows.filter((r) => r.scenario === scenario + label);
      const proxyCpu = median(runs.map((r) => r.cpuMicrosPerReq));
      const pgCpu = median(runs.map((r) => r.pgCpuMicrosPerReq));
      const together = median(runs.map((r) => (r.cpuMicrosPerReq === undefined ? undefined : r.cpuMicrosPerReq + (r.pgCpuMicrosPerReq ?? 0))));
      const dropped = runs.map((r) => Number(/^(\d+) flows dropped/.exec(r.note ?? '')?.[1] ?? 0)).join(', ');
      console.log(`| ${scenario} | ${side} | ${runs.length} | ${median(runs.map((r) => r.reqPerSec))?.toLocaleString('en-US') ?? '—'} | ${proxyCpu ?? '—'} | ${pgCpu ?? '—'} | ${together ?? '—'} | ${dropped} |`);
    }
  }
}

/** The sustained run's RSS over time, and the figures the memory goal reads. */
function printSamples(samples: Sample[]): void {
  console.log(`\nsustained run (store cap ${MAX_FLOWS ?? 'default 60,000'} flows, trims of ${TRIM_COUNT ?? 'default 10,000'}): one sample a second`);
  console.log('\n| t s | RSS MB | req/s | stored | trimmed so far | dropped so far |');
  console.log('|--:|--:|--:|--:|--:|--:|');
  for (const s of samples) console.log(`| ${s.t} | ${s.rssMB} | ${s.reqPerSec.toLocaleString('en-US')} | ${s.stored.toLocaleString('en-US')} | ${s.trimmed.toLocaleString('en-US')} | ${s.dropped.toLocaleString('en-US')} |`);
  const rss = samples.map((s) => s.rssMB);
  const half = rss.slice(Math.floor(rss.length / 2));
  console.log(`\nRSS: peak ${Math.max(...rss)} MB; second half of the run ${Math.min(...half)}–${Math.max(...half)} MB; last ${rss[rss.length - 1]} MB`);
}

const role = process.env.BENCH_ROLE;
(role === 'origin' ? originRole() : role === 'proxy' ? proxyRole() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
