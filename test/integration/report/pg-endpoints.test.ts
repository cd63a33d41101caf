/**
 * The endpoint report aggregated in PostgreSQL (report/pg-endpoints.ts) equals the embedded store's report
 * built from summaries (endpoints.ts) over the same flows: the same flows are written to both stores, and
 * each query (no filter, exact filters, a time window, a device profile, an OpenAPI document) gives
 * deep-equal reports. A filter SQL cannot decide alone (a regex) is left to the summaries path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Flow } from '../../../electron/common/flow';
import type { CoverageQuery } from '../../../electron/common/report';
import type { DeviceProfile } from '../../../electron/common/rule';
import { openFlowStore } from '../../../electron/core/store';
import type { FlowStore } from '../../../electron/core/store/types';
import { openPgStore, type PgFlowStore } from '../../../electron/core/store/pg/pg-store';
import { reportContext, type BuildOptions } from '../../../electron/core/report/build';
import { pgEndpointReport } from '../../../electron/core/report/pg-endpoints';
import { storeReport } from '../../../electron/core/report/store-report';
import { parseOpenApi } from '../../../electron/core/report/openapi-file';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';
import { makeFlow } from '../../helpers/flows';
import { tempDirs } from '../../helpers/temp-dirs';

const skip = postgresUnavailable();
const tempDir = tempDirs('hindsight-pg-report-');
let cluster: TestCluster;
let pgStore: PgFlowStore;
let embedded: FlowStore;

const T0 = 1_763_700_000_000;
const AGENTS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36',
  undefined,
];
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

/** 700 varied flows: every route, status class, failures, live ones (left out), missing durations and agents. */
function flows(): Flow[] {
  const out: Flow[] = [];
  for (let i = 0; i < 700; i++) {
    const [method, pattern] = ROUTES[i % ROUTES.length];
    const url = pattern.replace('{n}', String(i % 23)).replace('{n12}', String(100000000000 + (i % 5))).replace('{d}', String(1 + (i % 9)));
    const agent = AGENTS[(i >> 1) % AGENTS.length];
    const status = STATUSES[(i * 7) % STATUSES.length];
    const failed = i % 37 === 0;
    const live = i % 41 === 0;
    const flow = makeFlow({
      id: `f${i}`,
      seq: i + 1,
      startedAt: T0 + i * 1000,
      client: { ip: `127.0.0.${2 + (i % 4)}`, port: 40000 + i },
      response: failed || live ? false : { status, statusText: '', headers: [], body: { size: (i * 13) % 5000, storedSize: 0, truncated: false } },
    });
    flow.request = { ...flow.request, method, url, headers: agent ? [['User-Agent', agent]] : [], body: { size: (i * 3) % 700, storedSize: 0, truncated: false } };
    flow.state = failed ? 'failed' : live ? 'live' : 'completed';
    flow.timings = i % 11 === 0 || live ? {} : { totalMs: ((i * 37) % 900) + (i % 3) * 0.25 };
    if (failed) flow.error = { phase: 'connect', message: 'ECONNREFUSED' };
    out.push(flow);
  }
  return out;
}

const profiles: DeviceProfile[] = [
  { id: 'p1', name: 'Phones', clients: ['127.0.0.2', '127.0.0.3'], rules: [] },
  { id: 'p2', name: 'Desk', clients: ['127.0.0.4'], rules: [] },
];
const SPEC = JSON.stringify({
  openapi: '3.0.0',
  info: { title: 'Example API', version: '1' },
  paths: { '/users/{userId}': { get: { operationId: 'getUser' }, delete: { operationId: 'deleteUser' } }, '/orders': { post: { operationId: 'createOrder' } } },
});

before(async () => {
  if (skip) return;
  cluster = await startTestCluster();
  pgStore = await openPgStore({ url: await cluster.database(), maxFlows: Infinity });
  embedded = openFlowStore({ dataDir: tempDir(), maxFlows: Infinity });
  await embedded.ready;
  for (const f of flows()) {
    pgStore.flowStarted(structuredClone(f));
    embedded.flowStarted(structuredClone(f));
  }
  await pgStore.flush();
  await embedded.flush();
});
after(async () => {
  await pgStore?.close();
  await embedded?.close();
  await cluster?.stop();
});

const QUERIES: [string, CoverageQuery, BuildOptions][] = [
  ['everything', {}, { profiles }],
  ['an exact filter', { filter: 'host:api.example.test status:400-599' }, { profiles }],
  ['a method and an IP', { filter: 'method:GET ip:127.0.0.3' }, { profiles }],
  ['a time window', { since: T0 + 100_000, until: T0 + 400_000 }, { profiles }],
  ['a device profile', { profile: 'phones' }, { profiles }],
  ['an OpenAPI document', { openapi: SPEC }, { profiles }],
  ['an OpenAPI document given parsed', {}, { profiles, spec: parseOpenApi(SPEC) }],
];

for (const [name, query, options] of QUERIES) {
  test(`endpoint report in SQL equals the embedded report: ${name}`, { skip }, async () => {
    const opts = { ...options, now: T0 };
    const fromSql = await pgEndpointReport(pgStore.pool, query, reportContext(query, opts));
    const fromSummaries = await storeReport('endpoints', embedded, query, opts);
    assert.ok(fromSql && fromSql.flows > 0, `aggregated in SQL, over some flows (${fromSql?.flows})`);
    assert.deepStrictEqual(fromSql, fromSummaries);
  });
}

test('the flows group into their route templates, live flows left out', { skip }, async () => {
  const report = await pgEndpointReport(pgStore.pool, {}, reportContext({}, { now: T0 }));
  assert.deepStrictEqual(
    { flows: report?.flows, routes: report?.endpoints.map((e) => `${e.method} ${e.host}${e.route}`) },
    {
      flows: 700 - 17,
      routes: [
        'POST api.example.test/orders',
        'GET api.example.test/reports/{date}',
        'DELETE api.example.test/users/{id}',
        'GET api.example.test/users/{id}',
        'GET api.example.test/users/{id}/orders/{uuid}',
        'GET cdn.example.test/static/app.js',
        'PUT other.test/a/b/{id}',
      ],
    },
  );
});

test('a filter SQL cannot decide exactly is reported from summaries, still equal; a bad filter is an error', { skip }, async () => {
  const query = { filter: 'url:/users\\/1[0-9]$/' };
  const opts = { profiles, now: T0 };
  const report = await storeReport('endpoints', pgStore, query, opts);
  assert.ok(report.kind === 'endpoints' && report.flows > 0, 'the regex matches some flows');
  assert.equal(await pgEndpointReport(pgStore.pool, query, reportContext(query, opts)), undefined);
  assert.deepStrictEqual(await storeReport('endpoints', pgStore, query, opts), await storeReport('endpoints', embedded, query, opts));
  await assert.rejects(storeReport('endpoints', pgStore, { filter: 'status:(' }, opts), { name: 'FilterError' });
});
