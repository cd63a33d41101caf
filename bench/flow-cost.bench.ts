/**
 * What capture costs the store per flow (issue 16), without the proxy: flows recorded the way the recorder
 * records them (start, response head, a 1 KB response body into the body store, finish) at a fixed rate,
 * and the process's CPU per flow, all threads (main, the store's worker, the thread pool, V8's GC helpers),
 * with its context switches per flow. CPU time and switch counts depend far less on other work on the
 * machine than req/s or the proxy's CPU per request do, so this is the figure to compare before/after a
 * change on a loaded machine. Run: `npm run bench flow-cost`; BENCH_RATE (1500 flows/s) and
 * BENCH_DURATION (8 s, after 1 s of warm-up) change the load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FLOW_SCHEMA, type Flow } from '../electron/common/flow';
import { openFlowStore } from '../electron/core/store';

const RATE = Number(process.env.BENCH_RATE ?? 1500);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const TICK_MS = 5;
const BODY = Buffer.alloc(1024, 0x61);
const REQUEST_HEADERS: [string, string][] = [['host', '127.0.0.1:40000'], ['connection', 'keep-alive'], ['user-agent', 'undici'], ['accept', '*/*']];
const RESPONSE_HEADERS: [string, string][] = [['content-type', 'application/octet-stream'], ['content-length', '1024'], ['date', new Date().toUTCString()], ['connection', 'keep-alive'], ['keep-alive', 'timeout=5']];

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

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-flow-cost-'));
  const store = openFlowStore({ dataDir });
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
      request: { method: 'GET', url: `http://127.0.0.1:40000/bytes?n=1024&i=${seq}`, httpVersion: '1.1', headers: REQUEST_HEADERS.map(([n, v]) => [n, v]), body: { size: 0, storedSize: 0, truncated: false } },
      timings: {},
      appliedRules: [],
    };
    store.flowStarted(flow);
    flow.response = { status: 200, statusText: 'OK', headers: RESPONSE_HEADERS.map(([n, v]) => [n, v]), body: { size: 0, storedSize: 0, truncated: false, contentType: 'application/octet-stream' } };
    store.flowUpdated(flow);
    const body = store.bodies.open(id, 'response', { contentType: 'application/octet-stream' });
    body.write(Buffer.from(BODY));
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
  const switches0 = switches();
  const flows0 = recorded;
  const t0 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1_000));
  const cpu = process.cpuUsage(cpu0);
  const flows = recorded - flows0;
  const switched = switches() - switches0;
  const seconds = (Date.now() - t0) / 1000;
  clearInterval(timer);
  await store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  const per = (n: number) => (n / flows).toFixed(1);
  console.log(`${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}\n`);
  console.log('| flows/s | CPU µs/flow (all threads) | user | system | context switches/flow |');
  console.log('|--:|--:|--:|--:|--:|');
  console.log(`| ${Math.round(flows / seconds)} | ${per(cpu.user + cpu.system)} | ${per(cpu.user)} | ${per(cpu.system)} | ${(switched / flows).toFixed(2)} |`);
}

void main();
