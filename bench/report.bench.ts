/**
 * The reports over 60,000 stored flows (issue 20): endpoint, error and coverage reports, p50 of repeated
 * runs, (a) in the core (the API handler's work: page the summaries, template, aggregate), (b) through the
 * API over the headless server's WebSocket (what the Reports view waits for), (c) `hindsight report`
 * against the running instance (connect + the API call + formatting), and (d) `hindsight report` reading
 * the store files itself (opening 60,000 flows included). Flows are the renderer harness's generated shop
 * traffic with the User-Agent rewritten to five app releases on iOS, Android and desktop clients.
 * Run: `npm run bench report`. Figures go to docs/BENCHMARKS.md with date and machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ApiClient } from '../electron/common/api';
import type { ReportKind } from '../electron/common/report';
import { run as runReport } from '../electron/cli/report';
import { createApiHandlers } from '../electron/core/api/handlers';
import { acquireLock } from '../electron/core/instance/lock';
import { connectWebSocket } from '../electron/core/instance/ws-client';
import { createCore } from '../electron/core/core';
import { startUiServer } from '../electron/core/server/ui-server';
import { flowGenerator } from '../test/helpers/renderer-harness';

const STORED = 60_000;
const API_RUNS = 15;
const CLI_RUNS = 7;
const FILE_RUNS = 3;
const RELEASES = ['5.8', '5.9', '5.10', '5.11', '5.12'];
const AGENTS = [
  (r: string) => `ShopApp/${r} (iPhone; iOS 18.1) CFNetwork/1568 Darwin/24.1.0`,
  (r: string) => `ShopApp/${r} (Linux; Android 15; Pixel 9) okhttp/4.12.0`,
  (r: string) => `ShopApp/${r} (Windows NT 10.0; Win64; x64)`,
];
const COVERAGE = { releaseFrom: 'ua:/ShopApp\\/(\\d+\\.\\d+)/', baseline: 3 };

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** p50 wall time, and p50 CPU time of this process (the machine is shared: CPU time is the steadier figure). */
async function timed(runs: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: p50(wall), cpu: p50(cpu) };
}
type Timing = Awaited<ReturnType<typeof timed>>;
const zero = (): Record<ReportKind, Timing> => ({ endpoints: { wall: 0, cpu: 0 }, errors: { wall: 0, cpu: 0 }, coverage: { wall: 0, cpu: 0 } });

const silent = { stdout: { write: () => true }, stderr: { write: (s: string) => void process.stderr.write(s) } };
const KINDS: ReportKind[] = ['endpoints', 'errors', 'coverage'];
const cliArgs = (kind: ReportKind, dataDir: string) => [kind, '--data', dataDir, '--format', 'json', ...(kind === 'coverage' ? ['--release-from', COVERAGE.releaseFrom] : [])];

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-report-bench-'));
  const core = await createCore({ dataDir, port: 0, version: 'bench' });
  const rows: Record<string, Record<ReportKind, Timing>> = {};
  try {
    await core.store.ready;
    const next = flowGenerator(core, 20);
    const now = Date.now();
    for (let i = 0; i < STORED; i++) {
      const flow = next(now - (STORED - i) * 150, false);
      const release = RELEASES[Math.min(RELEASES.length - 1, Math.floor((i / STORED) * RELEASES.length))];
      flow.request.headers = flow.request.headers.map(([k, v]) => (k === 'User-Agent' ? [k, AGENTS[i % AGENTS.length](release)] : [k, v]));
      core.store.flowStarted(flow);
    }
    await core.store.flush();

    const handlers = createApiHandlers(core);
    const inCore: Record<ReportKind, () => Promise<unknown>> = {
      endpoints: () => handlers['report.endpoints']({}),
      errors: () => handlers['report.errors']({}),
      coverage: () => handlers['report.coverage'](COVERAGE),
    };
    const sizes = { endpoints: (await handlers['report.endpoints']({})).endpoints.length, errors: (await handlers['report.errors']({})).groups.length, coverage: (await handlers['report.coverage'](COVERAGE)).total };
    console.log(`${STORED} flows stored; ${sizes.endpoints} endpoints, ${sizes.errors} error groups, coverage ${JSON.stringify(sizes.coverage)}`);
    rows['in the core (handler)'] = zero();
    for (const kind of KINDS) rows['in the core (handler)'][kind] = await timed(API_RUNS, inCore[kind]);

    const ui = await startUiServer(core, { port: 0 });
    const lock = acquireLock(dataDir, { uiHost: ui.host, uiPort: ui.port, token: ui.token, proxyPort: core.proxyAddress().port });
    const client: ApiClient & { dispose(): void } = await connectWebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, ui.token);
    try {
      rows['API over WebSocket'] = zero();
      rows['API over WebSocket'].endpoints = await timed(API_RUNS, () => client.call('report.endpoints', {}));
      rows['API over WebSocket'].errors = await timed(API_RUNS, () => client.call('report.errors', {}));
      rows['API over WebSocket'].coverage = await timed(API_RUNS, () => client.call('report.coverage', COVERAGE));
      rows['CLI, running instance'] = zero();
      for (const kind of KINDS) rows['CLI, running instance'][kind] = await timed(CLI_RUNS, () => runReport(cliArgs(kind, dataDir), silent));
    } finally {
      client.dispose();
      lock.release();
      await ui.close();
    }
  } finally {
    await core.dispose();
  }
  rows['CLI, store files'] = zero();
  for (const kind of KINDS) rows['CLI, store files'][kind] = await timed(FILE_RUNS, () => runReport(cliArgs(kind, dataDir), silent));
  fs.rmSync(dataDir, { recursive: true, force: true });

  const cell = (t: Timing) => `${t.wall.toFixed(0)} ms (${t.cpu.toFixed(0)} ms CPU)`;
  console.log(`\n| p50 over ${STORED.toLocaleString('en-US')} flows, wall (CPU of this process) | endpoints | errors | coverage (3 releases back) |\n|---|--:|--:|--:|`);
  for (const [name, r] of Object.entries(rows)) console.log(`| ${name} | ${cell(r.endpoints)} | ${cell(r.errors)} | ${cell(r.coverage)} |`);
  console.log(`\nload average: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model}); Node ${process.version}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
