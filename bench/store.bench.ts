/**
 * The flow store with 60,000 stored flows (issue 3): insert rate, startup until queryable, filtered queries,
 * a trim of 10,000, the longest event-loop stall on the caller's (the proxy's) thread, and memory.
 * Run: `npm run bench store`. Figures go to docs/bench/store.md with date and machine.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FLOW_SCHEMA, type Flow } from '../electron/common/flow';
import { openFlowStore } from '../electron/core/store';
import type { FlowStore } from '../electron/core/store/types';

const STORED = 60_000;
const BATCH = 500;
/** Capture going on during startup and trim: 25 flows per 50 ms = 500 flows/s, a busy team's shared proxy. */
const CAPTURE_PER_TICK = 25;

const REQUEST_HEADERS: [string, string][] = [
  ['Host', 'api.example.test'],
  ['User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'],
  ['Accept', 'application/json, text/plain, */*'],
  ['Accept-Language', 'en-GB,en;q=0.9'],
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['Authorization', 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['X-Request-Id', '2f1b9a52-7c1e-4d7e-9a52-7c1e4d7e9a52'],
  ['Cookie', 'session=9a527c1e4d7e9a527c1e4d7e; theme=dark; ab=b'],
];
const RESPONSE_HEADERS: [string, string][] = [
  ['Content-Type', 'application/json; charset=utf-8'],
  ['Content-Length', '1834'],
  ['Cache-Control', 'no-store'],
  ['Date', 'Sat, 21 Nov 2026 12:00:00 GMT'],
  ['Server', 'nginx'],
  ['Strict-Transport-Security', 'max-age=31536000'],
];

function flowFor(store: FlowStore, i: number): Flow {
  const seq = store.nextSeq();
  const id = `b${seq.toString(36)}x${i.toString(36)}`;
  return {
    id,
    seq,
    schema: FLOW_SCHEMA,
    startedAt: 1_763_700_000_000 + i * 10,
    state: 'completed',
    client: { ip: `192.168.1.${10 + (i % 40)}`, port: 40000 + (i % 20000) },
    server: { host: 'api.example.test', port: 443, ip: '10.0.0.5', tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: 'api.example.test' } },
    request: { method: i % 5 ? 'GET' : 'POST', url: `https://api.example.test/api/v${1 + (i % 2)}/items/${i}?page=${i % 7}`, httpVersion: '1.1', headers: REQUEST_HEADERS, body: { size: 0, storedSize: 0, truncated: false } },
    response: { status: i % 50 ? 200 : 503, statusText: 'OK', headers: RESPONSE_HEADERS, body: { size: 1834, storedSize: 1834, truncated: false, contentType: 'application/json; charset=utf-8', blob: `${id}-response` } },
    timings: { dnsMs: 1, connectMs: 3, tlsMs: 12, sendMs: 0.2, waitMs: 40, receiveMs: 2, totalMs: 58, reusedConnection: i % 3 !== 0 },
    appliedRules: [],
  };
}

