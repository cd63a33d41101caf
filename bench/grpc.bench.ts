/**
 * gRPC benchmark (`npm run bench grpc`): unary calls per second with @grpc/grpc-js, 32 calls in flight on one
 * channel, closed loop, from a client through Hindsight to a grpc-js server on loopback. Insecure: the client
 * finds the proxy through `grpc_proxy` (as users set it) and speaks h2c inside the CONNECT tunnel; the proxy
 * speaks h2c to the server. Beside it, the same load direct (no proxy) and, when BENCH_MOCKTTP_DIR names a
 * folder where mockttp is installed (mockttp resolvable from it, e.g. /tmp/peers/npm), through a mockttp
 * passthrough proxy started here as ../shared/bench/peers/mockttp-proxy.mjs starts one (recordTraffic off,
 * http2 'fallback'). Hindsight runs twice, capture on and capture off, so capture's share is read from one run.
 * BENCH_GRPC_TLS=1 runs every row over TLS instead: the server has a certificate for localhost from the test
 * origin CA, which the proxies trust (Hindsight's upstreamCa, mockttp through NODE_EXTRA_CA_CERTS), and the
 * client trusts the proxy's CA (the server's, direct). mockttp passes HTTP/2 upstream only to https: origins,
 * so its insecure row fails (the server speaks only HTTP/2): the TLS run is the one that compares with it.
 *
 * Processes, so the proxy's CPU and memory are its own: this one (the load client), the gRPC server, and the
 * proxy (Hindsight's createCore in a temp data dir, or mockttp), the last two started from this same file with
 * BENCH_ROLE; a fresh proxy per row. CPU per call is the proxy's process.cpuUsage() over the measured time
 * divided by the calls completed in it.
 * Bounded: BENCH_WARMUP (2 s) + BENCH_DURATION (8 s) per row (BENCH_SHORT=1: 1 s + 4 s), at most
 * BENCH_MAX_REQUESTS calls, a watchdog over the whole run. BENCH_ONLY=direct,hindsight,mockttp picks rows;
 * BENCH_CAPTURE=on|off runs one Hindsight mode only.
 * BENCH_BEFORE=<another checkout> (with its node_modules) runs each Hindsight row BENCH_REPS times (3) through that
 * checkout's proxy and this one's, alternating before/after, and prints the medians of each pair of rows: an A/B
 * of a change in the same run, so a change in the machine's load shows as noise, not as a bias.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { createCore } from '../electron/core/core';
import { originCa, testLookup } from '../test/helpers/origin';
import { Echo, useGrpcProxy, type EchoClient, type Note } from '../test/helpers/grpc-echo';
import { answerUntilStopped, mockttpRole, percentile, startChild, type Child } from './child';

const SHORT = process.env.BENCH_SHORT === '1';
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? (SHORT ? 1 : 2));
const DURATION_S = Number(process.env.BENCH_DURATION ?? (SHORT ? 4 : 8));
const MAX_REQUESTS = Number(process.env.BENCH_MAX_REQUESTS ?? 2_000_000);
const IN_FLIGHT = 32;
/** BENCH_GRPC_TLS=1: every row over TLS (mockttp passes HTTP/2 upstream only to https: origins, so h2c fails there). */
const TLS = process.env.BENCH_GRPC_TLS === '1';
/** What the client calls the server: its loopback address (h2c), or localhost (TLS: verified by name; every proxy resolves it). */
const SERVER_HOST = TLS ? 'localhost' : '127.0.0.1';
const DEADLINE_MS = 10_000;


// ---------- the helper roles: the gRPC server, Hindsight, mockttp ----------

async function serverRole(): Promise<void> {
  const server = new grpc.Server();
  server.addService(Echo.service, {
    Say(call: grpc.ServerUnaryCall<Note, Note>, done: grpc.sendUnaryData<Note>) {
      done(null, { text: call.request.text, n: call.request.n + 1 });
    },
  });
  // TLS: a certificate for localhost from the test origin CA. A name, not an address: a client sends no SNI for
  // an address, and mockttp then presents a certificate for another name.
  const { ca } = await originCa();
  const leaf = ca.leafFor(SERVER_HOST);
  const credentials = TLS ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(leaf.key), cert_chain: Buffer.from(leaf.cert) }]) : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))));
  process.send!({ type: 'ready', port, caPem: ca.certPem });
  answerUntilStopped(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
}

