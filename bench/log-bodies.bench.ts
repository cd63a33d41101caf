/**
 * Body logging benchmark (`npm run bench log-bodies`, issue 20's goal: `--log-bodies --log-file` within 15 % of
 * logging off). The real command as users run it, `node bin/hindsight.js serve --data <tmp> --port 0
 * --ui-port 0`, in each of the modes below, back to back on the same rows, so the throughput lost to logging
 * is read from one run:
 *   off     no log flags (capture on, as `serve` records by default)
 *   lines   `--log-file F`: the `--log` line per flow, no bodies
 *   bodies  `--log-file F --log-bodies` (64 KB per body, masked)
 * Rows: http-1k, http-100k and https-1k keep-alive through the proxy (32 connections, closed loop, the
 * undici client and test origin of capture.bench.ts). Per run: BENCH_WARMUP (2 s) + BENCH_DURATION (10 s),
 * BENCH_REPS (3) runs per row and mode, modes alternating run by run, medians printed. The proxy's CPU per
 * request comes from /proc/<pid>/stat; after each run serve is stopped (SIGINT, which drains the logger)
 * and the log file's lines are counted: every request must have its line, and lines whose bodies were
 * skipped because the logger fell behind are counted apart (those would flatter the figure).
 * BENCH_LOG_MODES=off,lines,bodies picks modes (default off,bodies); BENCH_ONLY=http-1k,… picks rows.
 * BENCH_BEFORE=<a checkout, or a copy of its bin/, dist/ and package.json> and a mode written `bodies@before`
 * run that mode with that serve, in the same run (before/after a change, under the same load).
 * BENCH_NODE_FLAGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof) go to the serve process.
 * Uses dist/: run `npm run build` after changing electron/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProxyAgent, request, type Dispatcher } from 'undici';
import { startOrigin } from '../test/helpers/origin';
import { percentile, startChild, type Message } from './child';

const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 1_000_000);
const CONCURRENCY = 32;
const TIMEOUT_MS = 10_000;
const ROOT = path.join(__dirname, '..');
const CLOCK_TICK_MICROS = 10_000; // USER_HZ is 100 on Linux

type Flags = 'off' | 'lines' | 'bodies';
/** Flags, then `@before` for BENCH_BEFORE's serve. */
type Mode = Flags | `${Flags}@before`;
const MODE_FLAGS: Record<Flags, (logFile: string) => string[]> = {
  off: () => [],
  lines: (f) => ['--log-file', f],
  bodies: (f) => ['--log-file', f, '--log-bodies'],
};

async function originRole(): Promise<void> {
  const origin = await startOrigin();
  process.send!({ type: 'ready', httpPort: origin.httpPort, httpsPort: origin.httpsPort, caPem: origin.caPem });
  process.on('message', async (m: Message) => {
    if (m.type === 'stop') {
      await origin.close();
      process.disconnect();
    }
  });
}

interface Serve {
  child: ChildProcess;
  port: number;
  caPem: string;
  dataDir: string;
  logFile: string;
}

