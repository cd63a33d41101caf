/**
 * The API's report methods: `report.endpoints`, `report.errors`, `report.coverage` (the report as data) and
 * `report.html` (the self-contained HTML file the Reports view saves). Computed on the core's side from the
 * store's in-memory summaries, so a renderer or a CLI talking to a running instance never pages 60,000
 * summaries over the wire; on PostgreSQL the reports are aggregated in the database (store-report.ts). createApiHandlers (../api/handlers.ts) spreads these in.
 */
import { ApiError, type ApiHandlers } from '../../common/api';
import { FilterError } from '../../common/filter';
import { OpenApiError } from '../../common/openapi-routes';
import { ReleasePatternError } from '../../common/release';
import { REPORT_KINDS, type CoverageQuery, type Report, type ReportKind } from '../../common/report';
import { optionalInteger, optionalString, paramsObject, requiredOneOf, type Params } from '../../common/api-params';
import type { AnyCore } from '../core-types';
import { ReportQueryError } from './flows';
import { reportHtml } from './html';
import { MAX_OPENAPI_BYTES } from './openapi-file';
import { storeReport } from './store-report';

export type ReportMethod = 'report.endpoints' | 'report.errors' | 'report.coverage' | 'report.html';

const QUERY_PARAMS = ['filter', 'since', 'until', 'openapi', 'profile'] as const;
const COVERAGE_PARAMS = [...QUERY_PARAMS, 'releaseFrom', 'release', 'baseline'] as const;
const MAX_FILTER_LENGTH = 10_000;
const MAX_BASELINE = 1000;

/** A report query from untrusted params; throws 'bad-params'. */
export function reportQuery(method: string, p: Params): CoverageQuery {
  const query: CoverageQuery = {};
  const filter = optionalString(method, p, 'filter', MAX_FILTER_LENGTH);
  if (filter) query.filter = filter;
  const since = optionalInteger(method, p, 'since', 0, Number.MAX_SAFE_INTEGER);
  if (since !== undefined) query.since = since;
  const until = optionalInteger(method, p, 'until', 0, Number.MAX_SAFE_INTEGER);
  if (until !== undefined) query.until = until;
  const profile = optionalString(method, p, 'profile', 200);
  if (profile) query.profile = profile;
  const openapi = optionalString(method, p, 'openapi', MAX_OPENAPI_BYTES);
  if (openapi) query.openapi = openapi;
  const releaseFrom = optionalString(method, p, 'releaseFrom', 1100);
  if (releaseFrom) query.releaseFrom = releaseFrom;
  const release = optionalString(method, p, 'release', 200);
  if (release) query.release = release;
  if (p.baseline === 'openapi') query.baseline = 'openapi';
  else if (p.baseline !== undefined) query.baseline = optionalInteger(method, p, 'baseline', 1, MAX_BASELINE);
  return query;
}

/** A question the report cannot answer as asked becomes a clear API error instead of 'internal'. */
export function asReportError(method: string, err: unknown): unknown {
  if (err instanceof FilterError) return new ApiError(`${method}: ${err.message}`, 'bad-filter', { start: err.start, end: err.end });
  if (err instanceof OpenApiError) return new ApiError(`${method}: openapi: ${err.message}`, 'bad-params');
  if (err instanceof ReportQueryError) return new ApiError(`${method}: ${err.message}`, 'bad-params');
  if (err instanceof ReleasePatternError) return new ApiError(`${method}: releaseFrom: ${err.message}`, 'bad-params');
  return err;
}

export function createReportApiHandlers(core: AnyCore): Pick<ApiHandlers, ReportMethod> {
  const run = async <K extends ReportKind>(method: string, kind: K, query: CoverageQuery): Promise<Extract<Report, { kind: K }>> => {
    await core.store.ready;
    await core.rules.store.ready;
    try {
      return (await storeReport(kind, core.store, query, { profiles: core.rules.store.profileList() })) as Extract<Report, { kind: K }>;
    } catch (err) {
      throw asReportError(method, err);
    }
  };
  const read = (method: string, params: unknown, allowed: readonly string[]) => reportQuery(method, paramsObject(method, params, allowed));
  return {
    async 'report.endpoints'(params) {
      return run('report.endpoints', 'endpoints', read('report.endpoints', params, QUERY_PARAMS));
    },
    async 'report.errors'(params) {
      return run('report.errors', 'errors', read('report.errors', params, QUERY_PARAMS));
    },
    async 'report.coverage'(params) {
      return run('report.coverage', 'coverage', read('report.coverage', params, COVERAGE_PARAMS));
    },
    async 'report.html'(params) {
      const m = 'report.html';
      const p = paramsObject(m, params, [...COVERAGE_PARAMS, 'kind']);
      const kind = requiredOneOf(m, p, 'kind', REPORT_KINDS);
      const report = await run(m, kind, reportQuery(m, p));
      const stamp = new Date(report.generatedAt).toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return { html: reportHtml(report, { version: core.status().version }), fileName: `hindsight-${kind}-${stamp}.html` };
    },
  };
}