async function hindsightRole(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-grpc-'));
  const upstreamCa = [fs.readFileSync(process.env.BENCH_ORIGIN_CA!, 'utf8')];
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, upstreamCa, version: 'bench' });
  // Capture off measures forwarding alone, to tell what recording costs.
  if (process.env.BENCH_PROXY_CAPTURE === 'off') core.setCapture(false);
  process.send!({ type: 'ready', port: core.proxyAddress().port, caPem: core.ca.certPem });
  answerUntilStopped(async () => {
    await core.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
}

// ---------- the load client ----------

/** This bench's own helper roles; `file`: the same bench in another checkout (BENCH_BEFORE), whose proxy then runs that code. */
const startRole = (role: string, env: NodeJS.ProcessEnv = {}, file = __filename): Promise<Child> => startChild(file, role, env);
const REPS = Number(process.env.BENCH_REPS ?? 3);

interface Row {
  scenario: string;
  callsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  /** The proxy's CPU per call (none for the direct row). */
  cpuMicrosPerCall?: number;
  peakRssMB?: number;
  note?: string;
}

/** A client channel to the server, through `proxyPort` (grpc_proxy, read when the channel is made) or direct. */
function channel(serverPort: number, proxyPort: number | undefined, trustedCaPem: string): EchoClient {
  const restore = proxyPort === undefined ? undefined : useGrpcProxy(`http://127.0.0.1:${proxyPort}`);
  const credentials = TLS ? grpc.credentials.createSsl(Buffer.from(trustedCaPem)) : grpc.credentials.createInsecure();
  try {
    return new Echo(`${SERVER_HOST}:${serverPort}`, credentials, { 'grpc.enable_http_proxy': proxyPort === undefined ? 0 : 1 }) as unknown as EchoClient;
  } finally {
    restore?.();
  }
}

function say(client: EchoClient, n: number): Promise<void> {
  return new Promise((resolve, reject) =>
    client.Say({ text: 'ping', n }, new grpc.Metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, reply) => {
      if (err) reject(err);
      else if (reply?.n !== n + 1) reject(new Error(`answered ${JSON.stringify(reply)} to ${n}`));
      else resolve();
    }),
  );
}

/** IN_FLIGHT workers, each calling Say again as soon as its last call returned, for the warm-up and the measured time. */
async function closedLoop(scenario: string, server: Child, proxy: Child | undefined): Promise<Row> {
  // Direct, the client trusts the server's CA; through a proxy, the proxy's (it intercepts the TLS).
  const client = channel(server.ready.port as number, proxy?.ready.port as number | undefined, ((proxy ?? server).ready.caPem as string) ?? '');
  const t0 = performance.now();
  const measureFrom = t0 + WARMUP_S * 1000;
  const end = measureFrom + DURATION_S * 1000;
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  let cpuAtStart: number | undefined;
  const startMeasure = setTimeout(() => void proxy?.ask('usage').then((u) => (cpuAtStart = u.cpuMicros as number), () => undefined), WARMUP_S * 1000);
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (issued < MAX_REQUESTS) {
          const start = performance.now();
          if (start >= end) break;
          try {
            await say(client, issued++);
            const done = performance.now();
            if (start >= measureFrom && done <= end) latencies.push(done - start);
          } catch (err) {
            firstError ??= (err as Error).message;
            if (start >= measureFrom) errors++;
          }
        }
      }),
    );
  } finally {
    clearTimeout(startMeasure);
    client.close();
  }
  // A proxy that died under the load has no usage to give: its row says so.
  const usage = proxy ? await proxy.ask('usage').catch((err: Error) => ((firstError ??= err.message), undefined)) : undefined;
  latencies.sort((a, b) => a - b);
  const row: Row = { scenario, callsPerSec: Math.round(latencies.length / DURATION_S), p50: round(percentile(latencies, 50)), p99: round(percentile(latencies, 99)), errors };
  if (usage && cpuAtStart !== undefined) row.cpuMicrosPerCall = Math.round(((usage.cpuMicros as number) - cpuAtStart) / Math.max(1, latencies.length));
  if (usage) row.peakRssMB = usage.peakRssMB as number;
  if (firstError) row.note = `first error: ${firstError.split('\n')[0].slice(0, 120)}`;
  return row;
}


