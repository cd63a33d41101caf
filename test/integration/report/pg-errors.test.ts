/**
 * The error report aggregated in PostgreSQL (report/pg-errors.ts) equals the embedded store's report built
 * from summaries (errors.ts) over the same flows (test/helpers/report-stores.ts: groups larger than the five
 * examples, flows sharing a millisecond, flows recorded out of time order, failures with and without a
 * response and with changing messages), under every query; a filter SQL cannot decide alone (a regex) is
 * left to the summaries path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoverageQuery } from '../../../electron/common/report';
import { reportContext, type BuildOptions } from '../../../electron/core/report/build';
import { pgErrorReport } from '../../../electron/core/report/pg-errors';
import { storeReport } from '../../../electron/core/report/store-report';
import { REPORT_PROFILES as profiles, REPORT_QUERIES, T0, useReportStores } from '../../helpers/report-stores';

const stores = useReportStores();
const { skip } = stores;

const QUERIES: [string, CoverageQuery, BuildOptions][] = [
  ...REPORT_QUERIES,
  ['failures only', { filter: 'is:error' }, { profiles }],
  ['a profile and a window', { profile: 'desk', since: T0 + 50_000 }, { profiles }],
];

for (const [name, query, options] of QUERIES) {
  test(`error report in SQL equals the embedded report: ${name}`, { skip }, async () => {
    const { pg, embedded } = await stores.load();
    const opts = { ...options, now: T0 };
    const fromSql = await pgErrorReport(pg.pool, query, reportContext(query, opts));
    const fromSummaries = await storeReport('errors', embedded, query, opts);
    assert.ok(fromSql && fromSql.errors > 0, `aggregated in SQL, over some errors (${fromSql?.errors})`);
    assert.deepStrictEqual(fromSql, fromSummaries);
  });
}

test('two seconds of flows: a 404 and a refused connection, each with its example', { skip }, async () => {
    const { pg } = await stores.load();
  // f72 and f73 answered 200; f74 was refused, f75 got a 404.
  const query = { since: T0 + 36_000, until: T0 + 38_000 };
  assert.deepStrictEqual(await pgErrorReport(pg.pool, query, reportContext(query, { now: T0 })), {
    kind: 'errors',
    generatedAt: T0,
    flows: 4,
    errors: 2,
    groups: [
      { method: 'GET', host: 'api.example.test', route: '/reports/{date}', status: 404, count: 1, firstSeen: T0 + 37_000, lastSeen: T0 + 37_000, examples: ['f75'] },
      {
        method: 'GET',
        host: 'cdn.example.test',
        route: '/static/app.js',
        status: null,
        count: 1,
        firstSeen: T0 + 37_000,
        lastSeen: T0 + 37_000,
        examples: ['f74'],
        error: 'connect: ECONNREFUSED 74',
      },
    ],
  });
});

test('a retry in the same millisecond is the newer example: time, then seq', { skip }, async () => {
  // f56 got a 503; f57 and its retry f57b (recorded after it) a 404, all in one millisecond.
  const query = { since: T0 + 28_000, until: T0 + 29_000 };
  const { pg, embedded } = await stores.load();
  const report = await pgErrorReport(pg.pool, query, reportContext(query, { now: T0 }));
  assert.deepStrictEqual(report, {
    kind: 'errors',
    generatedAt: T0,
    flows: 3,
    errors: 3,
    groups: [
      { method: 'DELETE', host: 'api.example.test', route: '/users/{id}', status: 404, count: 2, firstSeen: T0 + 28_000, lastSeen: T0 + 28_000, examples: ['f57b', 'f57'] },
      { method: 'GET', host: 'api.example.test', route: '/users/{id}', status: 503, count: 1, firstSeen: T0 + 28_000, lastSeen: T0 + 28_000, examples: ['f56'] },
    ],
  });
  assert.deepStrictEqual(report, await storeReport('errors', embedded, query, { now: T0 }));
});

test('a filter SQL cannot decide exactly is reported from summaries, still equal; a bad filter is an error', { skip }, async () => {
    const { pg, embedded } = await stores.load();
  const query = { filter: 'url:/users\\/1[0-9]$/' };
  const opts = { profiles, now: T0 };
  assert.equal(await pgErrorReport(pg.pool, query, reportContext(query, opts)), undefined);
  const report = await storeReport('errors', pg, query, opts);
  assert.ok(report.kind === 'errors' && report.errors > 0, 'the regex matches some errors');
  assert.deepStrictEqual(report, await storeReport('errors', embedded, query, opts));
  await assert.rejects(storeReport('errors', pg, { filter: 'status:(' }, opts), { name: 'FilterError' });
  await assert.rejects(storeReport('errors', pg, { filter: 'msg:hello' }, opts), { name: 'ReportQueryError' });
});
