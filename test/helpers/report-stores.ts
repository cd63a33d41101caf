/**
 * The same varied flows in an embedded store and a PostgreSQL store, for the tests that compare a report
 * computed in SQL (electron/core/report/pg-*.ts) with the one built from summaries over the same flows.
 * Registers the file's hooks (a throwaway cluster: test/helpers/postgres.ts useTestCluster); the first test
 * that asks loads the stores.
 *
 * 714 flows, two a second: every route template, status class, failures (with and without a response),
 * live flows (left out of reports), missing durations and User-Agents, three platforms, seven app releases
 * (1.9 … 2.4, in the User-Agent and an X-App-Version header; the newest leaves some endpoints out), pairs of
 * flows in the same millisecond, retries (twins of a flow in its millisecond: `f57b` beside `f57`), and flows
 * recorded out of time order (an import: seq later, startedAt earlier).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { Flow, Headers } from '../../electron/common/flow';
import type { CoverageQuery } from '../../electron/common/report';
import type { DeviceProfile } from '../../electron/common/rule';
import type { BuildOptions } from '../../electron/core/report/build';
import { parseOpenApi } from '../../electron/core/report/openapi-file';
import { openFlowStore } from '../../electron/core/store';
import { openPgStore, type PgFlowStore } from '../../electron/core/store/pg/pg-store';
import type { FlowStore } from '../../electron/core/store/types';
import { makeFlow } from './flows';
import { useTestCluster } from './postgres';
import { userAgent, type Device } from './report-traffic';

export const T0 = 1_763_700_000_000;
export const RELEASES = ['1.9', '1.10', '2.0', '2.1', '2.2', '2.3', '2.4'];
/** A device per flow (by pairs): no device is a flow without a User-Agent; a browser names no release. */
const DEVICES: (Device | 'browser' | undefined)[] = ['ios', 'android', 'browser', undefined, 'desktop'];
const ROUTES: [string, string][] = [
  ['GET', 'https://api.example.test/users/{n}'],
  ['DELETE', 'https://api.example.test/users/{n}'],
  ['GET', 'https://api.example.test/users/{n}/orders/3f0c2a4e-9d1b-4c55-8e2f-{n12}'],
  ['POST', 'https://api.example.test/orders'],
  ['GET', 'https://cdn.example.test/static/app.js?v={n}'],
  ['GET', 'https://api.example.test/reports/2026-01-0{d}'],
  ['PUT', 'http://other.test/a/b/{n}?x=1'],
];
const STATUSES = [200, 201, 304, 404, 500, 503, 101, 200, 403];

export const REPORT_PROFILES: DeviceProfile[] = [
  { id: 'p1', name: 'Phones', clients: ['127.0.0.2', '127.0.0.3'], rules: [] },
  { id: 'p2', name: 'Desk', clients: ['127.0.0.4'], rules: [] },
];

export const REPORT_SPEC = JSON.stringify({
  openapi: '3.0.0',
  info: { title: 'Example API', version: '1' },
  paths: {
    '/users/{userId}': { get: { operationId: 'getUser' }, delete: { operationId: 'deleteUser' } },
    '/orders': { post: { operationId: 'createOrder' } },
    '/health': { get: { operationId: 'health' } },
  },
});

/** Queries every report is compared under: each of them selects some of the flows. */
export const REPORT_QUERIES: [string, CoverageQuery, BuildOptions][] = [
  ['everything', {}, { profiles: REPORT_PROFILES }],
  ['an exact filter', { filter: 'host:api.example.test status:400-599' }, { profiles: REPORT_PROFILES }],
  ['a method and an IP', { filter: 'method:GET ip:127.0.0.3' }, { profiles: REPORT_PROFILES }],
  ['a time window', { since: T0 + 100_000, until: T0 + 400_000 }, { profiles: REPORT_PROFILES }],
  ['a device profile', { profile: 'phones' }, { profiles: REPORT_PROFILES }],
  ['an OpenAPI document', { openapi: REPORT_SPEC }, { profiles: REPORT_PROFILES }],
  ['an OpenAPI document given parsed', {}, { profiles: REPORT_PROFILES, spec: parseOpenApi(REPORT_SPEC) }],
];

