/**
 * The endpoint report aggregated in PostgreSQL (report/pg-endpoints.ts) equals the embedded store's report
 * built from summaries (endpoints.ts) over the same flows: the same flows are written to both stores, and
 * each query (no filter, exact filters, a time window, a device profile, an OpenAPI document) gives
 * deep-equal reports. A filter SQL cannot decide alone (a regex) is left to the summaries path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportContext } from '../../../electron/core/report/build';
import { pgEndpointReport } from '../../../electron/core/report/pg-endpoints';
import { storeReport } from '../../../electron/core/report/store-report';
import { REPORT_PROFILES as profiles, REPORT_QUERIES, T0, useReportStores } from '../../helpers/report-stores';

const stores = useReportStores();
const { skip } = stores;

for (const [name, query, options] of REPORT_QUERIES) {
  test(`endpoint report in SQL equals the embedded report: ${name}`, { skip }, async () => {
    const { pg, embedded } = await stores.load();
    const opts = { ...options, now: T0 };
    const fromSql = await pgEndpointReport(pg.pool, query, reportContext(query, opts));
    const fromSummaries = await storeReport('endpoints', embedded, query, opts);
    assert.ok(fromSql && fromSql.flows > 0, `aggregated in SQL, over some flows (${fromSql?.flows})`);
    assert.deepStrictEqual(fromSql, fromSummaries);
  });
}

test('the flows group into their route templates, live flows left out', { skip }, async () => {
    const { pg } = await stores.load();
  const report = await pgEndpointReport(pg.pool, {}, reportContext({}, { now: T0 }));
  assert.deepStrictEqual(
    { flows: report?.flows, routes: report?.endpoints.map((e) => `${e.method} ${e.host}${e.route}`) },
    {
      // 700 flows and 14 retries, 17 of them live.
      flows: 714 - 17,
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
    const { pg, embedded } = await stores.load();
  const query = { filter: 'url:/users\\/1[0-9]$/' };
  const opts = { profiles, now: T0 };
  const report = await storeReport('endpoints', pg, query, opts);
  assert.ok(report.kind === 'endpoints' && report.flows > 0, 'the regex matches some flows');
  assert.equal(await pgEndpointReport(pg.pool, query, reportContext(query, opts)), undefined);
  assert.deepStrictEqual(await storeReport('endpoints', pg, query, opts), await storeReport('endpoints', embedded, query, opts));
  await assert.rejects(storeReport('endpoints', pg, { filter: 'status:(' }, opts), { name: 'FilterError' });
});
