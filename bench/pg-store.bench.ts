/**
 * The PostgreSQL store (issue 21): N flows inserted by three writer processes at once (three nodes), then the
 * list's first page and filtered queries against the N stored flows, and the endpoint, error and coverage
 * reports (aggregated in the database: report/pg-endpoints.ts, pg-errors.ts, pg-coverage.ts), each p50/p95.
 *
 * Run: `npm run bench pg-store` — N is BENCH_PG_FLOWS (default 2,000,000: the figure; set e.g. 20000 for
 * a short check). The database is BENCH_PG_URL when given (an empty database), else a throwaway cluster
 * started with the test helper (initdb + pg_ctl, fsync off: the figures are for the store's own work, not the
 * disk's). Figures go to docs/BENCHMARKS.md with date and machine.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { FLOW_SCHEMA, type Flow } from '../electron/common/flow';
import { openPgStore, type PgFlowStore } from '../electron/core/store/pg/pg-store';
import type { CoverageQuery, Report, ReportKind } from '../electron/common/report';
import { storeReport } from '../electron/core/report/store-report';
import { VACUUM_AFTER_INSERTS } from '../electron/core/store/pg/pg-retention';
import { startTestCluster } from '../test/helpers/postgres';

const WRITERS = 3;
const TOTAL = Number(process.env.BENCH_PG_FLOWS ?? 2_000_000);
/** Flows one writer hands the store per event-loop turn (a busy proxy). */
const TURN = 250;
const QUERY_RUNS = 30;
/** The reports read every flow: fewer runs. */
const REPORT_RUNS = 5;
/** App releases, one after another over each writer's flows: the coverage report compares the newest with those before. */
const RELEASES = 8;
/** An iPhone, an Android phone and a desktop build of the app, by release. */
const AGENTS = [
  (release: string) => `MyApp/${release} (iPhone; CPU iPhone OS 17_4 like Mac OS X) CFNetwork/1490 Darwin/23.4.0`,
  (release: string) => `MyApp/${release} (Linux; Android 14; Pixel 8) okhttp/4.12.0`,
  (release: string) => `MyApp/${release} (Windows NT 10.0; Win64; x64)`,
];

function flowFor(store: PgFlowStore, i: number, writer: number, count: number): Flow {
  const seq = store.nextSeq();
  const id = `w${writer}-${i.toString(36)}`;
  return {
    id,
    seq,
    schema: FLOW_SCHEMA,
    startedAt: 1_763_700_000_000 + i * 3 + writer,
    state: 'completed',
    client: { ip: `192.168.${writer}.${10 + (i % 200)}`, port: 40000 + (i % 20000) },
    server: { host: 'api.example.test', port: 443, ip: '10.0.0.5' },
    request: {
      method: i % 5 ? 'GET' : 'POST',
      url: `https://api.example.test/api/v${1 + (i % 2)}/items/${i % 5000}?page=${i % 7}`,
      httpVersion: '1.1',
      headers: [
        ['Host', 'api.example.test'],
        ['User-Agent', AGENTS[(i >> 3) % AGENTS.length](`2.${Math.floor((i * RELEASES) / count)}`)],
        ['Accept', 'application/json'],
      ],
      body: { size: 0, storedSize: 0, truncated: false },
    },
    response: { status: i % 50 ? 200 : 503, statusText: 'OK', headers: [['Content-Type', 'application/json']], body: { size: 1834, storedSize: 0, truncated: false, contentType: 'application/json' } },
    timings: { totalMs: 20 + (i % 80) },
    appliedRules: [],
  };
}

