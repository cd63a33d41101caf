/**
 * WebSocket benchmark (`npm run bench ws`): round trips per second with 32 `ws` clients through the proxy, each
 * over a CONNECT tunnel with TLS inside (wss://, as browsers reach a secure socket behind a proxy), to a `ws`
 * echo origin over TLS on loopback; 1 KB binary messages ping-ponged (one round trip = one message each way, both
 * recorded by Hindsight with capture on). Rows: Hindsight capture on, Hindsight `--no-capture` (capture off:
 * bytes piped, nothing read) and, when BENCH_MOCKTTP_DIR names a folder where mockttp is installed (e.g.
 * /tmp/peers/npm), mockttp passthrough as ../shared/bench/peers/mockttp-proxy.mjs starts it (recordTraffic off,
 * WebSockets passed through). Each row runs BENCH_REPS times (3), interleaved, with a fresh proxy each time; the
 * table shows medians, and the load average before and after is printed (the client and the origin share the
 * cores with the proxy, so compare rows of one run, and CPU per round trip above all).
 *
 * Processes: this one (the clients), the echo origin, the proxy (Hindsight's createCore in a temp data dir, or
 * mockttp), each started from this same file with BENCH_ROLE, so the proxy's CPU is its own:
 * process.cpuUsage() over the measured time divided by the round trips completed in it.
 *
 * BENCH_WS_SOAK=60: instead of the table, one Hindsight capture-on row held for that many seconds, with the
 * proxy's resident memory printed at 10 s and at the end (the issue asks for memory flat while 32 sockets stream).
 *
 * Row `deflate`: Hindsight capture on with permessage-deflate negotiated by client and origin (context takeover,
 * as `ws` and browsers default to), 1 KB JSON-like text messages compressed both ways: the proxy decompresses
 * every message for its log. Row `deflate-reset`: the same with server_ and client_no_context_takeover (the origin's
 * /echo-reset), so every message is compressed from a fresh context. BENCH_BEFORE=<another checkout> adds, right after each Hindsight row, the same row
 * through that checkout's proxy (its bench/ws.bench.ts proxy role), so before and after alternate in one run.
 *
 * Bounded: BENCH_WARMUP (2 s) + BENCH_DURATION (10 s) per row (BENCH_SHORT=1: 1 s + 4 s), at most
 * BENCH_MAX_ROUND_TRIPS per row, 10 s per echo, a watchdog over the whole run. BENCH_ONLY=on,off,mockttp,deflate,
 * deflate-reset picks rows (default on,off,mockttp).
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket, { WebSocketServer } from 'ws';
import { createCore } from '../electron/core/core';
import { DEFAULT_MESSAGE_CAP } from '../electron/core/store/message-log';
import { originCa, testLookup } from '../test/helpers/origin';
import { TunnelAgent } from '../test/integration/capture/tunnel-agent';
import { answerUntilStopped, mockttpRole, startChild, type Child } from './child';

const SHORT = process.env.BENCH_SHORT === '1';
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? (SHORT ? 1 : 2));
const DURATION_S = Number(process.env.BENCH_DURATION ?? (SHORT ? 4 : 10));
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SOAK_S = Number(process.env.BENCH_WS_SOAK ?? 0);
const MAX_ROUND_TRIPS = Number(process.env.BENCH_MAX_ROUND_TRIPS ?? 5_000_000);
const SOCKETS = 32;
const MESSAGE_BYTES = 1024;
const ECHO_TIMEOUT_MS = 10_000;
/** A name, not an address: the client sends SNI for it, and every proxy resolves it (Hindsight through testLookup). */
const HOST = 'localhost';

// ---------- the helper roles: the echo origin, Hindsight, mockttp ----------

async function originRole(): Promise<void> {
  const { ca } = await originCa();
  const leaf = ca.leafFor(HOST);
  const server = https.createServer({ key: leaf.key, cert: leaf.cert });
  // permessage-deflate is accepted when a client offers it (the deflate row), with no size threshold so 1 KB
  // messages are compressed; the other rows offer nothing, so their sockets stay uncompressed.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0 } });
  const resetting = new WebSocketServer({ noServer: true, perMessageDeflate: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true } });
  server.on('upgrade', (req, socket, head) => {
    const to = req.url === '/echo-reset' ? resetting : wss;
    to.handleUpgrade(req, socket, head, (ws) => to.emit('connection', ws, req));
  });
  for (const to of [wss, resetting]) to.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m as Buffer, { binary })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ type: 'ready', port: (server.address() as { port: number }).port, caPem: ca.certPem });
  answerUntilStopped(async () => {
    for (const ws of [...wss.clients, ...resetting.clients]) ws.terminate();
    server.close();
  });
}

