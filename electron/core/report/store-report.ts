/**
 * A report over a store: aggregated in the database when the store is PostgreSQL and the filter is exact in
 * SQL (pg-endpoints.ts, pg-errors.ts, pg-coverage.ts), else built from every stored summary (build.ts). The API's
 * report methods and `hindsight report --store` both come here.
 */
import type { FlowPage, FlowQuery } from '../../common/api';
import type { CoverageQuery, Report, ReportKind } from '../../common/report';
import type pg from 'pg';
import { PgFlowStore } from '../store/pg/pg-store';
import { buildReport, reportContext, type BuildOptions } from './build';
import type { ReportContext } from './endpoints';
import { pgCoverageReport } from './pg-coverage';
import { pgEndpointReport } from './pg-endpoints';
import { pgErrorReport } from './pg-errors';
import { allSummaries } from './source';

export interface ReportStore {
  query(q: FlowQuery): FlowPage | Promise<FlowPage>;
}

export async function storeReport(kind: ReportKind, store: ReportStore, query: CoverageQuery, options: BuildOptions = {}): Promise<Report> {
  if (store instanceof PgFlowStore) {
    const report = await pgReport(kind, store.pool, query, reportContext(query, options));
    if (report) return report;
  }
  return buildReport(kind, await allSummaries((q) => store.query(q)), query, options);
}

/** The report computed in PostgreSQL; undefined when the filter is not exact in SQL. */
function pgReport(kind: ReportKind, pool: pg.Pool, query: CoverageQuery, context: ReportContext): Promise<Report | undefined> {
  switch (kind) {
    case 'endpoints':
      return pgEndpointReport(pool, query, context);
    case 'errors':
      return pgErrorReport(pool, query, context);
    case 'coverage':
      return pgCoverageReport(pool, query, context);
  }
}
