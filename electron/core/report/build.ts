/**
 * One entry for every report kind, used by the API handlers and the CLI alike: the OpenAPI text parsed,
 * the flows selected, the report computed. Problems with the question (a bad filter, document, release
 * pattern or release) throw ReportQueryError or FilterError with a message for the user.
 */
import type { FlowSummary } from '../../common/flow';
import type { OpenApiRoutes } from '../../common/openapi-routes';
import type { CoverageQuery, Report, ReportKind } from '../../common/report';
import type { DeviceProfile } from '../../common/rule';
import { coverageReport } from './coverage';
import { endpointReport, type ReportContext } from './endpoints';
import { errorReport } from './errors';
import { selectFlows } from './flows';
import { profileMembers, profileResolver } from './source';
import { parseOpenApi } from './openapi-file';

export interface BuildOptions {
  /** Device profiles: named in the report, and the query's `profile` picks one. */
  profiles?: readonly DeviceProfile[];
  /** An already parsed document (the CLI's --openapi FILE); else `query.openapi` is parsed. */
  spec?: OpenApiRoutes;
  now?: number;
}

/** The document parsed and the profiles resolved, as every report kind (and pg-endpoints.ts) uses them. */
export function reportContext(query: CoverageQuery, options: BuildOptions = {}): ReportContext {
  const spec = options.spec ?? (query.openapi ? parseOpenApi(query.openapi) : undefined);
  const profiles = options.profiles ?? [];
  const context: ReportContext = { spec, profileOf: profileResolver(profiles), now: options.now };
  if (query.profile !== undefined) context.inProfile = profileMembers(profiles, query.profile);
  return context;
}

export function buildReport(kind: ReportKind, all: readonly FlowSummary[], query: CoverageQuery, options: BuildOptions = {}): Report {
  const context = reportContext(query, options);
  switch (kind) {
    case 'endpoints':
      return endpointReport(selectFlows(all, query, context.inProfile), context);
    case 'errors':
      return errorReport(selectFlows(all, query, context.inProfile), context);
    case 'coverage':
      return coverageReport(all, query, context);
  }
}