async function hindsightRole(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-ws-'));
  const upstreamCa = [fs.readFileSync(process.env.BENCH_ORIGIN_CA!, 'utf8')];
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, upstreamCa, version: 'bench' });
  // Capture off (`serve --no-capture`) measures forwarding alone, to tell what recording costs.
  if (process.env.BENCH_PROXY_CAPTURE === 'off') core.setCapture(false);
  process.send!({ type: 'ready', port: core.proxyAddress().port, caPem: core.ca.certPem });
  // The flows' message totals: whether every message was kept, or the per-flow cap (10,000 messages or 10 MB)
  // stopped keeping them, which would make recording look cheaper than it is.
  const messages = async () => {
    const { flows } = await core.store.query({});
    const capped = flows.filter((f) => (f.messageCount ?? 0) > DEFAULT_MESSAGE_CAP.count || (f.messageBytes ?? 0) > DEFAULT_MESSAGE_CAP.bytes);
    return { messagesCounted: flows.reduce((n, f) => n + (f.messageCount ?? 0), 0), cappedFlows: capped.length };
  };
  answerUntilStopped(async () => {
    await core.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, messages);
}

// ---------- the load client ----------

const startRole = (role: string, env: NodeJS.ProcessEnv = {}): Promise<Child> => startChild(__filename, role, env);

interface Sample {
  roundTripsPerSec: number;
  errors: number;
  cpuMicrosPerRoundTrip?: number;
  peakRssMB?: number;
  note?: string;
}

/**
 * How a row's sockets compress: not at all, permessage-deflate with context takeover, or without it (each message
 * from a fresh context: the origin's /echo-reset answers with server_ and client_no_context_takeover).
 */
type Deflate = false | 'context' | 'reset';

/** SOCKETS clients through the proxy, open; with `deflate` each offers permessage-deflate (no size threshold). */
async function openSockets(originPort: number, proxy: Child, deflate: Deflate): Promise<{ ws: WebSocket; agent: TunnelAgent }[]> {
  return Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const agent = new TunnelAgent(`http://127.0.0.1:${proxy.ready.port as number}`, { secure: true, ca: proxy.ready.caPem as string });
      const perMessageDeflate = deflate === 'reset' ? { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true } : deflate ? { threshold: 0 } : false;
      const ws = new WebSocket(`wss://${HOST}:${originPort}/${deflate === 'reset' ? 'echo-reset' : 'echo'}`, { agent, perMessageDeflate, handshakeTimeout: ECHO_TIMEOUT_MS });
      let accepted = '';
      ws.once('upgrade', (response) => (accepted = String(response.headers['sec-websocket-extensions'] ?? '')));
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      if (deflate && !ws.extensions.includes('permessage-deflate')) throw new Error('permessage-deflate was not negotiated');
      if (deflate === 'reset' && !/server_no_context_takeover/.test(accepted)) throw new Error(`no_context_takeover was not negotiated (${accepted})`);
      return { ws, agent };
    }),
  );
}

/**
 * A 1 KB text message that compresses as API traffic does (about 3:1), not to nothing as one repeated byte would:
 * JSON records whose ids and numbers vary.
 */
function jsonLikeMessage(bytes: number): Buffer {
  let text = '[';
  for (let i = 0; text.length < bytes; i++) text += `{"id":${(i * 7919) % 100003},"name":"user-${(i * 104729) % 9973}","score":${((i * 31337) % 1000) / 10},"active":${i % 3 === 0}},`;
  return Buffer.from(text.slice(0, bytes), 'utf8');
}

/**
 * Each socket sends a message as soon as the echo of its last one came back, for the warm-up and `measureS`;
 * `during` runs once per second of the measured time (the soak's memory samples). With `deflate` the sockets
 * negotiate permessage-deflate and send text (jsonLikeMessage); else 1 KB of one byte, binary.
 */
