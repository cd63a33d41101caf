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
 * keeps only their body files (in segments, as the store writes them): where the cost goes.
 * `sustained`: http-1k at full speed for BENCH_SUSTAINED (60 s), the proxy's RSS, stored flows and dropped
 * flows sampled every second: whether memory stays bounded while trims run (BENCH_MAX_FLOWS / BENCH_TRIM_COUNT
 * set the store's cap, default the store's own 60,000 / 10,000).
 * BENCH_SHORT=1: 1 s warm-up + 4 s per row, a 15 s sustained run with a 20,000-flow cap (a quick look).
 * BENCH_THREADS=1 adds to each row where the proxy's CPU goes by thread (main, v8-platform: V8's GC helpers,
 * store-worker, pool: libuv's; bench/thread-names.cjs names them) and the proxy thread's bytes allocated and
 * promoted per request.
 * BENCH_ONLY=http-1k,http-100k,https-1k,https-h2-1k,newhost,sustained picks rows. https-h2-1k: HTTP/2 end to
 * end, ALPN h2 only, 32 streams in flight over 4 tunnels (Node's http2 client), to an h2 origin (test/helpers/h2.ts).
 * The new-host row also prints its three slowest first requests with the proxy's CPU during each, and the
 * median and largest CPU per first request (Linux, from /proc): a slow request the proxy worked no more on
 * than on the median one waited for a CPU (other work on the machine), which no change to the proxy fixes.
 * BENCH_BEFORE=<another checkout> runs the
 * new-host row and the https-h2-1k row through that checkout's proxy as well, alternating with this one's
 * (before/after a change); the h2 row BENCH_PAIRS times (default 3), which of the two goes first swapped each
 * pair, then the medians. BENCH_MOCKTTP_DIR (where mockttp is installed, e.g. /tmp/peers/npm) adds the h2 row
 * through a mockttp passthrough proxy (child.ts mockttpRole) as the peer. BENCH_PROXY_NODE_FLAGS adds node flags
 * to the proxy processes only (`--cpu-prof --cpu-prof-dir=DIR`: where a row's proxy CPU goes).
 * BENCH_LOG=on|bodies adds `serve --log` (on) or `--log-bodies --log-file` (bodies, 64 KB per body) as serve
 * wires them: a FlowLogger fed by onFlowFinished, writing to a log file in the temp data dir. A list
 * (BENCH_LOG=off,bodies) runs every throughput row once per mode, alternating, and adds a table of medians:
 * what body logging costs, read from one run. BENCH_REPS=N repeats the throughput rows N times (medians over
 * the reps); with BENCH_BEFORE the throughput rows also run through that checkout's proxy, alternating with
 * this one's. Each row reports the proxy thread's garbage collections per 1,000 requests (perf_hooks 'gc'
 * entries: all, and full mark-compacts) and their time per request.
 * BENCH_INTERLEAVE=capture|log measures the cost of capture (against forwarding alone) or of BENCH_LOG's logging
 * inside one proxy process: under the row's constant load the proxy switches capture (or the logger) off and on
 * every BENCH_PHASE_MS (2,000) and records its CPU and the requests it received in each phase (BENCH_PHASES_OUT=FILE
 * appends each phase there as a JSON line with its end time, to split a BENCH_PROXY_NODE_FLAGS=--cpu-prof profile
 * by phase); the row then
 * reports the medians of the phases, on and off, and their ratio. Alternating whole runs could not tell these
 * apart on the benchmark VM, whose speed moved up to 2x within a minute; phases of two seconds in one process
 * see the same machine. A phase's work can spill into the next (the store's batches, collections), which
 * narrows the ratio rather than widening it. Requests are counted at the proxy's HTTP and HTTPS servers'
 * 'request' events (the HTTP/1.1 rows only). With BENCH_INTERLEAVE=log the body store keeps its recent bodies
 * in both phases.
 * BENCH_RAW_UTF8_PATHS=1 runs the proxy as `serve --raw-utf8-paths` (every client connection read through the
 * request-target encoder in JavaScript), to compare with the default native read.
 * BENCH_STORE=postgres://… (a cluster's admin URL): every throughput row runs with the embedded store (capture on)
 * and with the PostgreSQL store (capture pg: createTeamCore as `serve --store`, a fresh database per proxy created
 * and dropped through that URL), alternating; BENCH_PG_PID=<postmaster pid> adds PostgreSQL's CPU per request
 * (the postmaster and its children, from /proc), so the database's share of the work is in the same table.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { PerformanceObserver, constants as perfConstants, performance } from 'node:perf_hooks';
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { loadOrCreateCa } from '../certs';
import { emptyBody, type BodyRef, type Flow } from '../electron/common/flow';
import { FlowLogger, LOG_RECENT_BODIES } from '../electron/core/log/flow-logger';
import { LogFile } from '../electron/core/log/log-file';
import { startCaptureProxy } from '../electron/core/capture/proxy';
import { createCore, createTeamCore } from '../electron/core/core';
import { benchDatabase, postgresCpuMicros } from './pg-bench-db';
import { boundHeapGrowth } from '../electron/core/base/heap-growth';
import { BodyStore, DEFAULT_SEGMENT_BYTES } from '../electron/core/store/bodies';
import { startOrigin, testLookup } from '../test/helpers/origin';
import { h2ThroughProxy, startH2Origin } from '../test/helpers/h2';
import type http2 from 'node:http2';
import { cpuBetween, gcWindow, ioCounts, mockttpRole, peakRssMB, percentile, startChild, threadCpu, threadCpuByName, type Child, type Message, type ThreadCpu } from './child';

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
/** Before/after pairs of the h2 row with BENCH_BEFORE. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
/**
 * BENCH_THREADS=1: each row's proxy CPU per request per thread (main, GC helpers, the store's worker, the
 * pool), and the proxy thread's bytes allocated and promoted per request (child.ts gcWindow).
 */
const THREADS = process.env.BENCH_THREADS === '1';
const PROXY_NODE_FLAGS = [...(process.env.BENCH_PROXY_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(THREADS ? ['--require', path.join(__dirname, 'thread-names.cjs')] : [])];
/** BENCH_LOG as a list of modes (off, on, bodies); one mode keeps the rows' old names. */
const LOG_MODES = (process.env.BENCH_LOG ?? '').split(',').map((m) => m.trim()).filter(Boolean);
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 1));
/** BENCH_INTERLEAVE: what the proxy switches off and on in phases (see the header). */
const INTERLEAVE = process.env.BENCH_INTERLEAVE === 'capture' || process.env.BENCH_INTERLEAVE === 'log' ? process.env.BENCH_INTERLEAVE : undefined;
const PHASES_OUT = process.env.BENCH_PHASES_OUT;
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 2000);


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
  const phases = interleavePhases();
  let logTotals: FlowLogger['totals'] | undefined;
  if (storage === 'full') {
    const logger = await benchLogger(dataDir, () => core.store.bodies);
    logTotals = logger?.totals;
    const store = { ...(MAX_FLOWS !== undefined ? { maxFlows: MAX_FLOWS } : {}), ...(TRIM_COUNT !== undefined ? { trimCount: TRIM_COUNT } : {}) };
    const onFlowFinished = logger && INTERLEAVE === 'log' ? (flow: Flow) => phases.on && logger.push(flow) : logger?.push;
    const coreOptions = { dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, upstreamCa, version: 'bench', onFlowFinished, store, rawUtf8Paths: process.env.BENCH_RAW_UTF8_PATHS === '1' || undefined };
    // capture pg: the PostgreSQL store as `serve --store postgres://… --node bench` opens it.
    const database = process.env.BENCH_PROXY_CAPTURE === 'pg' ? await benchDatabase(process.env.BENCH_STORE!) : undefined;
    const core = database ? await createTeamCore({ ...coreOptions, storeUrl: database.url, node: 'bench' }) : await createCore(coreOptions);
    // Capture off measures forwarding alone, to tell what recording costs.
    if (process.env.BENCH_PROXY_CAPTURE === 'off') core.setCapture(false);
    if (INTERLEAVE === 'capture') phases.onSwitch = (on) => core.setCapture(on);
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
    // Body segments as the flow store writes them (store/index.ts), so `bodies` against `none` is the body path's own cost.
    const bodies = storage === 'bodies' ? new BodyStore({ dir: path.join(dataDir, 'bodies'), segmentBytes: DEFAULT_SEGMENT_BYTES }) : { open: () => ({ write() {}, end: () => emptyBody() }), read: async () => Buffer.alloc(0), remove: async () => {} };
    const capture = await startCaptureProxy({ host: '127.0.0.1', port: 0, ca, sink: { flowStarted() {}, flowUpdated() {} }, bodies, nextSeq: () => ++seq, lookup: testLookup, upstreamCa });
    proxy = { port: capture.address().port, caPem: ca.certPem, stored: () => 0, dropped: () => 0, trimmed: () => 0, dispose: () => capture.dispose() };
  }
  const gc = countGc();
  // With BENCH_THREADS=1, the proxy thread's heap since the start, summed over windows ended at each 'usage'
  // (a window ends to be read).
  const heap = { heapAllocated: 0, heapPromoted: 0 };
  let heapSince = THREADS ? gcWindow() : undefined;
  process.send!({ type: 'ready', port: proxy.port, caPem: proxy.caPem });
  process.on('message', async (m: Message) => {
    if (m.type === 'usage') {
      if (heapSince) {
        const window = heapSince();
        heapSince = gcWindow();
        heap.heapAllocated += window.allocatedBytes;
        heap.heapPromoted += window.promotedBytes;
      }
      process.send!({ type: 'usage', cpuMicros: cpuMicros(), peakRssMB: peakRssMB(), rssMB: rssMB(), stored: proxy.stored(), dropped: proxy.dropped(), trimmed: proxy.trimmed(), ...gc, ...(heapSince ? heap : {}), ...(logTotals ? { logLines: logTotals.lines, logWithoutBodies: logTotals.withoutBodies } : {}), ...(INTERLEAVE ? { phases: phases.done } : {}) });
    }
    if (m.type === 'stop') {
      await proxy.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
      process.disconnect();
    }
  });
}

