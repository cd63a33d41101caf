/**
 * Helper processes of a benchmark: the bench file runs itself again with BENCH_ROLE (an origin, a proxy), so each
 * part's CPU and memory are its own. A role answers IPC messages ('usage', 'stop'); the load client asks them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';

export type Message = { type: string; [key: string]: unknown };

export interface Child {
  process: ChildProcess;
  /** The role's first message (its port, CA …). */
  ready: Message;
  /** Sends `type` and resolves with the role's next message; rejects when the role has exited. */
  ask(type: string): Promise<Message>;
  /** Asks the role to stop; killed after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts `file` (under tsx, plus BENCH_NODE_FLAGS and `nodeFlags`, e.g. a `--cpu-prof` for one role only) as `role`
 * and waits for its first message.
 */
export async function startChild(file: string, role: string, env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...nodeFlags, file], {
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
      new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${role} exited (${child.exitCode})`));
        child.once('message', (m: Message) => resolve(m));
        child.send({ type });
      }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send({ type: 'stop' });
      else child.kill();
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The p-th percentile of sorted values (NaN when there are none). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** CPU time a process has used, in ms: its main thread, and its other threads (GC helpers, thread pool, workers). */
export interface ThreadCpu {
  main: number;
  others: number;
}

/**
 * The CPU time process `pid` has used so far, per thread, from /proc/PID/task/TID/schedstat (Linux; undefined
 * elsewhere). Differences between two readings tell how much the process worked meanwhile, which a wall-clock
 * latency on a loaded machine cannot: a slow request the proxy did not work more on was waiting for a CPU.
 */
export function threadCpu(pid: number): ThreadCpu | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const cpu = { main: 0, others: 0 };
  for (const tid of tids) {
    try {
      // schedstat: nanoseconds on a CPU, nanoseconds waiting for one, timeslices.
      const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      if (Number(tid) === pid) cpu.main += ns / 1e6;
      else cpu.others += ns / 1e6;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

/**
 * Where a process's CPU went, by thread kind (Linux; empty elsewhere): user and system ms per thread name from
 * /proc/PID/task/TID/stat, the main thread as `main`, numbered threads of one kind (libuv-worker, V8 DefaultWorke…)
 * added together. With /proc/PID/io's write calls and bytes, this tells which thread and which syscalls a change moved.
 */
export function threadTimes(pid = process.pid): Record<string, { user: number; sys: number }> {
  const ticks = 1000 / 100;
  const out: Record<string, { user: number; sys: number }> = {};
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  // Node leaves most threads unnamed ("node"): those are told apart by their order of creation (t1, t2 … after main:
  // V8's platform workers first, then the libuv pool and the store's worker as the proxy starts them).
  tids.sort((a, b) => Number(a) - Number(b));
  for (const [i, tid] of tids.entries()) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const name = Number(tid) === pid ? 'main' : comm === 'node' ? `t${i}` : comm.replace(/[\d]+$/, '').trim();
      const fields = stat.slice(close + 2).split(' ');
      const t = (out[name] ??= { user: 0, sys: 0 });
      t.user += Number(fields[11]) * ticks;
      t.sys += Number(fields[12]) * ticks;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** /proc/PID/io: read and write calls, bytes passed to them, bytes that reached the disk (Linux; empty elsewhere). */
export function ioCounts(pid = process.pid): Record<string, number> {
  try {
    return Object.fromEntries(fs.readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((line) => {
      const [key, value] = line.split(': ');
      return [key, Number(value)];
    }));
  } catch {
    return {};
  }
}

/** The CPU used between two readings (threads that ended meanwhile make `others` smaller, never negative). */
export function cpuBetween(before: ThreadCpu | undefined, after: ThreadCpu | undefined): ThreadCpu | undefined {
  if (!before || !after) return undefined;
  return { main: after.main - before.main, others: Math.max(0, after.others - before.others) };
}

/** This process's peak resident memory in MB. */
export function peakRssMB(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Math.round(process.resourceUsage().maxRSS / 1024);
}

/**
 * In a helper role: answers 'usage' (the process's CPU, peak and current RSS, plus what `extra` adds) until
 * 'stop', which runs `stop` and lets the process end.
 */
export function answerUntilStopped(stop: () => Promise<void>, extra: () => Promise<Record<string, number>> = async () => ({})): void {
  // The load client gone (a crash, the watchdog): this helper goes too, rather than serve on as an orphan.
  process.once('disconnect', () => process.exit(0));
  process.on('message', async (m: Message) => {
    if (m.type === 'usage') {
      const usage = process.cpuUsage();
      process.send!({ type: 'usage', cpuMicros: usage.user + usage.system, peakRssMB: peakRssMB(), rssMB: Math.round(process.memoryUsage.rss() / 1024 / 1024), ...(await extra()) });
    }
    if (m.type === 'stop') {
      await stop();
      process.exit(0);
    }
  });
}

/** The part of mockttp's API the benches use. */
interface Mockttp {
  generateCACertificate(options: { commonName: string }): Promise<{ key: string; cert: string }>;
  getLocal(options: Record<string, unknown>): {
    start(port: number): Promise<void>;
    stop(): Promise<void>;
    port: number;
    forAnyRequest(): { thenPassThrough(options: Record<string, unknown>): Promise<unknown> };
    forAnyWebSocket(): { thenPassThrough(options: Record<string, unknown>): Promise<unknown> };
  };
}

/**
 * The mockttp role: a passthrough proxy from BENCH_MOCKTTP_DIR (where mockttp is installed), started as
 * ../shared/bench/peers/mockttp-proxy.mjs starts one (recordTraffic off, http2 'fallback', its own CA as HTTP
 * Toolkit runs it; the origin's CA is trusted through NODE_EXTRA_CA_CERTS, set by the parent). Sends 'ready' with
 * its port and CA, then answers until stopped.
 */
export async function mockttpRole(caName: string, options: { webSockets?: boolean } = {}): Promise<void> {
  const mockttp = createRequire(path.join(path.resolve(process.env.BENCH_MOCKTTP_DIR!), 'package.json'))('mockttp') as Mockttp;
  const ca = await mockttp.generateCACertificate({ commonName: caName });
  const server = mockttp.getLocal({ https: { key: ca.key, cert: ca.cert }, recordTraffic: false, http2: 'fallback' });
  await server.start(0);
  await server.forAnyRequest().thenPassThrough({});
  if (options.webSockets) await server.forAnyWebSocket().thenPassThrough({});
  process.send!({ type: 'ready', port: server.port, caPem: ca.cert });
  answerUntilStopped(() => server.stop());
}

/**
 * CPU ms per thread name of process `pid` so far (/proc/PID/task/TID/comm and schedstat; Linux, else
 * undefined). With bench/thread-names.cjs preloaded the names say what each thread is: main, v8-platform
 * (GC helpers), store-worker, other-worker; pool is what the main thread made later (libuv's thread pool).
 */
export function threadCpuByName(pid: number): Record<string, number> | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const cpu: Record<string, number> = {};
  for (const tid of tids) {
    try {
      const comm = Number(tid) === pid ? 'main' : fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim().replace(/^node$/, 'pool');
      const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      cpu[comm] = (cpu[comm] ?? 0) + ns / 1e6;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return cpu;
}

/** What this thread's heap did over a window (gcWindow): bytes allocated, bytes moved to the old generation, collections. */
export interface HeapWindow {
  allocatedBytes: number;
  promotedBytes: number;
  scavenges: number;
  fullGcs: number;
}

interface GcSpaces {
  heapStatistics: { usedHeapSize: number };
  heapSpaceStatistics: { spaceName: string; spaceUsedSize: number }[];
}

const OLD_SPACES = new Set(['old_space', 'code_space', 'map_space', 'lo_space', 'code_lo_space']);

function oldUsed(spaces: GcSpaces): number {
  let used = 0;
  for (const space of spaces.heapSpaceStatistics) if (OLD_SPACES.has(space.spaceName)) used += space.spaceUsedSize;
  return used;
}

/**
 * Starts watching this thread's heap (v8.GCProfiler, one collection at a time); the returned function ends
 * the window and tells what happened in it. Allocated: the heap's growth between collections summed (what
 * each collection found used, less what the previous one left), plus the growth since the last one;
 * promoted: what the old generation gained across young-generation collections (survivors moved there, and
 * large objects allocated straight into it). The garbage a flow makes, and what of it outlives V8's young
 * generation, which its collections must copy (issue 16).
 */
export function gcWindow(): () => HeapWindow {
  const profiler = new v8.GCProfiler();
  const usedAtStart = v8.getHeapStatistics().used_heap_size;
  profiler.start();
  return () => {
    const usedAtEnd = v8.getHeapStatistics().used_heap_size;
    const stats = (profiler.stop()?.statistics ?? []) as { gcType: string; beforeGC: GcSpaces; afterGC: GcSpaces }[];
    const window: HeapWindow = { allocatedBytes: 0, promotedBytes: 0, scavenges: 0, fullGcs: 0 };
    let lastAfter = usedAtStart;
    for (const gc of stats) {
      window.allocatedBytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - lastAfter);
      lastAfter = gc.afterGC.heapStatistics.usedHeapSize;
      if (gc.gcType === 'Scavenge') {
        window.scavenges++;
        window.promotedBytes += Math.max(0, oldUsed(gc.afterGC) - oldUsed(gc.beforeGC));
      } else if (gc.gcType === 'MarkSweepCompact') window.fullGcs++;
    }
    window.allocatedBytes += Math.max(0, usedAtEnd - lastAfter);
    return window;
  };
}
