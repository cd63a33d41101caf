/**
 * The endpoint report: per method + route template, how often it was called, how it answered (status
 * classes, failures), how fast (p50/p95/max), how much it moved, when, and by whom.
 */
import type { FlowSummary } from '../../common/flow';
import type { OpenApiRoutes } from '../../common/openapi-routes';
import { PLATFORMS, type Platform } from '../../common/release';
import type { EndpointReport, EndpointStats, StatusShares } from '../../common/report';
import { byRoute, endpointResolver, percentile, platformResolver } from './flows';

export interface ReportContext {
  /** The OpenAPI document, when the user gave one. */
  spec?: OpenApiRoutes;
  /** The device profile a client IP belongs to. */
  profileOf?: (ip: string) => string | undefined;
  /** Set when the query names a device profile: whether a client IP is one of its clients. */
  inProfile?: (ip: string) => boolean;
  now?: number;
}

interface Accumulator {
  stats: EndpointStats;
  latencies: number[];
  clients: Set<string>;
  profiles: Set<string>;
  platforms: Set<Platform>;
}

/** The status class a flow counts in: failed when it has no response. */
export function statusClass(s: FlowSummary): keyof StatusShares {
  if (s.status === undefined || s.state === 'failed') return 'failed';
  if (s.status >= 500) return '5xx';
  if (s.status >= 400) return '4xx';
  if (s.status >= 300) return '3xx';
  if (s.status >= 200) return '2xx';
  return '1xx';
}

export function isError(s: FlowSummary): boolean {
  const c = statusClass(s);
  return c === '4xx' || c === '5xx' || c === 'failed';
}

/** `flows` are finished summaries (selectFlows). */
export function endpointReport(flows: readonly FlowSummary[], context: ReportContext = {}): EndpointReport {
  const endpointOf = endpointResolver(context.spec);
  const platformOf = platformResolver();
  const groups = new Map<string, Accumulator>();
  for (const s of flows) {
    const { endpoint, key } = endpointOf(s);
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        stats: {
          ...endpoint,
          count: 0,
          statuses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, failed: 0 },
          errorRate: 0,
          latencyMs: { p50: null, p95: null, max: null },
          requestBytes: 0,
          responseBytes: 0,
          firstSeen: s.startedAt,
          lastSeen: s.startedAt,
          clients: [],
          profiles: [],
          platforms: [],
        },
        latencies: [],
        clients: new Set(),
        profiles: new Set(),
        platforms: new Set(),
      };
      groups.set(key, acc);
    }
    const { stats } = acc;
    stats.count++;
    stats.statuses[statusClass(s)]++;
    if (s.durationMs !== undefined) acc.latencies.push(s.durationMs);
    stats.requestBytes += s.requestSize;
    stats.responseBytes += s.responseSize ?? 0;
    if (s.startedAt < stats.firstSeen) stats.firstSeen = s.startedAt;
    if (s.startedAt > stats.lastSeen) stats.lastSeen = s.startedAt;
    acc.clients.add(s.clientIp);
    acc.platforms.add(platformOf(s.userAgent));
    const profile = context.profileOf?.(s.clientIp);
    if (profile) acc.profiles.add(profile);
  }
  const endpoints = [...groups.values()].map(({ stats, latencies, clients, profiles, platforms }) => {
    latencies.sort((a, b) => a - b);
    stats.latencyMs = { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.length ? latencies[latencies.length - 1] : null };
    stats.errorRate = (stats.statuses['4xx'] + stats.statuses['5xx'] + stats.statuses.failed) / stats.count;
    stats.clients = [...clients].sort();
    stats.profiles = [...profiles].sort();
    stats.platforms = PLATFORMS.filter((p) => platforms.has(p));
    return stats;
  });
  endpoints.sort(byRoute);
  const report: EndpointReport = { kind: 'endpoints', generatedAt: context.now ?? Date.now(), flows: flows.length, endpoints };
  if (context.spec) report.openapi = context.spec.title;
  return report;
}