/** The log lines of `serve --log` / `--log-bodies --log-file`, as serve builds them (BENCH_LOG). */
async function benchLogger(dataDir: string, bodies: () => { read(ref: BodyRef): Promise<Buffer>; keepRecent?(maxBytes: number): void; readKept?(ref: BodyRef): Buffer | undefined }): Promise<FlowLogger | undefined> {
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
    readKept: (ref) => {
      const store = bodies();
      if (!kept && mode === 'bodies') store.keepRecent?.(LOG_RECENT_BODIES);
      kept = true;
      return store.readKept?.(ref);
    },
    bodyLimit: mode === 'bodies' ? 64 * 1024 : undefined,
  });
}

/** One phase of BENCH_INTERLEAVE: whether capture (or the logger) was on, the process's CPU and the requests received. */
interface Phase {
  on: boolean;
  cpuMicros: number;
  requests: number;
  /** Of cpuMicros, the kernel's share (loopback TCP delivers to the reader inside the writer's system call). */
  systemMicros: number;
  /** When the phase ended, in µs of the monotonic clock (a --cpu-prof profile's timestamps, to split it by phase). */
  endedAt: number;
}

/**
 * BENCH_INTERLEAVE in the proxy process: counts requests at every HTTP and HTTPS server's 'request' event
 * (bench instrumentation, this process only) and ends a phase every PHASE_MS, switching with `onSwitch`.
 */
