/**
 * A report over a store: the endpoint report aggregated in the database when the store is PostgreSQL and the
 * filter is exact in SQL (pg-endpoints.ts), else built from every stored summary (build.ts). The API's
 * report methods and `hindsight report --store` both come here.
 */
import type { FlowPage, FlowQuery } from '../../common/api';
import type { CoverageQuery, Report, ReportKind } from '../../common/report';
import { PgFlowStore } from '../store/pg/pg-store';
import { buildReport, reportContext, type BuildOptions } from './build';
import { pgEndpointReport } from './pg-endpoints';
import { allSummaries } from './source';

export interface ReportStore {
  query(q: FlowQuery): FlowPage | Promise<FlowPage>;
}

export async function storeReport(kind: ReportKind, store: ReportStore, query: CoverageQuery, options: BuildOptions = {}): Promise<Report> {
  if (kind === 'endpoints' && store instanceof PgFlowStore) {
    const report = await pgEndpointReport(store.pool, query, reportContext(query, options));
    if (report) return report;
  }
  return buildReport(kind, await allSummaries((q) => store.query(q)), query, options);
}
