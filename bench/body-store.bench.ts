/**
 * What the body store costs per captured body, alone (issue 16: capture's cost on big bodies). Bodies of
 * BENCH_BODY_BYTES (100 KB) go through BodyStore.open/write/end as the recorder hands them over (socket-sized
 * chunks of up to 64 KB), into body segments as the flow store writes them, at BENCH_RATE bodies a second
 * (1,000: 100 MB/s) for BENCH_DURATION s (5) after a second of warm-up. The chunks are views of one buffer made
 * before the run, so what is measured is the store's work: the copy into staging pages and the direct writes
 * (`direct`), or the chunks queued for a positional writev through the page cache (`buffered`, as on macOS and
 * Windows, or where direct I/O is refused), against the same loop with no store at all (`none`). CPU time of all
 * the process's threads, by thread (Linux), and write calls and bytes per body from /proc/self/io: CPU time
 * depends far less on other work on the machine than wall-clock figures. Each run is a fresh process; BENCH_PAIRS
 * (3) rounds of the modes, the order rotated each round, then the medians.
 * Run: `npm run bench body-store`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BodyStore, DEFAULT_SEGMENT_BYTES } from '../electron/core/store/bodies';
import { ioCounts, threadTimes } from './child';

const BODY_BYTES = Number(process.env.BENCH_BODY_BYTES ?? 100 * 1024);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const TICK_MS = 5;
/** A socket read delivers at most this much. */
const READ_CHUNK = 64 * 1024;
const MODES = ['none', 'direct', 'buffered'] as const;
type Mode = (typeof MODES)[number];

interface Result {
  mode: Mode;
  bodies: number;
  /** µs per body, all threads, then the main thread and the others. */
  cpu: number;
  user: number;
  system: number;
  main: number;
  others: number;
  writes: number;
  diskBytes: number;
}

async function measure(mode: Mode): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-bodies-'));
  const store = mode === 'none' ? undefined : new BodyStore({ dir, segmentBytes: DEFAULT_SEGMENT_BYTES, directWrites: mode === 'direct' });
  const source = Buffer.alloc(BODY_BYTES, 'x');
  const chunks: Buffer[] = [];
  for (let at = 0; at < BODY_BYTES; at += READ_CHUNK) chunks.push(source.subarray(at, Math.min(BODY_BYTES, at + READ_CHUNK)));
  let n = 0;
  let sink = 0;
  const one = () => {
    const id = `b${(n++).toString(36).padStart(11, '0')}`;
    if (!store) {
      for (const c of chunks) sink += c.length;
      return;
    }
    const writer = store.open(id, 'response', { contentType: 'application/octet-stream' });
    for (const c of chunks) writer.write(c);
    sink += writer.end().storedSize;
  };
  const perTick = (RATE * TICK_MS) / 1000;
  let due = 0;
  const timer = setInterval(() => {
    for (due += perTick; due >= 1; due--) one();
  }, TICK_MS);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const [n0, cpu0, threads0, io0] = [n, process.cpuUsage(), threadTimes(), ioCounts()];
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1000));
  const [n1, cpu1, threads1, io1] = [n, process.cpuUsage(cpu0), threadTimes(), ioCounts()];
  clearInterval(timer);
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (sink === 0) throw new Error('no body was stored');
  const bodies = n1 - n0;
  const ms = (pick: (t: { user: number; sys: number }) => number, main: boolean) =>
    Object.entries(threads1).reduce((sum, [name, t]) => ((name === 'main') === main ? sum + pick(t) - pick(threads0[name] ?? { user: 0, sys: 0 }) : sum), 0);
  const perBody = (x: number) => x / bodies;
  return {
    mode,
    bodies,
    cpu: perBody(cpu1.user + cpu1.system),
    user: perBody(cpu1.user),
    system: perBody(cpu1.system),
    main: perBody((ms((t) => t.user, true) + ms((t) => t.sys, true)) * 1000),
    others: perBody((ms((t) => t.user, false) + ms((t) => t.sys, false)) * 1000),
    writes: perBody((io1.syscw ?? 0) - (io0.syscw ?? 0)),
    diskBytes: perBody((io1.write_bytes ?? 0) - (io0.write_bytes ?? 0)),
  };
}

const HEADER = '| mode | bodies/s | CPU µs/body (all threads) | user | system | main thread | other threads | write calls/body | bytes to disk/body |';
const line = (r: Result) =>
  `| ${r.mode} | ${Math.round(r.bodies / DURATION_S)} | ${r.cpu.toFixed(1)} | ${r.user.toFixed(1)} | ${r.system.toFixed(1)} | ${r.main.toFixed(1)} | ${r.others.toFixed(1)} | ${r.writes.toFixed(2)} | ${Math.round(r.diskBytes)} |`;

function main(): void {
  const results = new Map<Mode, Result[]>(MODES.map((m) => [m, []]));
  for (let round = 0; round < PAIRS; round++) {
    for (let i = 0; i < MODES.length; i++) {
      const mode = MODES[(i + round) % MODES.length];
      const run = spawnSync(process.execPath, ['--import', 'tsx', __filename], { env: { ...process.env, BENCH_BODY_MODE: mode }, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`the ${mode} run failed: ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as Result;
      results.get(mode)!.push(result);
      console.log(line(result));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`\n${BODY_BYTES} B bodies at ${RATE}/s, ${os.cpus().length} CPUs, Node ${process.version}, load average ${os.loadavg()[0].toFixed(2)}; medians of ${PAIRS} rounds\n`);
  console.log(HEADER);
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const [mode, list] of results) {
    const keys = ['bodies', 'cpu', 'user', 'system', 'main', 'others', 'writes', 'diskBytes'] as const;
    console.log(line({ mode, ...Object.fromEntries(keys.map((k) => [k, median(list.map((r) => r[k]))])) } as Result));
  }
}

const mode = process.env.BENCH_BODY_MODE as Mode | undefined;
if (mode) {
  void measure(mode).then(
    (r) => console.log(JSON.stringify(r)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else main();