async function closedLoop(originPort: number, proxy: Child, measureS: number, during?: (second: number) => Promise<void>, deflate: Deflate = false): Promise<Sample> {
  const sockets = await openSockets(originPort, proxy, deflate);
  const payload = deflate ? jsonLikeMessage(MESSAGE_BYTES) : Buffer.alloc(MESSAGE_BYTES, 0x61);
  const t0 = performance.now();
  const measureFrom = t0 + WARMUP_S * 1000;
  const end = measureFrom + measureS * 1000;
  let measured = 0;
  let total = 0;
  let errors = 0;
  let firstError: string | undefined;
  let cpuAtStart: number | undefined;
  const startMeasure = setTimeout(() => void proxy.ask('usage').then((u) => (cpuAtStart = u.cpuMicros as number), () => undefined), WARMUP_S * 1000);
  let second = 0;
  const ticker = during ? setInterval(() => void during(++second).catch(() => undefined), 1000) : undefined;
  try {
    // One listener per socket for the whole run (no promise or timer per round trip): the client's own CPU is
    // taken from the cores the proxy runs on, so it is kept small.
    await Promise.all(
      sockets.map(
        ({ ws }) =>
          new Promise<void>((resolve) => {
            let sentAt = 0;
            const send = () => {
              sentAt = performance.now();
              if (sentAt >= end || total >= MAX_ROUND_TRIPS) return finish();
              total++;
              ws.send(payload, { binary: !deflate });
            };
            const fail = (message: string) => {
              firstError ??= message;
              if (sentAt >= measureFrom) errors++;
              finish();
            };
            const stall = setInterval(() => {
              if (performance.now() - sentAt > ECHO_TIMEOUT_MS) fail('no echo in time');
            }, 1000);
            function finish() {
              clearInterval(stall);
              ws.removeAllListeners('message');
              ws.removeAllListeners('close');
              resolve();
            }
            ws.on('message', (m: Buffer) => {
              if (m.length !== MESSAGE_BYTES) return fail(`echo of ${m.length} bytes`);
              if (sentAt >= measureFrom && performance.now() <= end) measured++;
              send();
            });
            ws.on('close', () => fail('socket closed'));
            send();
          }),
      ),
    );
  } finally {
    clearTimeout(startMeasure);
    if (ticker) clearInterval(ticker);
    for (const { ws, agent } of sockets) {
      ws.terminate();
      agent.destroy();
    }
  }
  const usage = await proxy.ask('usage').catch((err: Error) => ((firstError ??= err.message), undefined));
  const sample: Sample = { roundTripsPerSec: Math.round(measured / measureS), errors };
  if (usage && cpuAtStart !== undefined) sample.cpuMicrosPerRoundTrip = Math.round(((usage.cpuMicros as number) - cpuAtStart) / Math.max(1, measured));
  if (usage) sample.peakRssMB = usage.peakRssMB as number;
  if (usage?.cappedFlows) firstError = `${usage.cappedFlows as number} flows reached the message cap (${usage.messagesCounted as number} messages counted): the rest were counted, not kept${firstError ? `; first error: ${firstError}` : ''}`;
  else if (firstError) firstError = `first error: ${firstError}`;
  if (firstError) sample.note = firstError.split('\n')[0].slice(0, 160);
  return sample;
}

interface RowSpec {
  name: string;
  scenario: string;
  role: string;
  env: NodeJS.ProcessEnv;
  /** Client and origin negotiate permessage-deflate (with or without context takeover). */
  deflate?: Deflate;
  /** The bench file whose proxy role runs (another checkout's, for BENCH_BEFORE); this one by default. */
  file?: string;
}

async function sampleRow(spec: RowSpec, originPort: number): Promise<Sample> {
  const proxy = await startChild(spec.file ?? __filename, spec.role, spec.env);
  try {
    return await closedLoop(originPort, proxy, DURATION_S, undefined, spec.deflate);
  } finally {
    await proxy.stop();
  }
}

const median = (values: number[]): number | undefined => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
};

