/**
 * The reports over real traffic: requests from an iPhone, an Android phone and a desktop client (three
 * loopback addresses) in two app releases go through the proxy to a local origin; the endpoint, error and
 * coverage reports are then checked whole, through the API and through `hindsight report` (JSON, CSV, HTML).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { ApiHandlers } from '../../../electron/common/api';
import type { FlowSummary } from '../../../electron/common/flow';
import type { CoverageReport, EndpointReport, EndpointStats, ErrorReport } from '../../../electron/common/report';
import { run } from '../../../electron/cli/report';
import { run as runExport } from '../../../electron/cli/export';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { acquireLock } from '../../../electron/core/instance/lock';
import { startUiServer } from '../../../electron/core/server/ui-server';
import { reportRows } from '../../../electron/core/report/rows';
import { launchChromium, chromiumAvailable } from '../../helpers/browser';
import { startTestCore, type TestCore } from '../../helpers/core';
import { SENT, send, startApiOrigin, type ApiOrigin } from '../../helpers/report-traffic';

const OPENAPI = `openapi: 3.0.3
info: { title: Shop API, version: "2.0" }
servers: [{ url: "http://api.test/" }]
paths:
  /users/{userId}:
    get: { operationId: getUser }
    delete: { operationId: deleteUser }
  /users/{userId}/orders/{orderId}:
    get: { operationId: getOrder }
  /orders:
    post: { operationId: createOrder }
  /health:
    get: { operationId: health }
`;

let t: TestCore;
let origin: ApiOrigin;
let api: ApiHandlers;
/** Flow ids by index into SENT. */
let ids: string[];
const started = Date.now();

before(async () => {
  origin = await startApiOrigin();
  t = await startTestCore();
  api = createApiHandlers(t.core);
  await api['profiles.save']({ profile: { name: 'QA iPhone', clients: ['127.0.0.2'] } });
  for (const item of SENT) await send(t.port, origin.port, item);
  await t.finishedFlows(SENT.length);
  const flows = t.core.store.query({ limit: 100 }).flows;
  ids = SENT.map((item) => {
    const flow = flows.find((f: FlowSummary) => f.url === `http://${item.host}:${origin.port}${item.path}` && f.userAgent?.includes(`MyApp/${item.release} `) && f.method === item.method);
    assert.ok(flow, `no flow for ${item.method} ${item.path}`);
    return flow.id;
  });
});

after(async () => {
  await t?.dispose();
  await origin?.close();
});

/** Times and latencies vary from run to run: checked for plausibility, then left out of the whole-object comparison. */
function stable(e: EndpointStats) {
  const { latencyMs, firstSeen, lastSeen, ...rest } = e;
  assert.ok(firstSeen >= started - 1000 && lastSeen >= firstSeen && lastSeen <= Date.now(), 'first/last seen within the test');
  assert.ok(latencyMs.p50! >= 0 && latencyMs.p95! >= latencyMs.p50! && latencyMs.max! >= latencyMs.p95!, 'ordered latencies');
  return rest;
}