function interleavePhases(): { on: boolean; done: Phase[]; onSwitch?: (on: boolean) => void } {
  const state: { on: boolean; done: Phase[]; onSwitch?: (on: boolean) => void } = { on: true, done: [] };
  if (!INTERLEAVE) return state;
  let requests = 0;
  for (const server of [http.Server.prototype, https.Server.prototype]) {
    const emit = server.emit as (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
    server.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === 'request') requests++;
      return emit.call(this, event, ...args);
    } as typeof server.emit;
  }
  let last = { cpu: cpuMicros(), system: process.cpuUsage().system, requests: 0 };
  setInterval(() => {
    const cpu = cpuMicros();
    const system = process.cpuUsage().system;
    const phase = { on: state.on, cpuMicros: cpu - last.cpu, systemMicros: system - last.system, requests: requests - last.requests, endedAt: Number(process.hrtime.bigint() / 1000n) };
    state.done.push(phase);
    // BENCH_PHASES_OUT: every phase as a JSON line with the proxy's pid (which names its --cpu-prof file).
    if (PHASES_OUT) fs.appendFileSync(PHASES_OUT, `${JSON.stringify({ pid: process.pid, ...phase })}\n`);
    state.on = !state.on;
    state.onSwitch?.(state.on);
    last = { cpu: cpuMicros(), system: process.cpuUsage().system, requests };
  }, PHASE_MS).unref();
  return state;
}