/** A writer process: its share of the flows, started then completed as the proxy records them. */
async function writer(url: string, index: number, count: number): Promise<void> {
  const store = await openPgStore({ url, node: `w${index}`, maxFlows: Infinity });
  const started = performance.now();
  for (let i = 0; i < count; i += TURN) {
    for (let j = i; j < Math.min(count, i + TURN); j++) store.flowStarted(flowFor(store, j, index, count));
    // Let the store's batches go out, as the proxy's event loop would between requests.
    await new Promise((r) => setImmediate(r));
    if (i % 5000 === 0) await store.flush();
  }
  await store.flush();
  process.stdout.write(JSON.stringify({ ms: performance.now() - started }) + '\n');
  await store.close();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timeQuery(store: PgFlowStore, filter: string): Promise<string> {
  const times: number[] = [];
  let matched = 0;
  for (let i = 0; i < QUERY_RUNS; i++) {
    const t = performance.now();
    const page = await store.query({ filter, limit: 200 });
    times.push(performance.now() - t);
    matched = page.matched;
  }
  times.sort((a, b) => a - b);
  return `| ${filter || '(first page, no filter)'} | ${matched} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} |`;
}

/** What a report found, for the table: enough to see it read the flows. */
function found(report: Report): string {
  switch (report.kind) {
    case 'endpoints':
      return `${report.endpoints.length} endpoints`;
    case 'errors':
      return `${report.errors} errors in ${report.groups.length} groups`;
    case 'coverage':
      return `${report.target.flows} flows of ${report.target.release}: ${report.total.covered}/${report.total.total} endpoints covered`;
  }
}

/** A report (Insights) over every stored flow, aggregated in the database (report/store-report.ts). */
async function timeReport(store: PgFlowStore, kind: ReportKind, query: CoverageQuery = {}): Promise<string> {
  const times: number[] = [];
  let result = '';
  for (let i = 0; i < REPORT_RUNS; i++) {
    const t = performance.now();
    const report = await storeReport(kind, store, query);
    times.push(performance.now() - t);
    result = found(report);
  }
  times.sort((a, b) => a - b);
  return `| ${kind} report (${REPORT_RUNS} runs) | ${result} | ${percentile(times, 50).toFixed(1)} | ${percentile(times, 95).toFixed(1)} |`;
}

async function main(): Promise<void> {
  if (process.env.BENCH_ROLE === 'writer') return writer(process.env.BENCH_URL!, Number(process.env.BENCH_WRITER), Number(process.env.BENCH_COUNT));
  const cluster = process.env.BENCH_PG_URL ? undefined : await startTestCluster();
  try {
    const url = process.env.BENCH_PG_URL ?? (await cluster!.database());
    // Migrated once before the writers start, so their timings are inserts only.
    await (await openPgStore({ url, maxFlows: Infinity })).close();
    const share = Math.ceil(TOTAL / WRITERS);
    const t0 = performance.now();
    const children = Array.from({ length: WRITERS }, (_, w) =>
      spawn(process.execPath, ['--import', 'tsx', __filename], {
        env: { ...process.env, BENCH_ROLE: 'writer', BENCH_URL: url, BENCH_WRITER: String(w), BENCH_COUNT: String(share) },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    );
    const reports = await Promise.all(
      children.map(async (c) => {
        let out = '';
        c.stdout!.on('data', (d: Buffer) => (out += d));
        const [code] = await once(c, 'exit');
        if (code !== 0) throw new Error(`a writer exited with ${code}`);
        return JSON.parse(out) as { ms: number };
      }),
    );
    const wall = performance.now() - t0;
    const slowest = Math.max(...reports.map((r) => r.ms));
    console.log(`${WRITERS} writers, ${share * WRITERS} flows: ${Math.round((share * WRITERS) / (slowest / 1000))} flows/s stored (slowest writer ${(slowest / 1000).toFixed(1)} s; ${(wall / 1000).toFixed(1)} s with process start-up)`);

    const store = await openPgStore({ url, maxFlows: Infinity });
    // A serving node's retention check runs VACUUM (ANALYZE) within 10 s of a bulk load (pg-retention.ts):
    // the queries are timed after it, as on a server that has been up a minute, not during it.
    const vacuumed = performance.now();
    for (let i = 0; i < 600; i++) {
      const { rows } = await store.pool.query<{ n: number }>(`SELECT n_ins_since_vacuum AS n FROM pg_stat_user_tables WHERE relid = 'flows'::regclass`);
      const { rows: running } = await store.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_progress_vacuum`);
      if (rows[0].n < VACUUM_AFTER_INSERTS && running[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`(waited ${((performance.now() - vacuumed) / 1000).toFixed(1)} s for the VACUUM (ANALYZE) after the load)`);
    console.log(`\n| query (limit 200) | matched | p50 ms | p95 ms |\n|---|---|---|---|`);
    for (const filter of ['', 'ip:192.168.1.17 /items/42', 'status:503', 'method:POST status:5xx', 'host:api.example.test path:/api/v1/*']) console.log(await timeQuery(store, filter));
    console.log(await timeReport(store, 'endpoints'));
    console.log(await timeReport(store, 'errors'));
    console.log(await timeReport(store, 'coverage', { releaseFrom: 'ua:/MyApp\\/(\\d+\\.\\d+)/' }));
    await store.close();
  } finally {
    await cluster?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
