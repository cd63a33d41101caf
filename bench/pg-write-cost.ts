/**
 * The PostgreSQL store's own cost per flow, without the proxy: CPU of this process (the store's side of
 * capture) and of the PostgreSQL server (BENCH_PG_PID: the postmaster and its children) per flow written,
 * flows recorded as capture records them (started live, a response body streamed in 64 KB chunks, then
 * finished), about 1,000–2,500 flows a second. Each checkout named on the command line runs in turn, REPS
 * times alternating, each on a fresh database of the cluster BENCH_STORE names (an admin URL): an A/B of a
 * store change against another checkout (e.g. /work/wt/base) that the capture bench's proxy noise would hide.
 *
 *   BENCH_STORE=postgres://postgres@127.0.0.1:55434/postgres BENCH_PG_PID=<postmaster pid> \
 *     node --import tsx bench/pg-write-cost.ts [--body BYTES] [--flows N] [--reps N] [--browser] CHECKOUT…
 *
 * `--browser` gives each request a browser's headers (cookies, client hints: a flow row past the 2 KB at
 * which PostgreSQL compresses it); without it the flow is the capture bench's (`/bytes?n=…` through the proxy).
 * Not a `.bench.ts`: it needs a cluster and checkouts to compare, so `npm run bench` does not run it.
 */
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { benchDatabase, postgresCpuMicros } from './pg-bench-db';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { body: { type: 'string', default: '1024' }, flows: { type: 'string', default: '3000' }, reps: { type: 'string', default: '3' }, browser: { type: 'boolean', default: false } },
});
const BODY = Number(values.body);
const FLOWS = Number(values.flows);
const REPS = Number(values.reps);
const PER_TURN = 20;

/** A flow as the capture bench's proxy records `/bytes?n=BODY` (taken from a real capture, PostgreSQL store). */
function template(port: number) {
  const request = {
    url: `http://origin.test:${port}/bytes?n=${BODY}`,
    body: { size: 0, truncated: false, storedSize: 0 },
    method: 'GET',
    headers: [['host', `origin.test:${port}`], ['connection', 'keep-alive']],
    httpVersion: '1.1',
  };
  const response = {
    status: 200,
    statusText: 'OK',
    headers: [['Content-Type', 'application/octet-stream'], ['Content-Length', String(BODY)], ['Date', new Date().toUTCString()], ['Connection', 'keep-alive'], ['Keep-Alive', 'timeout=5']],
  };
  if (values.browser) {
    request.headers.push(
      ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
      ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8'],
      ['accept-language', 'en-GB,en;q=0.9,de;q=0.8'],
      ['referer', `https://www.example.test/shop/category/items?page=3&sort=price&filter=${'a'.repeat(120)}`],
      ['cookie', Array.from({ length: 14 }, (_, i) => `c${i}=${(i * 7919).toString(36).repeat(12)}`).join('; ')],
      ['sec-ch-ua', '"Chromium";v="131", "Not_A Brand";v="24"'],
      ['sec-fetch-site', 'same-origin'],
      ['sec-fetch-mode', 'navigate'],
    );
    response.headers.push(
      ['set-cookie', `session=${'x'.repeat(200)}; Path=/; HttpOnly; Secure; SameSite=Lax`],
      ['cache-control', 'private, max-age=0, must-revalidate'],
      ['content-security-policy', `default-src 'self'; script-src 'self' https://cdn.example.test; ${'img-src * data:; '.repeat(10)}`],
      ['strict-transport-security', 'max-age=63072000; includeSubDomains; preload'],
    );
  }
  return {
    schema: 1,
    client: { ip: '127.0.0.1', port: 53404 },
    server: { ip: '127.0.0.1', host: 'origin.test', port },
    request,
    response,
    timings: { dnsMs: 0.93, sendMs: 0.08, waitMs: 1.18, totalMs: 19.81, connectMs: 0.33, receiveMs: 0.43, reusedConnection: true },
    appliedRules: [],
  };
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

/** One run: FLOWS flows through `checkout`'s PgFlowStore on a fresh database; CPU per flow of both sides. */
async function run(checkout: string) {
  const { openPgStore } = await import(path.join(path.resolve(checkout), 'electron/core/store/pg/pg-store.ts'));
  const db = await benchDatabase(process.env.BENCH_STORE!);
  const store = await openPgStore({ url: db.url, node: 'bench' });
  const base = template(33059);
  const body = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(BODY / 36)).slice(0, BODY));
  const server0 = postgresCpuMicros();
  const own0 = process.cpuUsage();
  const gc0 = gcMs;
  for (let i = 0; i < FLOWS; i += PER_TURN) {
    for (let j = i; j < i + PER_TURN; j++) {
      const seq = store.nextSeq();
      const id = `b${seq}`;
      const startedAt = Date.now();
      store.flowStarted({ ...base, id, seq, startedAt, state: 'live', response: undefined });
      const writer = store.bodies.open(id, 'response', { contentType: 'application/octet-stream' });
      // Fresh buffers, as a socket hands them over.
      for (let at = 0; at < body.length; at += 65_536) writer.write(Buffer.from(body.subarray(at, at + 65_536)));
      store.flowUpdated({ ...base, id, seq, startedAt, state: 'completed', response: { ...base.response, body: writer.end() } });
    }
    await new Promise((r) => setTimeout(r, BODY > 2048 ? 20 : 8));
  }
  await store.flush();
  const own = process.cpuUsage(own0);
  const server = postgresCpuMicros() - server0;
  const result = { checkout: path.basename(checkout), storeUs: Math.round((own.user + own.system) / FLOWS), serverUs: Math.round(server / FLOWS), gcUs: Math.round(((gcMs - gc0) * 1000) / FLOWS), dropped: store.dropped() };
  await store.close();
  await db.drop();
  return result;
}

async function main(): Promise<void> {
  if (!process.env.BENCH_STORE || positionals.length === 0) {
    console.error('usage: BENCH_STORE=<admin URL> BENCH_PG_PID=<postmaster pid> node --import tsx bench/pg-write-cost.ts [--body BYTES] [--flows N] [--reps N] [--browser] CHECKOUT…');
    process.exit(2);
  }
  console.log(`${FLOWS} flows, ${BODY}-byte response bodies${values.browser ? ', browser headers' : ''}, ${REPS} reps; CPU µs per flow`);
  console.log('| checkout | store (this process) | PostgreSQL | together | GC | dropped |\n|---|--:|--:|--:|--:|--:|');
  for (let rep = 0; rep < REPS; rep++) {
    for (const checkout of positionals) {
      const r = await run(checkout);
      console.log(`| ${r.checkout} | ${r.storeUs} | ${r.serverUs} | ${r.storeUs + r.serverUs} | ${r.gcUs} | ${r.dropped} |`);
    }
  }
}

void main();
