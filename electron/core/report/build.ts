/**
 * One entry for every report kind, used by the API handlers and the CLI alike: the OpenAPI text parsed,
 * the flows selected, the report computed. Problems with the question (a bad filter, document, release
 * pattern or release) throw ReportQueryError or FilterError with a message for the user.
 */
import type { FlowSummary } from '../../common/flow';
import type { OpenApiRoutes } from '../../common/openapi-routes';
import type { CoverageQuery, Report, ReportKind } from '../../common/report';
import { coverageReport } from './coverage';
import { endpointReport, type ReportContext } from './endpoints';
import { errorReport } from './errors';
import { selectFlows } from './flows';
import { parseOpenApi } from './openapi-file';

export interface BuildOptions {
  profileOf?: (ip: string) => string | undefined;
  /** An already parsed document (the CLI's --openapi FILE); else `query.openapi` is parsed. */
  spec?: OpenApiRoutes;
  now?: number;
}

export function buildReport(kind: ReportKind, all: readonly FlowSummary[], query: CoverageQuery, options: BuildOptions = {}): Report {
  const spec = options.spec ?? (query.openapi ? parseOpenApi(query.openapi) : undefined);
  const context: ReportContext = { spec, profileOf: options.profileOf, now: options.now };
  switch (kind) {
    case 'endpoints':
      return endpointReport(selectFlows(all, query), context);
    case 'errors':
      return errorReport(selectFlows(all, query), context);
    case 'coverage':
      return coverageReport(all, query, context);
  }
}