function headersOf(device: Device | 'browser' | undefined, release: string, i: number): Headers {
  if (device === undefined) return [];
  if (device === 'browser') return [['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36']];
  const headers: Headers = [['User-Agent', userAgent(device, release)]];
  // Some requests name their release in a header too, under either spelling.
  if (i % 3 !== 0) headers.push([i % 2 ? 'X-App-Version' : 'x-app-version', release]);
  return headers;
}

export function reportFlows(): Flow[] {
  const out: Flow[] = [];
  for (let i = 0; i < 700; i++) {
    const r = Math.floor(i / 100);
    const release = RELEASES[r];
    const device = DEVICES[(i >> 1) % DEVICES.length];
    let route = i % ROUTES.length;
    // The newest release never deletes a user, and its Android app never opens a report.
    if (r === RELEASES.length - 1 && route === 1) route = 0;
    if (r === RELEASES.length - 1 && device === 'android' && route === 5) route = 3;
    const [method, pattern] = ROUTES[route];
    const url = pattern.replace('{n}', String(i % 23)).replace('{n12}', String(100000000000 + (i % 5))).replace('{d}', String(1 + (i % 9)));
    const status = STATUSES[(i * 7) % STATUSES.length];
    const failed = i % 37 === 0;
    const abortedAfterResponse = i % 53 === 0;
    const live = i % 41 === 0;
    const imported = i % 97 === 96;
    const flow = makeFlow({
      id: `f${i}`,
      seq: i + 1,
      // Pairs share a millisecond; an imported flow is recorded late but happened two minutes earlier.
      startedAt: T0 + Math.floor(i / 2) * 1000 - (imported ? 120_000 : 0),
      client: { ip: `127.0.0.${2 + (i % 4)}`, port: 40000 + i },
      response: failed || live ? false : { status, statusText: '', headers: [], body: { size: (i * 13) % 5000, storedSize: 0, truncated: false } },
    });
    flow.request = { ...flow.request, method, url, headers: headersOf(device, release, i), body: { size: (i * 3) % 700, storedSize: 0, truncated: false } };
    flow.state = failed || abortedAfterResponse ? 'failed' : live ? 'live' : 'completed';
    flow.timings = i % 11 === 0 || live ? {} : { totalMs: ((i * 37) % 900) + (i % 3) * 0.25 };
    if (failed) flow.error = { phase: 'connect', message: `ECONNREFUSED ${i}` };
    else if (abortedAfterResponse) flow.error = { phase: 'client', message: `aborted ${i}` };
    else if (status === 503 && i % 2) flow.error = { phase: 'upstream', message: `reset ${i}` };
    out.push(flow);
    // A retry in the same millisecond, recorded next: same request, same outcome, later seq.
    if (i % 50 === 7) out.push({ ...structuredClone(flow), id: `f${i}b`, seq: 1000 + i });
  }
  return out;
}

export interface ReportStores {
  /** Why the file's tests are skipped, or false. */
  skip: string | false;
  /** The PostgreSQL store and the embedded store, both holding reportFlows(): loaded by the first test that asks. */
  load(): Promise<{ pg: PgFlowStore; embedded: FlowStore }>;
}

export function useReportStores(): ReportStores {
  const { skip, cluster, track } = useTestCluster();
  let dataDir: string | undefined;
  let loaded: Promise<{ pg: PgFlowStore; embedded: FlowStore }> | undefined;
  const load = async () => {
    const pg = track(await openPgStore({ url: await cluster().database(), maxFlows: Infinity }));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-pg-report-'));
    const embedded = track(openFlowStore({ dataDir, maxFlows: Infinity }));
    await embedded.ready;
    for (const f of reportFlows()) {
      pg.flowStarted(structuredClone(f));
      embedded.flowStarted(structuredClone(f));
    }
    await pg.flush();
    await embedded.flush();
    return { pg, embedded };
  };
  after(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { skip, load: () => (loaded ??= load()) };
}
