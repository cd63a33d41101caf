/**
 * What every report starts from: the finished flows (completed or failed) of a query, as stored summaries,
 * and the endpoint each belongs to. Live and paused flows are left out: they have no outcome yet.
 */
import { compileFilterQuery } from '../../common/filter';
import type { FlowSummary } from '../../common/flow';
import type { OpenApiRoutes } from '../../common/openapi-routes';
import type { ReportQuery } from '../../common/report';
import { platformOf, type Platform } from '../../common/release';
import { endpointKey, pathOnly, templatePath, type Endpoint } from '../../common/route-template';

/** A question a report cannot answer as asked (an unknown release or profile, an OpenAPI baseline without a document). */
export class ReportQueryError extends Error {
  override name = 'ReportQueryError';
}

export function isFinished(s: FlowSummary): boolean {
  return s.state === 'completed' || s.state === 'failed';
}

/**
 * The finished flows among `all` matching the query's filter and time window, oldest first; `inProfile`
 * (the query's device profile, resolved by the caller) keeps only its clients' flows.
 */
export function selectFlows(all: readonly FlowSummary[], query: ReportQuery, inProfile?: (ip: string) => boolean): FlowSummary[] {
  const compiled = compileFilterQuery(query.filter ?? '');
  // Reports read summaries only; text inside messages would need every log read (docs/FILTERS.md, msg:).
  if (compiled.messageTerms.length > 0) throw new ReportQueryError(`reports cannot filter on text inside messages (${compiled.messageTerms[0].source}); leave msg: out of the filter`);
  const match = compiled.test;
  const since = query.since ?? -Infinity;
  const until = query.until ?? Infinity;
  return all.filter((s) => isFinished(s) && s.startedAt >= since && s.startedAt < until && match(s) && (!inProfile || inProfile(s.clientIp)));
}

/** An endpoint with its grouping key (endpointKey), computed once per distinct request path. */
export interface ResolvedEndpoint {
  endpoint: Endpoint;
  key: string;
}

/**
 * The endpoint of each flow: the OpenAPI document's path and operation when one matches, else the guessed
 * template. Memoised per path, host and method in nested maps rather than under one concatenated key: the
 * summaries' own strings are looked up, and V8 keeps a string's hash once computed, so a hit costs three
 * lookups and no new string (a joined key was most of a report's time over 60,000 flows).
 */
export function endpointResolver(spec?: OpenApiRoutes): (s: Pick<FlowSummary, 'method' | 'host' | 'path'>) => ResolvedEndpoint {
  const cache = new Map<string, Map<string, Map<string, ResolvedEndpoint>>>();
  return (s) => {
    let byHost = cache.get(s.path);
    if (!byHost) cache.set(s.path, (byHost = new Map()));
    let byMethod = byHost.get(s.host);
    if (!byMethod) byHost.set(s.host, (byMethod = new Map()));
    let resolved = byMethod.get(s.method);
    if (!resolved) {
      const path = pathOnly(s.path);
      const documented = spec?.match(s.method, path);
      const endpoint: Endpoint = documented
        ? { method: s.method, host: s.host, route: documented.route, ...(documented.operation ? { operation: documented.operation } : {}) }
        : { method: s.method, host: s.host, route: templatePath(path) };
      resolved = { endpoint, key: endpointKey(endpoint) };
      byMethod.set(s.method, resolved);
    }
    return resolved;
  };
}

/** platformOf, memoised: a capture holds few distinct User-Agents. */
export function platformResolver(): (userAgent: string | undefined) => Platform {
  const cache = new Map<string | undefined, Platform>();
  return (userAgent) => {
    let platform = cache.get(userAgent);
    if (platform === undefined) cache.set(userAgent, (platform = platformOf(userAgent)));
    return platform;
  };
}

/** Nearest-rank percentile of ascending numbers; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Code-unit order: stable across machines and locales, and far cheaper than localeCompare over thousands of rows. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders endpoints for display: host, route, then method. */
export function byRoute(a: Pick<Endpoint, 'method' | 'host' | 'route'>, b: Pick<Endpoint, 'method' | 'host' | 'route'>): number {
  return compareText(a.host, b.host) || compareText(a.route, b.route) || compareText(a.method, b.method);
}
