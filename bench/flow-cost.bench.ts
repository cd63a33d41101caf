/**
 * What capture costs the store per flow (issue 16), without the proxy: flows recorded the way the recorder
 * records them (start, response head, a 1 KB response body into the body store, finish) at a fixed rate,
 * and the process's CPU per flow, all threads (main, the store's worker, the thread pool, V8's GC helpers),
 * with its context switches per flow. CPU time and switch counts depend far less on other work on the
 * machine than req/s or the proxy's CPU per request do, so this is the figure to compare before/after a
 * change on a loaded machine. Run: `npm run bench flow-cost`; BENCH_RATE (1500 flows/s) and
 * BENCH_DURATION (8 s, after 1 s of warm-up) change the load; BENCH_BODY_BYTES (1024) the response body, written in
 * chunks of up to 64 KB as a socket delivers it; BENCH_MAX_FLOWS and BENCH_TRIM_COUNT set the
 * store's cap and trim (so that trims run within the run: their removals are part of the cost).
 * BENCH_BEFORE=<another checkout>: BENCH_PAIRS (3) runs of that checkout's store and this one's, alternating,
 * each in a process of its own, and the medians. Those processes preload bench/thread-names.cjs, so each run
 * also has the main thread's bytes allocated and promoted per flow (child.ts gcWindow) and its CPU per flow by thread (main, v8-platform: V8's GC helpers, store-worker, node: libuv's pool).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FLOW_SCHEMA, type Flow } from '../electron/common/flow';
import type * as StoreModule from '../electron/core/store';
import { gcWindow, threadCpuByName } from './child';

const RATE = Number(process.env.BENCH_RATE ?? 1500);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const TICK_MS = 5;
const BODY_BYTES = Number(process.env.BENCH_BODY_BYTES ?? 1024);
/** A socket read delivers at most this much. */
const READ_CHUNK = 64 * 1024;
const REQUEST_HEADERS: [string, string][] = [['host', '127.0.0.1:40000'], ['connection', 'keep-alive'], ['user-agent', 'undici'], ['accept', '*/*']];
const RESPONSE_HEADERS: [string, string][] = [['content-type', 'application/octet-stream'], ['content-length', String(BODY_BYTES)], ['date', new Date().toUTCString()], ['connection', 'keep-alive'], ['keep-alive', 'timeout=5']];

/** Context switches of this process's threads so far. */
function switches(): number {
  let total = 0;
  for (const t of fs.readdirSync('/proc/self/task')) {
    try {
      for (const m of fs.readFileSync(`/proc/self/task/${t}/status`, 'utf8').matchAll(/ctxt_switches:\s+(\d+)/g)) total += Number(m[1]);
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return total;
}

interface Result {
  flowsPerSecond: number;
  cpu: number;
  user: number;
  system: number;
  switches: number;
  /** CPU µs per flow by thread name (threadCpuByName). */
  threads?: Record<string, number>;
  /** The main thread's heap per flow (gcWindow): bytes allocated, bytes promoted to the old generation. */
  allocated?: number;
  promoted?: number;
}

/** One run against the store of the checkout at `root` (this one by default). */
async function measure(root: string): Promise<Result> {
  // The store module of the checkout being measured (BENCH_BEFORE runs another checkout's through here).
  const { openFlowStore } = require(path.join(root, 'electron', 'core', 'store')) as typeof StoreModule;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-flow-cost-'));
  const maxFlows = process.env.BENCH_MAX_FLOWS ? Number(process.env.BENCH_MAX_FLOWS) : undefined;
  const trimCount = process.env.BENCH_TRIM_COUNT ? Number(process.env.BENCH_TRIM_COUNT) : undefined;
  const store = openFlowStore({ dataDir, ...(maxFlows !== undefined ? { maxFlows } : {}), ...(trimCount !== undefined ? { trimCount } : {}) });
  await store.ready;
  let recorded = 0;
  const record = () => {
    const seq = store.nextSeq();
    const id = `f${seq.toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    const flow: Flow = {
      id,
      seq,
      schema: FLOW_SCHEMA,
      startedAt: Date.now(),
      state: 'live',
      client: { ip: '127.0.0.1', port: 50_000 + (seq % 1000) },
      server: { host: '127.0.0.1', port: 40_000 },
      request: { method: 'GET', url: `http://127.0.0.1:40000/bytes?n=${BODY_BYTES}&i=${seq}`, httpVersion: '1.1', headers: REQUEST_HEADERS.map(([n, v]) => [n, v]), body: { size: 0, storedSize: 0, truncated: false } },
      timings: {},
      appliedRules: [],
    };
    store.flowStarted(flow);
    flow.response = { status: 200, statusText: 'OK', headers: RESPONSE_HEADERS.map(([n, v]) => [n, v]), body: { size: 0, storedSize: 0, truncated: false, contentType: 'application/octet-stream' } };
    store.flowUpdated(flow);
    const body = store.bodies.open(id, 'response', { contentType: 'application/octet-stream' });
    // A buffer of its own per chunk, as each socket read is (its bytes do not matter here).
    for (let at = 0; at < BODY_BYTES; at += READ_CHUNK) body.write(Buffer.allocUnsafeSlow(Math.min(READ_CHUNK, BODY_BYTES - at)));
    flow.response.body = body.end();
    flow.state = 'completed';
    flow.timings = { totalMs: 1 };
    store.flowUpdated(flow);
    recorded++;
  };
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) record();
  }, TICK_MS);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpuByName(process.pid);
  const heapWindow = gcWindow();
  const switches0 = switches();
  const flows0 = recorded;
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1_000));
  const cpu = process.cpuUsage(cpu0);
  const threads1 = threadCpuByName(process.pid);
  const heap = heapWindow();
  const flows = recorded - flows0;
  const switched = switches() - switches0;
  const seconds = (Date.now() - t0) / 1000;
  clearInterval(timer);
  await store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const threads: Record<string, number> = {};
  // Threads of the tsx loader and others under 0.05 µs/flow are left out.
  for (const [name, ms] of Object.entries(threads1 ?? {})) {
    const micros = ((ms - (threads0?.[name] ?? 0)) * 1000) / flows;
    if (micros >= 0.05) threads[name] = Math.round(micros * 10) / 10;
  }
  return { flowsPerSecond: Math.round(flows / seconds), cpu: (cpu.user + cpu.system) / flows, user: cpu.user / flows, system: cpu.system / flows, switches: switched / flows, threads, allocated: heap.allocatedBytes / flows, promoted: heap.promotedBytes / flows };
}

