/**
 * A report as rows of cells: what the table and CSV outputs print (one row per endpoint, error group or
 * uncovered endpoint). Numbers stay numbers; times are ISO strings.
 */
import type { Report } from '../../common/report';

export type Cell = string | number | null;
export interface ReportRows {
  columns: string[];
  rows: Cell[][];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function reportRows(report: Report): ReportRows {
  switch (report.kind) {
    case 'endpoints':
      return {
        columns: ['method', 'host', 'route', 'operation', 'count', '1xx', '2xx', '3xx', '4xx', '5xx', 'failed', 'errorRate', 'p50Ms', 'p95Ms', 'maxMs', 'requestBytes', 'responseBytes', 'firstSeen', 'lastSeen', 'clients', 'profiles', 'platforms'],
        rows: report.endpoints.map((e) => [
          e.method,
          e.host,
          e.route,
          e.operation ?? null,
          e.count,
          e.statuses['1xx'],
          e.statuses['2xx'],
          e.statuses['3xx'],
          e.statuses['4xx'],
          e.statuses['5xx'],
          e.statuses.failed,
          round(e.errorRate, 4),
          e.latencyMs.p50 === null ? null : round(e.latencyMs.p50, 1),
          e.latencyMs.p95 === null ? null : round(e.latencyMs.p95, 1),
          e.latencyMs.max === null ? null : round(e.latencyMs.max, 1),
          e.requestBytes,
          e.responseBytes,
          iso(e.firstSeen),
          iso(e.lastSeen),
          e.clients.join(' '),
          e.profiles.join(' '),
          e.platforms.join(' '),
        ]),
      };
    case 'errors':
      return {
        columns: ['method', 'host', 'route', 'operation', 'status', 'error', 'count', 'firstSeen', 'lastSeen', 'examples'],
        rows: report.groups.map((g) => [g.method, g.host, g.route, g.operation ?? null, g.status, g.error ?? null, g.count, iso(g.firstSeen), iso(g.lastSeen), g.examples.join(' ')]),
      };
    case 'coverage':
      return {
        columns: ['method', 'host', 'route', 'operation', 'missingOn', 'lastSeen', 'lastRelease'],
        rows: report.uncovered.map((u) => [u.method, u.host, u.route, u.operation ?? null, u.platforms.join(' '), iso(u.lastSeen), u.lastRelease ?? null]),
      };
  }
}
