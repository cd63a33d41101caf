/**
 * The proxy thread's memory per stored flow summary (issue 16, peak RSS): 60,000 summaries (the default cap) of
 * flows shaped like the capture benchmark's, each request's fields new strings as the HTTP parser makes them,
 * put in the store's SummaryList; heap used and array-buffer memory (the list's records and columns) after full
 * collections, before and after; then the time to decode every summary once, as a filter's scan does. BENCH_UA sets the
 * requests' User-Agent (default a browser's). Run: `npm run bench summary-memory` (needs --expose-gc, which
 * bench/run.mjs passes).
 */
import { toSummary, type Flow } from '../electron/common/flow';
import { SummaryList } from '../electron/core/store/summaries';

const COUNT = 60_000;
const USER_AGENT = process.env.BENCH_UA ?? 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** A string of its own with the same text, as the parser makes one per request. */
const fresh = (text: string): string => [...text].join('');

function flow(i: number): Flow {
  return {
    id: `f${i.toString(36).padStart(11, '0')}`,
    seq: i + 1,
    schema: 1,
    startedAt: Date.now() + i,
    state: 'completed',
    client: { ip: fresh('127.0.0.1'), port: 50_000 + (i % 1000) },
    server: { host: 'origin.test', port: 40_000 },
    request: { method: 'GET', url: `http://origin.test:40000/bytes?n=1024&i=${i}`, httpVersion: '1.1', headers: [[fresh('host'), fresh('origin.test:40000')], [fresh('user-agent'), fresh(USER_AGENT)], [fresh('accept'), fresh('*/*')]], body: { size: 0, storedSize: 0, truncated: false } },
    response: { status: 200, statusText: 'OK', headers: [], body: { size: 1024, storedSize: 1024, truncated: false, contentType: fresh('application/octet-stream') } },
    timings: { totalMs: 1.25 + i / 1e6 },
    appliedRules: [],
  };
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench does)');
gc();
gc();
const before = process.memoryUsage();
const list = new SummaryList();
for (let i = 0; i < COUNT; i++) list.upsert(toSummary(flow(i)));
gc();
gc();
const after = process.memoryUsage();
const heap = after.heapUsed - before.heapUsed;
const buffers = after.arrayBuffers - before.arrayBuffers;
const scans: number[] = [];
for (let pass = 0; pass < 6; pass++) {
  const t0 = performance.now();
  list.page(() => false, undefined, 100);
  if (pass > 0) scans.push(performance.now() - t0); // pass 0 warms the JIT
}
scans.sort((a, b) => a - b);
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
console.log(
  `| summaries | User-Agent | heap per summary | buffers per summary | heap in all | buffers in all | one scan decoding every summary (median of 5) |\n|--:|---|--:|--:|--:|--:|--:|\n` +
    `| ${list.size.toLocaleString('en-US')} | ${USER_AGENT.length} characters | ${Math.round(heap / COUNT)} bytes | ${Math.round(buffers / COUNT)} bytes | ${mb(heap)} | ${mb(buffers)} | ${scans[2].toFixed(1)} ms |`,
);