async function soak(originPort: number, originCaFile: string): Promise<void> {
  const proxy = await startRole('hindsight', { BENCH_PROXY_CAPTURE: 'on', BENCH_ORIGIN_CA: originCaFile });
  const rss: { second: number; rssMB: number }[] = [];
  try {
    const sample = await closedLoop(originPort, proxy, SOAK_S, async (second) => {
      if (second !== 10 && second !== SOAK_S - 1) return;
      const usage = await proxy.ask('usage');
      rss.push({ second, rssMB: usage.rssMB as number });
    });
    console.log(`Hindsight capture on, ${SOCKETS} wss sockets for ${SOAK_S} s: ${sample.roundTripsPerSec.toLocaleString('en-US')} round trips/s, ${sample.cpuMicrosPerRoundTrip} µs proxy CPU per round trip, ${sample.errors} errors${sample.note ? `, ${sample.note}` : ''}`);
    console.log(`proxy RSS: ${rss.map((r) => `${r.rssMB} MB at ${r.second} s`).join(', ')}; peak ${sample.peakRssMB} MB`);
  } finally {
    await proxy.stop();
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',') ?? ['on', 'off', 'mockttp'];
  const mockttpDir = process.env.BENCH_MOCKTTP_DIR;
  const before = process.env.BENCH_BEFORE;
  const loadBefore = os.loadavg();
  const origin = await startRole('origin');
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-ws-ca-'));
  const originCaFile = path.join(caDir, 'origin-ca.pem');
  fs.writeFileSync(originCaFile, origin.ready.caPem as string);
  const originPort = origin.ready.port as number;
  const hindsightRows: RowSpec[] = [
    { name: 'on', scenario: 'Hindsight capture on (every message recorded)', role: 'hindsight', env: { BENCH_PROXY_CAPTURE: 'on', BENCH_ORIGIN_CA: originCaFile } },
    { name: 'off', scenario: 'Hindsight --no-capture', role: 'hindsight', env: { BENCH_PROXY_CAPTURE: 'off', BENCH_ORIGIN_CA: originCaFile } },
    { name: 'deflate', scenario: 'Hindsight capture on, permessage-deflate (1 KB JSON text)', role: 'hindsight', env: { BENCH_PROXY_CAPTURE: 'on', BENCH_ORIGIN_CA: originCaFile }, deflate: 'context' },
    { name: 'deflate-reset', scenario: 'Hindsight capture on, permessage-deflate without context takeover (1 KB JSON text)', role: 'hindsight', env: { BENCH_PROXY_CAPTURE: 'on', BENCH_ORIGIN_CA: originCaFile }, deflate: 'reset' },
  ];
  // BENCH_BEFORE: each Hindsight row is followed by its twin through the other checkout's proxy.
  const beforeFile = before && path.join(path.resolve(before), 'bench', 'ws.bench.ts');
  const specs: RowSpec[] = [
    ...hindsightRows.flatMap((row) => (beforeFile ? [row, { ...row, scenario: `${row.scenario} (before: ${path.basename(before!)})`, file: beforeFile }] : [row])),
    { name: 'mockttp', scenario: 'mockttp passthrough (records nothing)', role: 'mockttp', env: { NODE_EXTRA_CA_CERTS: originCaFile } },
  ].filter((s) => only.includes(s.name) && (s.name !== 'mockttp' || mockttpDir));
  if (!mockttpDir && only.includes('mockttp')) console.log('mockttp row skipped: set BENCH_MOCKTTP_DIR to a folder where mockttp is installed');
  const runs = SOAK_S > 0 ? 1 : REPS * specs.length;
  const watchdog = setTimeout(() => {
    console.error('ws bench: watchdog fired');
    process.exit(3);
  }, (runs * (WARMUP_S + Math.max(DURATION_S, SOAK_S) + 15) + 60) * 1000);
  watchdog.unref();
  const samples = new Map<string, Sample[]>(specs.map((s) => [s.scenario, []]));
  try {
    if (SOAK_S > 0) return await soak(originPort, originCaFile);
    // Interleaved (on, off, mockttp, on, …) so a change in the machine's load falls on every row alike.
    for (let rep = 0; rep < REPS; rep++) for (const spec of specs) samples.get(spec.scenario)!.push(await sampleRow(spec, originPort));
  } finally {
    await origin.stop();
    fs.rmSync(caDir, { recursive: true, force: true });
  }
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`${SOCKETS} wss sockets through CONNECT, ${MESSAGE_BYTES} B binary messages echoed, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per run, medians of ${REPS} runs; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}; load average before ${load(loadBefore)}, after ${load(os.loadavg())}\n`);
  console.log('| scenario | round trips/s | proxy CPU µs/round trip | errors | proxy peak RSS MB | runs (round trips/s @ µs) |');
  console.log('|---|--:|--:|--:|--:|---|');
  for (const spec of specs) {
    const runs = samples.get(spec.scenario)!;
    const notes = runs.map((r) => r.note).filter(Boolean);
    console.log(
      `| ${spec.scenario} | ${median(runs.map((r) => r.roundTripsPerSec))?.toLocaleString('en-US')} | ${median(runs.map((r) => r.cpuMicrosPerRoundTrip ?? NaN)) ?? '—'} | ${runs.reduce((n, r) => n + r.errors, 0)} | ${median(runs.map((r) => r.peakRssMB ?? NaN)) ?? '—'} | ${runs.map((r) => `${r.roundTripsPerSec} @ ${r.cpuMicrosPerRoundTrip ?? '—'}`).join(', ')}${notes.length ? `; ${notes[0]}` : ''} |`,
    );
  }
}

const role = process.env.BENCH_ROLE;
(role === 'origin' ? originRole() : role === 'hindsight' ? hindsightRole() : role === 'mockttp' ? mockttpRole('Hindsight ws bench mockttp CA', { webSockets: true }) : main()).catch((err) => {
  console.error(err);
  process.exit(1);
});