const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : NaN);

async function throughProxy(scenario: string, role: string, server: Child, env: NodeJS.ProcessEnv = {}, file?: string): Promise<Row> {
  const proxy = await startRole(role, env, file);
  try {
    return await closedLoop(scenario, server, proxy);
  } finally {
    await proxy.stop();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const wanted = (name: string) => !only || only.includes(name);
  const modes = process.env.BENCH_CAPTURE === 'off' ? ['off'] : process.env.BENCH_CAPTURE === 'on' ? ['on'] : ['on', 'off'];
  const mockttpDir = process.env.BENCH_MOCKTTP_DIR;
  const before = process.env.BENCH_BEFORE;
  const beforeFile = before && path.join(path.resolve(before), 'bench', 'grpc.bench.ts');
  const watchdog = setTimeout(() => {
    console.error('grpc bench: watchdog fired');
    process.exit(3);
  }, ((2 + modes.length * (before ? 2 * REPS : 1)) * (WARMUP_S + DURATION_S) + 120) * 1000);
  watchdog.unref();
  const loadBefore = os.loadavg();
  const server = await startRole('server');
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-grpc-ca-'));
  const originCaFile = path.join(caDir, 'origin-ca.pem');
  fs.writeFileSync(originCaFile, server.ready.caPem as string);
  const rows: Row[] = [];
  const transport = TLS ? 'TLS' : 'insecure';
  try {
    if (wanted('direct')) rows.push(await closedLoop(`grpc unary ${transport}, direct (no proxy)`, server, undefined));
    if (wanted('hindsight')) {
      for (let rep = 0; rep < (beforeFile ? REPS : 1); rep++) {
        for (const mode of modes) {
          const env = { BENCH_PROXY_CAPTURE: mode, BENCH_ORIGIN_CA: originCaFile };
          if (beforeFile) rows.push(await throughProxy(`grpc unary ${transport}, Hindsight capture ${mode} (before: ${path.basename(before!)})`, 'hindsight', server, env, beforeFile));
          rows.push(await throughProxy(`grpc unary ${transport}, Hindsight capture ${mode}`, 'hindsight', server, env));
        }
      }
    }
    if (wanted('mockttp')) {
      if (mockttpDir) rows.push(await throughProxy(`grpc unary ${transport}, mockttp passthrough`, 'mockttp', server, { NODE_EXTRA_CA_CERTS: originCaFile }));
      else console.log('mockttp row skipped: set BENCH_MOCKTTP_DIR to a folder where mockttp is installed');
    }
  } finally {
    await server.stop();
    fs.rmSync(caDir, { recursive: true, force: true });
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`${IN_FLIGHT} unary calls in flight on one ${TLS ? 'TLS channel (h2 in the proxy\'s CONNECT tunnel, intercepted)' : 'insecure channel (h2c in the proxy\'s CONNECT tunnel)'}, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load average before ${load(loadBefore)}, after ${load(os.loadavg())}\n`);
  console.log('| scenario | calls/s | p50 ms | p99 ms | errors | proxy CPU µs/call | proxy peak RSS MB |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.callsPerSec.toLocaleString('en-US')} | ${r.p50} | ${r.p99} | ${r.errors} | ${[r.cpuMicrosPerCall, r.note].filter((x) => x !== undefined).join(', ') || '—'} | ${r.peakRssMB ?? '—'} |`);
  }
  if (beforeFile) printMedians(rows);
}

/** BENCH_BEFORE: each scenario's median calls/s and CPU per call over its repetitions (rows of one name). */
function printMedians(rows: Row[]): void {
  const median = (values: number[]) => {
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
  };
  console.log(`\n| scenario (median of ${REPS}, alternating) | calls/s | proxy CPU µs/call |`);
  console.log('|---|--:|--:|');
  for (const name of new Set(rows.map((r) => r.scenario))) {
    const same = rows.filter((r) => r.scenario === name);
    console.log(`| ${name} | ${median(same.map((r) => r.callsPerSec)).toLocaleString('en-US')} | ${median(same.map((r) => r.cpuMicrosPerCall ?? NaN))} |`);
  }
}

const role = process.env.BENCH_ROLE;
(role === 'server' ? serverRole() : role === 'hindsight' ? hindsightRole() : role === 'mockttp' ? mockttpRole('Hindsight gRPC bench mockttp CA') : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
