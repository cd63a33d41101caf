/**
 * Exports of 60,000 flows through the streaming writers (HAR and Postman) to a file: time, output size and
 * peak RSS, to show memory stays flat however many flows are exported. Flows are generated one at a time;
 * their small bodies are real body files in a temp dir, read through the store's BodyStore.
 * Run: `npm run bench export`. Figures go to docs/bench/export.md with date and machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FLOW_SCHEMA, type BodyRef, type Flow } from '../electron/common/flow';
import { writeHar } from '../electron/core/export/har';
import { writePostman } from '../electron/core/export/postman';
import { withBodies, type ExportRecord } from '../electron/core/export/records';
import { BodyStore } from '../electron/core/store/bodies';

const FLOWS = 60_000;
const HOSTS = 12;

const REQUEST_HEADERS: [string, string][] = [
  ['User-Agent', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'],
  ['Accept', 'application/json, text/plain, */*'],
  ['Accept-Language', 'en-GB,en;q=0.9'],
  ['Authorization', 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ['X-Request-Id', '2f1b9a52-7c1e-4d7e-9a52-7c1e4d7e9a52'],
  ['Cookie', 'session=9a527c1e4d7e9a527c1e4d7e; theme=dark; ab=b'],
  ['Content-Type', 'application/json'],
];
const RESPONSE_HEADERS: [string, string][] = [
  ['Content-Type', 'application/json; charset=utf-8'],
  ['Cache-Control', 'no-store'],
  ['Date', 'Sat, 21 Nov 2026 12:00:00 GMT'],
  ['Server', 'nginx'],
];

function writeBody(bodies: BodyStore, id: string, side: 'request' | 'response', bytes: Buffer): BodyRef {
  const w = bodies.open(id, side, { contentType: 'application/json' });
  w.write(bytes);
  return w.end();
}

/** Body files for every flow, written once before the timed exports. */
async function prepareBodies(bodies: BodyStore): Promise<{ request: BodyRef; response: BodyRef }[]> {
  const refs: { request: BodyRef; response: BodyRef }[] = [];
  for (let i = 0; i < FLOWS; i++) {
    // A few hundred files open at a time, not 120,000.
    if (i % 500 === 0) await bodies.flush();
    const id = `f${i}`;
    const request = writeBody(bodies, id, 'request', Buffer.from(JSON.stringify({ query: `item ${i}`, page: i % 10, filters: ['a', 'b'] })));
    const response = writeBody(bodies, id, 'response', Buffer.from(JSON.stringify({ id: i, name: `Item ${i}`, tags: ['x', 'y', 'z'], price: (i % 1000) / 10, text: 'lorem ipsum '.repeat(20) })));
    refs.push({ request, response });
  }
  return refs;
}

function* flows(refs: { request: BodyRef; response: BodyRef }[]): Generator<Flow> {
  for (let i = 0; i < FLOWS; i++) {
    const host = `api${i % HOSTS}.example.test`;
    yield {
      id: `f${i}`,
      seq: i + 1,
      schema: FLOW_SCHEMA,
      startedAt: 1_763_700_000_000 + i * 50,
      state: 'completed',
      client: { ip: `127.0.0.${2 + (i % 5)}`, port: 40000 + (i % 20000) },
      server: { host, port: 443, ip: '127.0.0.1' },
      request: { method: i % 4 === 0 ? 'GET' : 'POST', url: `https://${host}/v1/items/${i}?page=${i % 10}`, httpVersion: '1.1', headers: [['Host', host], ...REQUEST_HEADERS], body: refs[i].request },
      response: { status: i % 50 === 0 ? 500 : 200, statusText: 'OK', headers: RESPONSE_HEADERS, body: refs[i].response },
      timings: { dnsMs: 1, connectMs: 2, tlsMs: 5, sendMs: 0.2, waitMs: 30 + (i % 40), receiveMs: 1.5, totalMs: 40 + (i % 40) },
      appliedRules: [],
    };
  }
}

interface Measured {
  seconds: number;
  bytes: number;
  count: number;
  peakRssMb: number;
  startRssMb: number;
}

async function measure(file: string, run: (out: fs.WriteStream) => Promise<{ count: number }>): Promise<Measured> {
  (globalThis as { gc?: () => void }).gc?.();
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const out = fs.createWriteStream(file);
  const { count } = await run(out);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds, bytes: fs.statSync(file).size, count, peakRssMb: peak / 2 ** 20, startRssMb: startRss / 2 ** 20 };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-export-'));
  try {
    const bodies = new BodyStore({ dir: path.join(dir, 'bodies') });
    const refs = await prepareBodies(bodies);
    await bodies.flush();
    const records = (): AsyncIterable<ExportRecord> => withBodies(flows(refs), bodies);
    const requestOnly = (): AsyncIterable<ExportRecord> => withBodies(flows(refs), bodies, { response: false });

    const har = await measure(path.join(dir, 'export.har'), (out) => writeHar(records(), out, { version: 'bench' }));
    const postman = await measure(path.join(dir, 'export.postman.json'), (out) => writePostman(requestOnly(), out, { name: 'bench' }));

    const row = (name: string, m: Measured) =>
      `| ${name} | ${m.count} | ${m.seconds.toFixed(1)} s | ${Math.round(m.count / m.seconds)} flows/s | ${(m.bytes / 2 ** 20).toFixed(0)} MB | ${m.startRssMb.toFixed(0)} MB | ${m.peakRssMb.toFixed(0)} MB |`;
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}`);
    console.log('| export | flows | time | rate | output | RSS before | peak RSS |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    console.log(row('HAR (request + response bodies)', har));
    console.log(row('Postman v2.1 (request bodies)', postman));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