/** Starts serve in a fresh data folder and waits for the end of its banner ("Press Ctrl-C"). */
async function startServe(mode: Mode, originCaFile: string): Promise<Serve> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-log-'));
  const logFile = path.join(dataDir, 'flows.log');
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const [name, before] = mode.split('@') as [Flags, string | undefined];
  const root = before ? path.resolve(process.env.BENCH_BEFORE!) : ROOT;
  const args = [...flags, path.join(root, 'bin', 'hindsight.js'), 'serve', '--data', dataDir, '--port', '0', '--ui-port', '0', '--upstream-ca', originCaFile, ...MODE_FLAGS[name](logFile)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HINDSIGHT_LOG: '' } });
  let stderr = '';
  const started = await new Promise<{ port: number; caPath: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 30 s: ${stderr}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const port = /Proxy:\s+http:\/\/[^:]+:(\d+)/.exec(stderr);
      const ca = /CA:\s+(\S+)/.exec(stderr);
      if (port && ca && stderr.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve({ port: Number(port[1]), caPath: ca[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
  // Later status lines (errors) still show; the banner (with the UI's token) does not.
  child.stderr!.on('data', (chunk: Buffer) => {
    const text = chunk.toString().replace(/^Stopping….*\n?/gm, '');
    if (text) process.stderr.write(text);
  });
  return { child, port: started.port, caPem: fs.readFileSync(started.caPath, 'utf8'), dataDir, logFile };
}

/** user + system CPU of a process, from /proc. */
function cpuMicrosOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MICROS;
}

async function stopServe(serve: Serve): Promise<void> {
  if (serve.child.exitCode !== null) return;
  const exited = new Promise((resolve) => serve.child.once('exit', resolve));
  serve.child.kill('SIGINT');
  const killer = setTimeout(() => serve.child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(killer);
}

/** Lines in the log file, and those whose bodies were skipped (the logger fell behind). */
async function countLines(file: string): Promise<{ lines: number; skipped: number }> {
  if (!fs.existsSync(file)) return { lines: 0, skipped: 0 };
  let lines = 0;
  let skipped = 0;
  const marker = Buffer.from('"bodyError":"bodies skipped');
  let tail = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    const buf = Buffer.concat([tail, chunk as Buffer]);
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
    for (let i = buf.indexOf(marker); i >= 0; i = buf.indexOf(marker, i + 1)) skipped++;
    // Keep a marker's length of the end, so a marker split between chunks is found once (newlines were counted).
    tail = Buffer.from(buf.subarray(Math.max(0, buf.length - marker.length + 1)));
    tail = tail.includes(10) ? tail.subarray(tail.lastIndexOf(10) + 1) : tail;
  }
  return { lines, skipped };
}

async function fetchAll(url: string, dispatcher: Dispatcher, expectBytes: number): Promise<void> {
  const { statusCode, body } = await request(url, { dispatcher, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  let n = 0;
  for await (const chunk of body) n += (chunk as Buffer).length;
  if (statusCode !== 200 || n !== expectBytes) throw new Error(`status ${statusCode}, ${n} bytes`);
}

interface Run {
  row: string;
  mode: Mode;
  reqPerSec: number;
  cpuMicrosPerReq: number;
  errors: number;
  requests: number;
  lines: number;
  skipped: number;
}

async function run(row: string, url: string, bytes: number, mode: Mode, originCaFile: string): Promise<Run> {
  const serve = await startServe(mode, originCaFile);
  const dispatcher = new ProxyAgent({ uri: `http://127.0.0.1:${serve.port}`, proxyTunnel: false, requestTls: { ca: serve.caPem }, connections: CONCURRENCY, keepAliveTimeout: 60_000 });
  const pid = serve.child.pid!;
  let requests = 0;
  let measured = 0;
  let errors = 0;
  let cpuAtStart = 0;
  let cpuAtEnd = 0;
  try {
    const t0 = performance.now();
    const measureFrom = t0 + WARMUP_S * 1000;
    const end = measureFrom + DURATION_S * 1000;
    const startTimer = setTimeout(() => (cpuAtStart = cpuMicrosOf(pid)), WARMUP_S * 1000);
    const endTimer = setTimeout(() => (cpuAtEnd = cpuMicrosOf(pid)), (WARMUP_S + DURATION_S) * 1000);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (requests < MAX_REQUESTS) {
          const start = performance.now();
          if (start >= end) break;
          requests++;
          try {
            await fetchAll(url, dispatcher, bytes);
            if (start >= measureFrom && performance.now() <= end) measured++;
          } catch {
            errors++;
          }
        }
      }),
    );
    clearTimeout(startTimer);
    clearTimeout(endTimer);
    cpuAtEnd ||= cpuMicrosOf(pid);
  } finally {
    await dispatcher.close();
    await stopServe(serve);
  }
  const { lines, skipped } = await countLines(serve.logFile);
  fs.rmSync(serve.dataDir, { recursive: true, force: true });
  return { row, mode, reqPerSec: Math.round(measured / DURATION_S), cpuMicrosPerReq: Math.round((cpuAtEnd - cpuAtStart) / Math.max(1, measured)), errors, requests, lines, skipped };
}

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
const loadLine = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const modes = (process.env.BENCH_LOG_MODES ?? 'off,bodies').split(',') as Mode[];
  for (const m of modes) {
    const [name, before] = m.split('@');
    if (!(name in MODE_FLAGS) || (before !== undefined && (before !== 'before' || !process.env.BENCH_BEFORE))) throw new Error(`BENCH_LOG_MODES: unknown mode '${m}' (off, lines, bodies; with @before when BENCH_BEFORE is set)`);
  }
  const only = process.env.BENCH_ONLY?.split(',');
  const watchdog = setTimeout(() => {
    console.error('log-bodies bench: watchdog fired');
    process.exit(3);
  }, (3 * REPS * modes.length * (WARMUP_S + DURATION_S + 60) + 60) * 1000);
  watchdog.unref();
  const origin = await startChild(__filename, 'origin');
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-ca-'));
  const originCaFile = path.join(caDir, 'origin-ca.pem');
  fs.writeFileSync(originCaFile, origin.ready.caPem as string);
  const { httpPort, httpsPort } = origin.ready as unknown as { httpPort: number; httpsPort: number };
  // By IP: serve has no test lookup; the origin's certificate for clients without SNI is for 127.0.0.1.
  const rows: [string, string, number][] = [
    ['http-1k', `http://127.0.0.1:${httpPort}/bytes?n=1024`, 1024],
    ['http-100k', `http://127.0.0.1:${httpPort}/bytes?n=102400`, 102400],
    ['https-1k', `https://127.0.0.1:${httpsPort}/bytes?n=1024`, 1024],
  ].filter(([name]) => !only || only.includes(name as string)) as [string, string, number][];
  const runs: Run[] = [];
  const loadBefore = loadLine();
  try {
    for (const [row, url, bytes] of rows) {
      for (let rep = 0; rep < REPS; rep++) {
        for (const mode of modes) {
          const r = await run(row, url, bytes, mode, originCaFile);
          console.log(`${row} ${mode} #${rep + 1}: ${r.reqPerSec} req/s, ${r.cpuMicrosPerReq} µs/req, ${r.errors} errors, ${r.lines}/${r.requests} lines (${r.skipped} without bodies); load ${loadLine()}`);
          runs.push(r);
        }
      }
    }
  } finally {
    await origin.stop();
    fs.rmSync(caDir, { recursive: true, force: true });
  }
  console.log(`\n${CONCURRENCY} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s measured, ${REPS} runs per row and mode (medians); ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load average before ${loadBefore}, after ${loadLine()}\n`);
  console.log(`| row | ${modes.map((m) => `${m}: req/s (CPU µs/req)`).join(' | ')} | ${modes.slice(1).map((m) => `${m} ÷ ${modes[0]}`).join(' | ')} |`);
  console.log(`|---|${modes.map(() => '--:').join('|')}|${modes.slice(1).map(() => '--:').join('|')}|`);
  for (const [row] of rows) {
    const of = (m: Mode) => runs.filter((r) => r.row === row && r.mode === m);
    const rate = (m: Mode) => median(of(m).map((r) => r.reqPerSec));
    const cpu = (m: Mode) => median(of(m).map((r) => r.cpuMicrosPerReq));
    const base = rate(modes[0]);
    console.log(`| ${row} | ${modes.map((m) => `${rate(m).toLocaleString('en-US')} (${cpu(m)})`).join(' | ')} | ${modes.slice(1).map((m) => `${(((rate(m) - base) / base) * 100).toFixed(1)} %`).join(' | ')} |`);
  }
}

(process.env.BENCH_ROLE === 'origin' ? originRole() : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