/**
 * The phases that lay wholly inside the measured window: medians of CPU per request, on and off, and of the
 * requests each phase received (the load is constant, so that is the throughput the proxy sustained).
 */
function phaseMedians(atStart: Phase[] | undefined, atEnd: Phase[] | undefined): Row['interleaved'] {
  if (!atStart || !atEnd) return undefined;
  // The phase under way when the window opened is dropped too.
  const inside = atEnd.slice(atStart.length + 1).filter((p) => p.requests > 0);
  const median = (on: boolean, of: (p: Phase) => number) => {
    const values = inside.filter((p) => p.on === on).map(of);
    return values.length ? Math.round(percentile(values.sort((a, b) => a - b), 50)) : NaN;
  };
  const perRequest = (p: Phase) => p.cpuMicros / p.requests;
  const requests = (p: Phase) => p.requests;
  return { on: median(true, perRequest), off: median(false, perRequest), phases: inside.length, requestsOn: median(true, requests), requestsOff: median(false, requests) };
}

/** This thread's garbage collections so far (the object fills in as they happen): all, full mark-compacts, and their time. */
function countGc(): { gcCount: number; gcMajor: number; gcMicros: number } {
  const gc = { gcCount: 0, gcMajor: 0, gcMicros: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.gcCount++;
      if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gc.gcMajor++;
      gc.gcMicros += entry.duration * 1000;
    }
  }).observe({ entryTypes: ['gc'] });
  return gc;
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
const startRole = (role: string, env: NodeJS.ProcessEnv = {}, file = __filename): Promise<Child> => startChild(file, role, env, role === 'proxy' || role === 'mockttp' ? PROXY_NODE_FLAGS : []);

interface Row {
  scenario: string;
  reqPerSec?: number;
  p50?: number;
  p99?: number;
  errors: number;
  cpuMicrosPerReq?: number;
  /** BENCH_INTERLEAVE: medians of the phases' CPU per request with capture (or the logger) on and off, and how many phases. */
  interleaved?: { on: number; off: number; phases: number; requestsOn: number; requestsOff: number };
  /** PostgreSQL's CPU per request (capture pg with BENCH_PG_PID). */
  pgCpuMicrosPerReq?: number;
  peakRssMB: number;
  note?: string;
  /** The proxy thread's garbage collections per 1,000 measured requests (all, full), and their µs per request. */
  gcPer1k?: number;
  majorGcPer1k?: number;
  gcMicrosPerReq?: number;
}