const HEADER = '| flows/s | CPU µs/flow (all threads) | user | system | context switches/flow | main thread allocated / promoted B/flow | µs/flow by thread |';
const threadsText = (threads: Record<string, number> | undefined) =>
  Object.entries(threads ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([name, micros]) => `${name} ${micros.toFixed(1)}`)
    .join(', ');
const line = (r: Result, label = '') => `| ${label}${r.flowsPerSecond} | ${r.cpu.toFixed(1)} | ${r.user.toFixed(1)} | ${r.system.toFixed(1)} | ${r.switches.toFixed(2)} | ${Math.round(r.allocated ?? 0)} / ${Math.round(r.promoted ?? 0)} | ${threadsText(r.threads)} |`;

/** BENCH_BEFORE: alternating runs of both checkouts' stores, each in a fresh process (this file again, BENCH_ROOT set). */
function compare(before: string): void {
  const results: Record<'before' | 'this', Result[]> = { before: [], this: [] };
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const [side, root] of [['before', path.resolve(before)], ['this', path.join(__dirname, '..')]] as const) {
      const run = spawnSync(process.execPath, ['--require', path.join(__dirname, 'thread-names.cjs'), '--import', 'tsx', __filename], { env: { ...process.env, BENCH_BEFORE: '', BENCH_ROOT: root, BENCH_JSON: '1' }, encoding: 'utf8', cwd: root });
      if (run.status !== 0) throw new Error(`the ${side} run failed: ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as Result;
      results[side].push(result);
      console.log(`${side}: ${line(result)}`);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const medThreads = (list: Result[]): Record<string, number> => {
    const names = new Set(list.flatMap((r) => Object.keys(r.threads ?? {})));
    return Object.fromEntries([...names].map((name) => [name, median(list.map((r) => r.threads?.[name] ?? 0))]));
  };
  const med = (list: Result[]): Result => ({ flowsPerSecond: median(list.map((r) => r.flowsPerSecond)), cpu: median(list.map((r) => r.cpu)), user: median(list.map((r) => r.user)), system: median(list.map((r) => r.system)), switches: median(list.map((r) => r.switches)), threads: medThreads(list), allocated: median(list.map((r) => r.allocated ?? 0)), promoted: median(list.map((r) => r.promoted ?? 0)) });
  console.log(`\n${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}; medians of ${PAIRS} alternating runs\n`);
  console.log(`| side ${HEADER}`);
  console.log('|---|--:|--:|--:|--:|--:|--:|---|');
  console.log(line(med(results.before), `before (${before}) | `));
  console.log(line(med(results.this), 'this | '));
}

async function main(): Promise<void> {
  if (process.env.BENCH_BEFORE) return compare(process.env.BENCH_BEFORE);
  const result = await measure(process.env.BENCH_ROOT ?? path.join(__dirname, '..'));
  if (process.env.BENCH_JSON) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}\n`);
  console.log(HEADER);
  console.log('|--:|--:|--:|--:|--:|--:|---|');
  console.log(line(result));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
