/**
 * The body logger alone (`npm run bench log-lines`): CPU per `--log-bodies --log-file` line, the proxy left
 * out, so a change to line building is measured without the proxy's noise. FLOWS finished flows (a 100 KB
 * or 1 KB text response, the headers of a real exchange) are pushed into a FlowLogger writing to a LogFile
 * in a temp folder, and the process's CPU (all threads: the writes run in libuv's pool) from the first
 * push to flush() is divided by the lines. Bodies come as capture keeps them (`take`, two chunks); a logger
 * without `take` (an older checkout) reads a copy, as its kept-body cache handed out.
 * BENCH_BEFORE=<a checkout, or a copy of its bin/, dist/ and package.json> runs its built logger too,
 * alternating with this one's (built: run `npm run build` first), BENCH_REPS (5) times each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Flow } from '../electron/common/flow';
import { makeFlow } from '../test/helpers/flows';
import { percentile } from './child';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 3000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const LIMIT = 64 * 1024;

interface LoggerModule {
  FlowLogger: new (options: Record<string, unknown>) => { push(flow: Flow): void; flush(): Promise<void> };
}
interface LogFileModule {
  LogFile: { open(path: string): Promise<{ write(line: string | Buffer[]): Promise<void>; close(): Promise<void> }> };
}

function flowWith(size: number): { flow: Flow; body: Buffer } {
  const body = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 36)).slice(0, size));
  const flow = makeFlow({
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: '1.1',
      headers: [['Content-Type', 'application/octet-stream'], ['Content-Length', String(size)], ['Date', 'Sat, 05 Dec 2026 03:00:00 GMT'], ['Connection', 'keep-alive']],
      body: { size, storedSize: size, truncated: false, blob: 'b', contentType: 'application/octet-stream' },
    },
  } as Parameters<typeof makeFlow>[0]);
  flow.request.headers.push(['User-Agent', 'bench/1.0'], ['Accept', '*/*'], ['Authorization', 'Bearer x']);
  return { flow, body };
}

async function run(root: string, size: number): Promise<number> {
  const dist = path.join(root, 'dist', 'electron', 'core', 'log');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { FlowLogger } = require(path.join(dist, 'flow-logger.js')) as LoggerModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LogFile } = require(path.join(dist, 'log-file.js')) as LogFileModule;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-lines-'));
  const file = await LogFile.open(path.join(dir, 'flows.log'));
  const { flow, body } = flowWith(size);
  const cut = Math.min(body.length, LIMIT + 1);
  const logger = new FlowLogger({
    write: (text: string) => file.write(text),
    writeBytes: (chunks: Buffer[]) => file.write(chunks),
    read: async () => Buffer.from(body),
    take: () => Buffer.concat([body.subarray(0, cut >> 1), body.subarray(cut >> 1, cut)]),
    bodyLimit: LIMIT,
  });
  const start = process.cpuUsage();
  for (let i = 0; i < FLOWS; i++) logger.push({ ...flow, id: `flow-${i}` });
  await logger.flush();
  await file.close();
  const used = process.cpuUsage(start);
  const lines = fs.readFileSync(path.join(dir, 'flows.log'), 'latin1').split('\n').length - 1;
  fs.rmSync(dir, { recursive: true, force: true });
  if (lines !== FLOWS) throw new Error(`${lines} lines for ${FLOWS} flows`);
  return (used.user + used.system) / FLOWS;
}

async function main(): Promise<void> {
  const roots: [string, string][] = [['this checkout', path.join(__dirname, '..')]];
  if (process.env.BENCH_BEFORE) roots.unshift(['before', path.resolve(process.env.BENCH_BEFORE)]);
  console.log(`${FLOWS} lines per run, ${REPS} runs each (medians), alternating; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log(`| body | ${roots.map(([name]) => `${name}: CPU µs/line`).join(' | ')} |`);
  console.log(`|---|${roots.map(() => '--:').join('|')}|`);
  for (const size of [1024, 102_400]) {
    const results = roots.map(() => [] as number[]);
    for (let rep = 0; rep < REPS; rep++) for (let r = 0; r < roots.length; r++) results[r].push(await run(roots[r][1], size));
    console.log(`| ${size / 1024} KB | ${results.map((xs) => `${Math.round(percentile([...xs].sort((a, b) => a - b), 50))} (${xs.map(Math.round).join(', ')})`).join(' | ')} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