/** Which proxy a throughput row runs: its log mode (BENCH_LOG list) and checkout (BENCH_BEFORE). */
interface Variant {
  log?: string;
  /** The bench file whose proxy role runs (another checkout's for BENCH_BEFORE). */
  file?: string;
  /** Added to the row's name. */
  label: string;
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
async function throughput(name: string, url: string, expectBytes: number, originCa: string, capture: CaptureMode, durationS = DURATION_S, samples?: Sample[], variant: Variant = { label: '' }): Promise<Row> {
  const proxy = await startRole('proxy', { BENCH_ORIGIN_CA: originCa, BENCH_PROXY_CAPTURE: capture, ...(variant.log ? { BENCH_LOG: variant.log } : {}) }, variant.file);
  const dispatcher = new ProxyAgent({
    uri: `http://127.0.0.1:${proxy.ready.port}`,
    proxyTunnel: false,
    requestTls: { ca: proxy.ready.caPem as string },
    connections: CONCURRENCY,
    keepAliveTimeout: 60_000,
  });
  try {
    const row = await closedLoop(name, proxy, () => fetchAll(url, dispatcher, expectBytes), capture, durationS, samples);
    return { ...row, scenario: row.scenario + variant.label };
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
  let atStart: Message | undefined;
  let pgCpuAtStart: number | undefined;
  let threadsAtStart: Record<string, number> | undefined;
  let ioAtStart: Record<string, number> | undefined;
  const startMeasure = setTimeout(async () => {
    if (THREADS) threadsAtStart = threadCpuByName(proxy.process.pid!);
    if (THREADS) ioAtStart = ioCounts(proxy.process.pid!);
    if (capture === 'pg') pgCpuAtStart = postgresCpuMicros();
    atStart = await proxy.ask('usage');
    cpuAtStart = atStart.cpuMicros as number;
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
  const threadsAtEnd = THREADS ? threadCpuByName(proxy.process.pid!) : undefined;
  const ioAtEnd = THREADS ? ioCounts(proxy.process.pid!) : undefined;
  latencies.sort((a, b) => a - b);
  const rate = latencies.length / durationS;
  const measured = Math.max(1, latencies.length);
  // A proxy from a checkout without GC counts (BENCH_BEFORE) has none to report.
  const gcDelta = (key: string) => (atStart && typeof usage[key] === 'number' ? (usage[key] as number) - (atStart[key] as number) : undefined);
  const perReq = (delta: number | undefined, scale: number) => (delta === undefined ? undefined : round((delta * scale) / measured));
  const interleaved = INTERLEAVE ? phaseMedians(atStart?.phases as Phase[] | undefined, usage.phases as Phase[] | undefined) : undefined;
  return {
    scenario: `${name}, capture ${capture}`,
    interleaved,
    reqPerSec: Math.round(rate),
    p50: round(percentile(latencies, 50)),
    p99: round(percentile(latencies, 99)),
    errors,
    // Includes the store's flushes and the body files, as a user pays them.
    cpuMicrosPerReq: cpuAtStart ? Math.round(((usage.cpuMicros as number) - cpuAtStart) / Math.max(1, latencies.length)) : undefined,
    pgCpuMicrosPerReq: pgCpuAtStart !== undefined && pgCpuAtEnd !== undefined ? Math.round((pgCpuAtEnd - pgCpuAtStart) / Math.max(1, latencies.length)) : undefined,
    peakRssMB: usage.peakRssMB as number,
    note: [threadsNote(threadsAtStart, threadsAtEnd, latencies.length), ioNote(ioAtStart, ioAtEnd, latencies.length), heapNote(gcDelta('heapAllocated'), gcDelta('heapPromoted'), measured), (usage.dropped as number) > 0 ? `${usage.dropped as number} flows dropped` : '', usage.logWithoutBodies ? `${usage.logWithoutBodies as number} of ${usage.logLines as number} log lines without bodies (behind)` : ''].filter(Boolean).join('; ') || undefined,
    gcPer1k: perReq(gcDelta('gcCount'), 1000),
    majorGcPer1k: perReq(gcDelta('gcMajor'), 1000),
    gcMicrosPerReq: perReq(gcDelta('gcMicros'), 1),
  };
}

/** The proxy thread's heap per request (a checkout without the figures, BENCH_BEFORE, has none). */
function heapNote(allocated: number | undefined, promoted: number | undefined, requests: number): string {
  if (allocated === undefined || promoted === undefined) return '';
  return `proxy thread heap per request: ${(allocated / requests / 1024).toFixed(1)} KB allocated, ${Math.round(promoted / requests)} B promoted`;
}

/** µs per request per thread name between two readings (threadCpuByName), largest first. */
/** Write calls and bytes per request (/proc/PID/io; write calls include the thread pool's eventfd wake-ups). */
function ioNote(before: Record<string, number> | undefined, after: Record<string, number> | undefined, requests: number): string {
  if (!before || !after || requests === 0) return '';
  const per = (key: string) => round((after[key] - before[key]) / requests);
  return `per request ${per('syscw')} write calls, ${per('wchar')} bytes written, ${per('write_bytes')} to disk`;
}

function threadsNote(before: Record<string, number> | undefined, after: Record<string, number> | undefined, requests: number): string {
  if (!before || !after || requests === 0) return '';
  const parts = Object.entries(after)
    .map(([name, ms]) => [name, ((ms - (before[name] ?? 0)) * 1000) / requests] as const)
    .filter(([, micros]) => micros >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  return 'µs/req by thread: ' + parts.map(([name, micros]) => `${name} ${micros.toFixed(1)}`).join(', ');
}

/**
 * HTTP/2 end to end: 4 tunnels with ALPN h2 only, 8 streams in flight on each (32 in all), closed loop. `file`: this
 * bench or another checkout's (BENCH_BEFORE); `mockttp`: through the mockttp peer instead, which resolves names
 * itself (so the origin is asked for as localhost) and trusts the origin's CA through NODE_EXTRA_CA_CERTS.
 */
async function h2Throughput(name: string, h2Port: number, expectBytes: number, originCa: string, capture: CaptureMode, file = __filename, mockttp = false): Promise<Row> {
  const TUNNELS = 4;
  const proxy = mockttp ? await startRole('mockttp', { NODE_EXTRA_CA_CERTS: originCa }) : await startRole('proxy', { BENCH_ORIGIN_CA: originCa, BENCH_PROXY_CAPTURE: capture }, file);
  const sessions: http2.ClientHttp2Session[] = [];
  for (let i = 0; i < TUNNELS; i++) sessions.push(await h2ThroughProxy(proxy.ready.port as number, mockttp ? 'localhost' : 'h2.test', h2Port, proxy.ready.caPem as string));
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
  /** The proxy's CPU during each first request, by host (Linux): tells a request the proxy worked more on from one that waited. */
  const firstCpu = new Map<number, ThreadCpu>();
  let errors = 0;
  const cpuAtStart = (await proxy.ask('usage')).cpuMicros as number;
  for (let i = 1; i <= NEW_HOSTS; i++) {
    for (const into of [first, second]) {
      const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${proxy.ready.port}`, requestTls: { ca: proxy.ready.caPem as string } });
      const cpuBefore = into === first ? threadCpu(proxy.process.pid!) : undefined;
      const start = performance.now();
      try {
        await fetchAll(`https://h${i}.test:${httpsPort}/bytes?n=1024`, dispatcher, 1024);
        into.push(performance.now() - start);
        const cpu = cpuBetween(cpuBefore, into === first ? threadCpu(proxy.process.pid!) : undefined);
        if (cpu) firstCpu.set(i, cpu);
      } catch {
        errors++;
      } finally {
        await dispatcher.close();
      }
    }
  }
  const usage = await proxy.ask('usage');
  await proxy.stop();
  // Where the slowest first requests fell (the first host after start, or spread out), before sorting, and how
  // much the proxy worked during each: against the median, the difference is the proxy's or the machine's.
  const slowest = first.map((ms, i) => [ms, i + 1]).sort((a, b) => b[0] - a[0]).slice(0, 3);
  const cpuText = (cpu: ThreadCpu | undefined) => (cpu ? ` (proxy CPU ${round(cpu.main + cpu.others)} ms, ${round(cpu.main)} on its main thread)` : '');
  console.log(`new host${label}: slowest first requests ${slowest.map(([ms, host]) => `h${host} ${round(ms)} ms${cpuText(firstCpu.get(host))}`).join(', ')}`);
  const perRequest = [...firstCpu.values()].map((cpu) => cpu.main + cpu.others).sort((a, b) => a - b);
  if (perRequest.length) console.log(`new host${label}: proxy CPU per first request p50 ${round(percentile(perRequest, 50))} ms, max ${round(perRequest[perRequest.length - 1])} ms`);
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
  const modes: CaptureMode[] = process.env.BENCH_CAPTURE === 'off' ? ['off'] : process.env.BENCH_CAPTURE === 'on' || INTERLEAVE ? ['on'] : process.env.BENCH_STORE ? ['on', 'pg'] : ['on', 'off'];
  const watchdog = setTimeout(() => {
    console.error('capture bench: watchdog fired');
    process.exit(3);
  }, (((4 + 2 * PAIRS) + 4 * REPS * throughputVariants(process.env.BENCH_BEFORE).length) * modes.length * (WARMUP_S + DURATION_S) + SUSTAINED_S + 300) * 1000);
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
    const before = process.env.BENCH_BEFORE;
    const variants = throughputVariants(before);
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, url, bytes] of rowsOf) if (wanted(name)) for (const variant of variants) {
        for (const mode of modes) {
          const row = await throughput(name, url, bytes, originCa, mode, DURATION_S, undefined, variant);
          // As each row ends: a run cut short still shows what it measured.
          console.error(`${row.scenario}: ${row.reqPerSec} req/s, ${row.cpuMicrosPerReq} µs CPU/req, GC ${row.gcPer1k ?? '—'} per 1k (${row.majorGcPer1k ?? '—'} full)`);
          rows.push(row);
        }
      }
    }
    if (wanted('https-h2-1k')) rows.push(...(await h2Rows(h2Port, originCa, modes, before)));
    // BENCH_BEFORE=<another checkout>: the same 50 new hosts through that checkout's proxy too, alternating.
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
  console.log(`storage ${process.env.BENCH_STORAGE ?? 'full'}, log ${process.env.BENCH_LOG ?? 'off'}, ${CONCURRENCY} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row, ${REPS} rep(s); ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load average before ${load(loadBefore)}, after ${load(os.loadavg())}\n`);
  console.log('| scenario | req/s | p50 ms | p99 ms | errors | proxy CPU µs/req | PostgreSQL CPU µs/req | proxy peak RSS MB | GCs per 1k req (full) | GC µs/req |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.reqPerSec?.toLocaleString('en-US') ?? '—'} | ${r.p50} | ${r.p99} | ${r.errors} | ${[r.cpuMicrosPerReq, r.note].filter((x) => x !== undefined).join(', ') || '—'} | ${r.pgCpuMicrosPerReq ?? '—'} | ${r.peakRssMB} | ${r.gcPer1k === undefined ? '—' : `${r.gcPer1k} (${r.majorGcPer1k})`} | ${r.gcMicrosPerReq ?? '—'} |`);
  }
  printMedians(rows);
  printInterleaved(rows);
  printCaptureShare(rows);
  printStoreShare(rows);
  if (samples.length) printSamples(samples);
}

/**
 * The https-h2-1k rows: each mode once, or with `before` PAIRS alternating pairs (which checkout goes first swapped
 * every pair, so a drift in the machine's load falls on both alike); then mockttp's, when BENCH_MOCKTTP_DIR is set.
 */
async function h2Rows(h2Port: number, originCa: string, modes: CaptureMode[], before: string | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  const beforeFile = before && path.join(path.resolve(before), 'bench', 'capture.bench.ts');
  for (let pair = 0; pair < (beforeFile ? PAIRS : 1); pair++) {
    for (const mode of modes) {
      const runs = [() => h2Throughput('https-h2-1k', h2Port, 1024, originCa, mode)];
      if (beforeFile) runs.splice(pair % 2, 0, () => h2Throughput(`https-h2-1k (before: ${path.basename(before!)})`, h2Port, 1024, originCa, mode, beforeFile));
      for (const run of runs) rows.push(await run());
    }
  }
  if (process.env.BENCH_MOCKTTP_DIR) rows.push({ ...(await h2Throughput('https-h2-1k', h2Port, 1024, originCa, 'on', __filename, true)), scenario: 'https-h2-1k, mockttp passthrough (records nothing)' });
  else console.log('mockttp h2 row skipped: set BENCH_MOCKTTP_DIR to a folder where mockttp is installed');
  return rows;
}

/**
 * The throughput rows' variants: each BENCH_LOG mode of a list (one mode: the proxy role reads BENCH_LOG
 * itself, as before), through BENCH_BEFORE's checkout first when set, then this one.
 */
function throughputVariants(before: string | undefined): Variant[] {
  const logs: (string | undefined)[] = LOG_MODES.length > 1 ? LOG_MODES : [undefined];
  const checkouts: { file?: string; label: string }[] = before ? [{ file: path.join(path.resolve(before), 'bench', 'capture.bench.ts'), label: ` (before: ${path.basename(before)})` }, { label: '' }] : [{ label: '' }];
  return checkouts.flatMap((checkout) => logs.map((log) => ({ ...(log ? { log } : {}), ...(checkout.file ? { file: checkout.file } : {}), label: `${log ? `, log ${log}` : ''}${checkout.label}` })));
}

/** With BENCH_REPS, a BENCH_LOG list or BENCH_BEFORE pairs: per scenario, the medians over its reps, and each log mode against log off. */
function printMedians(rows: Row[]): void {
  const byScenario = new Map<string, Row[]>();
  for (const r of rows) if (r.cpuMicrosPerReq !== undefined) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
  // Nothing ran twice (no reps, no log list, no BENCH_BEFORE pairs): the main table says it all.
  if (REPS < 2 && LOG_MODES.length < 2 && ![...byScenario.values()].some((list) => list.length > 1)) return;
  const median = (values: (number | undefined)[]) => {
    const known = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    return known.length ? round(percentile(known, 50)) : undefined;
  };
  const medians = new Map([...byScenario].map(([name, list]) => [name, { n: list.length, reqPerSec: median(list.map((r) => r.reqPerSec)), cpu: median(list.map((r) => r.cpuMicrosPerReq)), gc: median(list.map((r) => r.gcPer1k)), major: median(list.map((r) => r.majorGcPer1k)), gcMicros: median(list.map((r) => r.gcMicrosPerReq)) }]));
  console.log('\n| scenario (medians) | runs | req/s | proxy CPU µs/req | GCs per 1k req (full) | GC µs/req | req/s ÷ log off | CPU ÷ log off |');
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const [name, m] of medians) {
    const off = medians.get(name.replace(/, log \w+/, ', log off'));
    const ratio = (a: number | undefined, b: number | undefined) => (a && b && LOG_MODES.includes('off') ? `${(a / b).toFixed(2)}×` : '—');
    console.log(`| ${name} | ${m.n} | ${m.reqPerSec?.toLocaleString('en-US') ?? '—'} | ${m.cpu ?? '—'} | ${m.gc === undefined ? '—' : `${m.gc} (${m.major})`} | ${m.gcMicros ?? '—'} | ${ratio(m.reqPerSec, off?.reqPerSec)} | ${ratio(m.cpu, off?.cpu)} |`);
  }
}