const statuses = (s: Partial<EndpointStats['statuses']>) => ({ '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, failed: 0, ...s });

const EXPECTED_ENDPOINTS = [
  { method: 'GET', host: 'api.test', route: '/boom/{id}', count: 2, statuses: statuses({ '5xx': 2 }), errorRate: 1, requestBytes: 0, responseBytes: 32, clients: ['127.0.0.2'], profiles: ['QA iPhone'], platforms: ['ios'] },
  { method: 'POST', host: 'api.test', route: '/orders', count: 2, statuses: statuses({ '2xx': 2 }), errorRate: 0, requestBytes: 20, responseBytes: 32, clients: ['127.0.0.2'], profiles: ['QA iPhone'], platforms: ['ios'] },
  { method: 'GET', host: 'api.test', route: '/reports/{date}', count: 1, statuses: statuses({ '2xx': 1 }), errorRate: 0, requestBytes: 0, responseBytes: 15, clients: ['127.0.0.3'], profiles: [], platforms: ['android'] },
  { method: 'DELETE', host: 'api.test', route: '/users/{id}', count: 2, statuses: statuses({ '4xx': 2 }), errorRate: 1, requestBytes: 0, responseBytes: 42, clients: ['127.0.0.3'], profiles: [], platforms: ['android'] },
  {
    method: 'GET', host: 'api.test', route: '/users/{id}', count: 5, statuses: statuses({ '2xx': 5 }), errorRate: 0, requestBytes: 0, responseBytes: 51,
    clients: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], profiles: ['QA iPhone'], platforms: ['ios', 'android', 'other'],
  },
  {
    method: 'GET', host: 'api.test', route: '/users/{id}/orders/{uuid}', count: 2, statuses: statuses({ '2xx': 1, '4xx': 1 }), errorRate: 0.5, requestBytes: 0, responseBytes: 39,
    clients: ['127.0.0.2', '127.0.0.3'], profiles: ['QA iPhone'], platforms: ['ios', 'android'],
  },
  { method: 'GET', host: 'nope.test', route: '/users/{id}', count: 1, statuses: statuses({ failed: 1 }), errorRate: 1, requestBytes: 0, responseBytes: 0, clients: ['127.0.0.3'], profiles: [], platforms: ['android'] },
];

test('the endpoint report groups by method and route template, with status classes, bytes, clients, profiles and platforms', async () => {
  const report = await api['report.endpoints']({});
  assert.deepEqual({ ...report, generatedAt: 0, endpoints: report.endpoints.map(stable) }, { kind: 'endpoints', generatedAt: 0, flows: SENT.length, endpoints: EXPECTED_ENDPOINTS });
});

test('the endpoint report follows a filter, a device profile and a time window', async () => {
  const report = await api['report.endpoints']({ filter: 'ip:127.0.0.4' });
  assert.deepEqual(report.endpoints.map(stable), [
    { method: 'GET', host: 'api.test', route: '/users/{id}', count: 1, statuses: statuses({ '2xx': 1 }), errorRate: 0, requestBytes: 0, responseBytes: 10, clients: ['127.0.0.4'], profiles: [], platforms: ['other'] },
  ]);
  const phone = await api['report.endpoints']({ profile: 'qa iphone' });
  assert.deepEqual(phone.endpoints.map((e) => [e.method, e.route, e.count, e.clients]), [
    ['GET', '/boom/{id}', 2, ['127.0.0.2']],
    ['POST', '/orders', 2, ['127.0.0.2']],
    ['GET', '/users/{id}', 2, ['127.0.0.2']],
    ['GET', '/users/{id}/orders/{uuid}', 1, ['127.0.0.2']],
  ]);
  await assert.rejects(api['report.errors']({ profile: 'Pixel' }), { code: 'bad-params', message: "report.errors: no device profile named 'Pixel'; profiles: QA iPhone" });
  const future = await api['report.endpoints']({ since: Date.now() + 60_000 });
  assert.deepEqual({ flows: future.flows, endpoints: future.endpoints }, { flows: 0, endpoints: [] });
});

function expectedErrors(): ErrorReport['groups'] {
  return [
    { method: 'GET', host: 'api.test', route: '/boom/{id}', status: 500, count: 2, examples: [ids[4], ids[3]] },
    { method: 'DELETE', host: 'api.test', route: '/users/{id}', status: 403, count: 2, examples: [ids[11], ids[6]] },
    { method: 'GET', host: 'api.test', route: '/users/{id}/orders/{uuid}', status: 404, count: 1, examples: [ids[10]] },
    { method: 'GET', host: 'nope.test', route: '/users/{id}', status: null, error: 'dns: could not resolve nope.test (ENOTFOUND)', count: 1, examples: [ids[13]] },
  ] as ErrorReport['groups'];
}

test('the error report groups every 4xx, 5xx and failure by endpoint and status, newest examples first', async () => {
  const report = await api['report.errors']({});
  const withoutTimes = report.groups.map(({ firstSeen, lastSeen, ...g }) => (assert.ok(lastSeen >= firstSeen), g));
  assert.deepEqual({ ...report, generatedAt: 0, groups: withoutTimes }, { kind: 'errors', generatedAt: 0, flows: SENT.length, errors: 6, groups: expectedErrors() });
});

const EXPECTED_COVERAGE = {
  kind: 'coverage',
  generatedAt: 0,
  target: { description: 'release 1.1', release: '1.1', flows: 7 },
  baseline: { description: 'releases 1.0', releases: ['1.0'], flows: 8 },
  releases: ['1.0', '1.1'],
  total: { covered: 4, total: 6 },
  platforms: { ios: { covered: 2, total: 4 }, android: { covered: 2, total: 3 }, other: { covered: 0, total: 0 } },
  uncovered: [
    { method: 'GET', host: 'api.test', route: '/boom/{id}', platforms: ['ios'], lastRelease: '1.0' },
    { method: 'GET', host: 'api.test', route: '/reports/{date}', platforms: ['android'], lastRelease: '1.0' },
    { method: 'GET', host: 'api.test', route: '/users/{id}/orders/{uuid}', platforms: ['ios'], lastRelease: '1.0' },
  ],
};

function stableCoverage(report: CoverageReport) {
  return {
    ...report,
    generatedAt: 0,
    uncovered: report.uncovered.map(({ lastSeen, ...u }) => (assert.ok(lastSeen !== null && lastSeen >= started - 1000), u)),
  };
}

test('coverage of release 1.1 (from the User-Agent) against the releases before it, per platform', async () => {
  const report = await api['report.coverage']({ releaseFrom: 'ua:/MyApp\\/(\\d+\\.\\d+)/' });
  assert.deepEqual(stableCoverage(report), EXPECTED_COVERAGE);
});

test('coverage reads the release from a request header just as well', async () => {
  const report = await api['report.coverage']({ releaseFrom: 'header:X-App-Version', baseline: 3 });
  assert.deepEqual(stableCoverage(report), EXPECTED_COVERAGE);
});

test('an OpenAPI document names the endpoints and is the coverage baseline', async () => {
  const endpoints = await api['report.endpoints']({ openapi: OPENAPI, filter: 'host:api.test' });
  assert.deepEqual(
    endpoints.endpoints.map((e) => [e.method, e.route, e.operation ?? null, e.count]),
    [
      ['GET', '/boom/{id}', null, 2],
      ['POST', '/orders', 'createOrder', 2],
      ['GET', '/reports/{date}', null, 1],
      ['DELETE', '/users/{userId}', 'deleteUser', 2],
      ['GET', '/users/{userId}', 'getUser', 5],
      ['GET', '/users/{userId}/orders/{orderId}', 'getOrder', 2],
    ],
  );
  assert.equal(endpoints.openapi, 'Shop API 2.0');
  const coverage = await api['report.coverage']({ openapi: OPENAPI, releaseFrom: 'ua:/MyApp\\/(\\d+\\.\\d+)/', baseline: 'openapi' });
  assert.deepEqual(
    { ...coverage, generatedAt: 0 },
    {
      kind: 'coverage',
      generatedAt: 0,
      target: { description: 'release 1.1', release: '1.1', flows: 7 },
      baseline: { description: 'every operation of Shop API 2.0', flows: 0 },
      releases: ['1.0', '1.1'],
      openapi: 'Shop API 2.0',
      total: { covered: 4, total: 5 },
      platforms: { ios: { covered: 2, total: 5 }, android: { covered: 3, total: 5 }, other: { covered: 1, total: 5 } },
      uncovered: [
        { method: 'GET', host: '', route: '/health', operation: 'health', platforms: ['ios', 'android', 'other'], lastSeen: null },
        { method: 'POST', host: '', route: '/orders', operation: 'createOrder', platforms: ['android', 'other'], lastSeen: null },
        { method: 'DELETE', host: '', route: '/users/{userId}', operation: 'deleteUser', platforms: ['ios', 'other'], lastSeen: null },
        { method: 'GET', host: '', route: '/users/{userId}/orders/{orderId}', operation: 'getOrder', platforms: ['ios', 'other'], lastSeen: null },
      ],
    },
  );
});

test('bad questions get a clear error naming what is wrong', async () => {
  const failure = (p: Promise<unknown>) => p.then(() => assert.fail('expected a refusal'), (err: { code: string; message: string }) => ({ code: err.code, message: err.message }));
  assert.deepEqual(await failure(api['report.coverage']({ releaseFrom: 'ua:/(a)\\1/' })), {
    code: 'bad-params',
    message: 'report.coverage: releaseFrom: /(a)\\1/: backreferences are not supported (patterns use RE2 syntax, which always matches in linear time)',
  });
  assert.deepEqual(await failure(api['report.coverage']({ releaseFrom: 'ua:/MyApp\\/(\\d+)/', release: '9' })), {
    code: 'bad-params',
    message: 'report.coverage: release 9 was not seen; releases seen: 1',
  });
  assert.deepEqual(await failure(api['report.endpoints']({ openapi: 'swagger: "2.0"\npaths: {}' })), {
    code: 'bad-params',
    message: 'report.endpoints: openapi: Swagger 2 documents are not supported; convert it to OpenAPI 3',
  });
  assert.equal((await failure(api['report.errors']({ filter: 'status:abc' }))).code, 'bad-filter');
});

/** Runs `hindsight report …` in-process; stdout and stderr collected. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

test('hindsight report asks a running instance that holds the data dir, over its API', async () => {
  const ui = await startUiServer(t.core, { port: 0 });
  const lock = acquireLock(t.dataDir, { uiHost: ui.host, uiPort: ui.port, token: ui.token, proxyPort: t.port });
  try {
    const viaApi = await api['report.coverage']({ releaseFrom: 'header:X-App-Version', openapi: OPENAPI, baseline: 'openapi' });
    const openapiFile = path.join(t.dataDir, 'shop.yaml');
    fs.writeFileSync(openapiFile, OPENAPI);
    const result = await cli(['coverage', '--data', t.dataDir, '--release-from', 'header:X-App-Version', '--openapi', openapiFile, '--baseline', 'openapi', '--format', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual({ ...JSON.parse(result.stdout), generatedAt: 0 }, { ...viaApi, generatedAt: 0 });
  } finally {
    lock.release();
    await ui.close();
  }
});

test('hindsight report reads the store files: JSON equals the API, CSV opens in a CSV parser, HTML renders offline', async (ctx) => {
  const viaApi = await api['report.endpoints']({});
  const viaApiCoverage = await api['report.coverage']({ releaseFrom: 'ua:/MyApp\\/(\\d+\\.\\d+)/' });
  // The store files are read by the CLI once no process holds them.
  await t.core.dispose();

  const json = await cli(['endpoints', '--data', t.dataDir, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const fromCli = JSON.parse(json.stdout) as EndpointReport;
  assert.deepEqual({ ...fromCli, generatedAt: 0 }, { ...viaApi, generatedAt: 0 });

  // A HAR export of the same flows gives the same endpoints.
  const harFile = path.join(t.dataDir, 'flows.har');
  assert.equal(await runExport(['--data', t.dataDir, '--format', 'har', '--out', harFile], { stdout: { write: () => true }, stderr: { write: () => true } }), 0);
  const fromHar = await cli(['endpoints', '--har', harFile, '--format', 'json']);
  assert.equal(fromHar.code, 0, fromHar.stderr);
  const counts = (r: EndpointReport) => r.endpoints.map((e) => [e.method, e.host, e.route, e.count, e.statuses, e.requestBytes, e.responseBytes, e.platforms]);
  assert.deepEqual(counts(JSON.parse(fromHar.stdout) as EndpointReport), counts(viaApi));

  const csv = await cli(['errors', '--data', t.dataDir, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  const records = parseCsv(csv.stdout, { columns: true }) as Record<string, string>[];
  const errors = await api['report.errors']({});
  const { columns, rows } = reportRows(errors);
  assert.deepEqual(records, rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i] === null ? '' : String(row[i])]))));
  assert.equal(records.length, 4);

  const table = await cli(['coverage', '--data', t.dataDir, '--release-from', 'ua:/MyApp\\/(\\d+\\.\\d+)/']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^Target: {3}release 1\.1, 7 flows\nBaseline: releases 1\.0, 8 flows\nCovered: {2}4\/6 \(67%\) {2}ios 2\/4 {2}android 2\/3 {2}other 0\/0\nNot covered \(3\):\n/);

  const bad = await cli(['coverage', '--data', t.dataDir, '--release-from', 'ua:/(?=x)/']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^hindsight report: \/\(\?=x\)\/: lookahead and lookbehind are not supported/);

  const htmlFile = path.join(t.dataDir, 'coverage.html');
  const html = await cli(['coverage', '--data', t.dataDir, '--release-from', 'ua:/MyApp\\/(\\d+\\.\\d+)/', '--format', 'html', '--out', htmlFile]);
  assert.equal(html.code, 0, html.stderr);
  assert.equal(fs.statSync(htmlFile).mode & 0o777, 0o600);
  assert.deepEqual(stableCoverage(viaApiCoverage), EXPECTED_COVERAGE);

  if (!chromiumAvailable()) return ctx.skip('no Chromium');
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${htmlFile}`);
    const text = await page.evaluate('document.body.innerText');
    assert.match(String(text), /Coverage report[\s\S]*Total\s+4 \/ 6 \(67%\)[\s\S]*iOS\s+2 \/ 4 \(50%\)[\s\S]*Not covered \(3\)/);
    assert.equal(await page.evaluate('document.querySelectorAll("svg").length'), 4);
    assert.deepEqual(requests, [`file://${htmlFile}`]);
    const shots = process.env.HINDSIGHT_SCREENSHOTS;
    if (shots) {
      fs.mkdirSync(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, 'report-coverage.png'), fullPage: true });
      for (const kind of ['endpoints', 'errors']) {
        const file = path.join(os.tmpdir(), `hindsight-report-${kind}-${process.pid}.html`);
        await cli([kind, '--data', t.dataDir, '--format', 'html', '--out', file]);
        await page.goto(`file://${file}`);
        await page.screenshot({ path: path.join(shots, `report-${kind}.png`), fullPage: true });
        fs.rmSync(file);
      }
    }
    await context.close();
  } finally {
    await browser.close();
  }
});