/** Captures `count` flows the way a busy proxy does (started, then completed, BATCH per event-loop turn). */
async function captureFlows(store: FlowStore, count: number, offset: number): Promise<void> {
  for (let i = 0; i < count; i += BATCH) {
    const flows = Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => flowFor(store, offset + i + j));
    for (const f of flows) store.flowStarted({ ...f, state: 'live', response: undefined });
    for (const f of flows) store.flowUpdated(f);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Captures at a steady rate (`perTick` flows every 50 ms, like a busy proxy) until `until` resolves. */
async function steadyCapture(store: FlowStore, perTick: number, offset: number, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let n = 0;
  while (!done) {
    for (let j = 0; j < perTick; j++) {
      const f = flowFor(store, offset + n++);
      store.flowStarted({ ...f, state: 'live', response: undefined });
      store.flowUpdated(f);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return n;
}

async function measure<T>(work: () => Promise<T>): Promise<{ ms: number; stallMs: number; value: T }> {
  const monitor = monitorEventLoopDelay({ resolution: 5 });
  monitor.enable();
  const t0 = performance.now();
  const value = await work();
  const ms = performance.now() - t0;
  monitor.disable();
  return { ms, stallMs: monitor.max / 1e6, value };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeQuery(store: FlowStore, filter: string): { ms: number; matched: number } {
  const runs: number[] = [];
  let matched = 0;
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    matched = store.query({ filter, limit: 200 }).matched;
    runs.push(performance.now() - t0);
  }
  return { ms: median(runs), matched };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const f1 = (n: number) => n.toFixed(1);

/**
 * In a fresh process (BENCH_ROLE=open): opens the store in BENCH_DATA, waits until everything is loaded,
 * and prints the process's RSS (its worker included) now and at its peak, so what the first phase of the
 * bench left in this process's heap does not count.
 */
async function openOnly(dataDir: string): Promise<void> {
  const store = openFlowStore({ dataDir });
  await store.ready;
  await store.flush();
  const loadPeak = peakRssMB();
  // Long enough for V8's memory reducer (it starts 8 s after the heap last grew) to collect the load's garbage
  // in the worker, which this process cannot collect by hand.
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  await store.flush();
  (globalThis as { gc?: () => void }).gc?.();
  console.log(JSON.stringify({ flows: store.count(), rssMB: Math.round(process.memoryUsage().rss / 1024 / 1024), mainHeapMB: Math.round(process.memoryUsage().heapUsed / 1024 / 1024), loadPeakMB: loadPeak }));
  await store.close();
}

function peakRssMB(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

function measureOpen(dataDir: string): { flows: number; rssMB: number; mainHeapMB: number; loadPeakMB: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--expose-gc', __filename], { env: { ...process.env, BENCH_ROLE: 'open', BENCH_DATA: dataDir }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { flows: number; rssMB: number; mainHeapMB: number; loadPeakMB: number };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-store-'));
  try {
    console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${mb(os.totalmem())} RAM, node ${process.version}, ${os.platform()} ${os.release()}`);
    console.log(`date: ${new Date().toISOString()}\n`);

    let store = openFlowStore({ dataDir });
    await store.ready;
    // Throughput: flows delivered as fast as this thread can make them, until all are appended to the datafile.
    // (This saturates the CPU on purpose, so its event-loop delay says nothing about the store.)
    const t0 = performance.now();
    await captureFlows(store, STORED, 0);
    await store.flush();
    const insertMs = performance.now() - t0;
    console.log(`insert ${STORED} flows (started + completed, ${BATCH} per turn) until on disk: ${f1(insertMs)} ms = ${Math.round(STORED / (insertMs / 1000))} flows/s`);
    console.log(`datafile: ${mb(fs.statSync(path.join(dataDir, 'flows.db')).size)}`);
    await store.close();

    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-store-empty-'));
    try {
      const none = measureOpen(empty);
      const full = measureOpen(dataDir);
      console.log(
        `RSS of a fresh process with the store open, everything loaded, 12 s later: ${full.rssMB} MB with ${full.flows} flows, ${none.rssMB} MB with none (+${full.rssMB - none.rssMB} MB; main-thread heap ${full.mainHeapMB} MB vs ${none.mainHeapMB} MB); peak while loading ${full.loadPeakMB} MB`,
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }

    if (global.gc) global.gc();
    store = openFlowStore({ dataDir });
    const opened = performance.now();
    // Startup while capture goes on at 500 flows/s: queryable first, then nedb finishes loading.
    let queryableMs = 0;
    const load = await measure(async () => {
      const loaded = (async () => {
        await store.ready;
        queryableMs = performance.now() - opened;
        await store.flush();
      })();
      return steadyCapture(store, CAPTURE_PER_TICK, STORED, loaded);
    });
    console.log(
      `startup with ${STORED} stored flows: queryable after ${f1(queryableMs)} ms, nedb loaded (with the writes and the trim that capture caused meanwhile) after ${f1(load.ms)} ms; longest stall ${f1(load.stallMs)} ms (capturing ${load.value} flows meanwhile)`,
    );
    if (global.gc) global.gc();
    const mem = process.memoryUsage();
    console.log(`RSS of this process after load: ${mb(mem.rss)} (includes what the insert phase left in its heap; main-thread heap ${mb(mem.heapUsed)})`);

    const queries: [string, string][] = [
      ['first page, no filter', ''],
      ['ip + URL regex', 'ip:192.168.1.25 url:/\\/api\\/v2\\/items\\/\\d+5\\?/'],
      ['CIDR + status class', 'ip:192.168.1.0/28 status:5xx'],
      ['bare word (URL substring)', 'items/4242'],
      ['no match (full scan)', 'host:none.test'],
    ];
    for (const [name, filter] of queries) {
      const q = timeQuery(store, filter);
      console.log(`query ${name}: ${f1(q.ms)} ms median (matched ${q.matched})`);
    }
    {
      // Old enough to have left the main side's LRU of the 2,000 most recent flows.
      const oldId = store.query({ limit: 5000 }).flows[4999].id;
      const getRuns: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await store.get(oldId);
        getRuns.push(performance.now() - t0);
      }
      console.log(`get(id) of an old flow (from the worker): ${f1(median(getRuns))} ms median`);
    }

    // Trim while capture goes on at 500 flows/s: topped up to exactly 60,000 first, so the first batch of
    // the steady capture passes the cap and triggers it.
    await captureFlows(store, STORED - store.count(), 3 * STORED);
    await store.flush();
    let shownAt = 0;
    let removed = 0;
    const trim = await measure(async () => {
      const trimmed = new Promise<void>((resolve) =>
        store.onDidTrim((t) => {
          removed = t.removed;
          shownAt = performance.now();
          resolve();
        }),
      );
      const onDisk = trimmed.then(() => store.flush());
      return steadyCapture(store, CAPTURE_PER_TICK, 2 * STORED, onDisk);
    });
    console.log(
      `trim of ${removed}: gone from the list at once, removed + compacted on disk ${f1(performance.now() - shownAt)} ms later; longest stall ${f1(trim.stallMs)} ms (capturing ${trim.value} flows meanwhile); ${store.count()} flows left`,
    );
    console.log(`RSS at the end: ${mb(process.memoryUsage().rss)}`);
    await store.close();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.env.BENCH_ROLE === 'open') void openOnly(process.env.BENCH_DATA!);
else void main();