/** Capture's cost per row: CPU per request with capture on over the same with capture off, from this run. */
/** BENCH_INTERLEAVE: each row's phases, on against off, in one process. */
function printInterleaved(rows: Row[]): void {
  const measured = rows.filter((r) => r.interleaved);
  if (!measured.length) return;
  const what = INTERLEAVE === 'log' ? `logging (${process.env.BENCH_LOG})` : 'capture';
  console.log(`\n${what} switched off and on every ${PHASE_MS} ms in one proxy process (medians of the phases: the whole process's CPU per request, and the requests a phase received under the constant load):\n`);
  console.log(`| scenario | phases | ${what} on µs/req | off µs/req | on ÷ off | requests per phase on | off | throughput on ÷ off |`);
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of measured) {
    const p = r.interleaved!;
    console.log(`| ${r.scenario} | ${p.phases} | ${p.on} | ${p.off} | ${(p.on / p.off).toFixed(2)}× | ${p.requestsOn} | ${p.requestsOff} | ${(p.requestsOn / p.requestsOff).toFixed(2)} |`);
  }
}

function printCaptureShare(rows: Row[]): void {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const on of rows) {
    const name = on.scenario.endsWith(', capture on') ? on.scenario.slice(0, -', capture on'.length) : undefined;
    // A scenario that ran several times (BENCH_BEFORE pairs) once here, its first runs: printMedians() has them all.
    if (!name || seen.has(name)) continue;
    seen.add(name);
    const off = rows.find((r) => r.scenario === `${name}, capture off`);
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
(role === 'origin' ? originRole() : role === 'proxy' ? proxyRole() : role === 'mockttp' ? mockttpRole('Hindsight capture bench mockttp CA') : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
