/**
 * The endpoint report over a PostgreSQL store, aggregated in the database (issue 21): paging two million
 * summaries into the process to count them was the report's whole cost. Same output as endpoints.ts over
 * the same flows.
 *
 * Route templates (and OpenAPI matches) are JavaScript (route-template.ts), so it takes two statements in one
 * snapshot: the distinct (method, host, path) of the selected flows — the path without its query, all a template
 * reads (pg-scope.ts PATH_ONLY_SQL), so query strings do not multiply the rows — templated here (O(distinct paths));
 * then the flows grouped by template in SQL, joined to that mapping, with counts by status class, bytes,
 * first/last seen, nearest-rank percentiles (percentile_disc is nearest rank, as endpoints.ts's percentile)
 * and the distinct clients and User-Agents, from which profiles and platforms are resolved here.
 *
 * Only a filter SQL decides exactly (filter-sql.ts) is aggregated here; for the rest the caller builds the
 * report from summaries as before (pgEndpointReport returns undefined).
 */
import { PLATFORMS, type Platform } from '../../common/release';
import type { EndpointReport, EndpointStats, ReportQuery, StatusShares } from '../../common/report';
import type { Endpoint } from '../../common/route-template';
import type pg from 'pg';
import type { ReportContext } from './endpoints';
import { byRoute, endpointResolver, platformResolver } from './flows';
import { addParam, inProfileScope, inSnapshot, PATH_ONLY_SQL, reportScope } from './pg-scope';

/** The status class of a row, as endpoints.ts's statusClass. */
const STATUS_CLASS = `CASE WHEN status IS NULL OR state = 'failed' THEN 'failed' WHEN status >= 500 THEN '5xx' WHEN status >= 400 THEN '4xx'
  WHEN status >= 300 THEN '3xx' WHEN status >= 200 THEN '2xx' ELSE '1xx' END`;
const CLASSES: (keyof StatusShares)[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'failed'];

interface GroupRow {
  grp: number;
  count: number;
  classes: Record<string, number>;
  p50: number | null;
  p95: number | null;
  max: number | null;
  request_bytes: number;
  response_bytes: number;
  first_seen: number;
  last_seen: number;
  clients: string[];
  agents: (string | null)[];
}

/** The endpoint report computed in the database; undefined when the filter is not exact in SQL. */
export async function pgEndpointReport(pool: pg.Pool, query: ReportQuery, context: ReportContext): Promise<EndpointReport | undefined> {
  const selected = reportScope(query);
  if (!selected) return undefined;
  return inSnapshot(pool, async (client) => {
    const { where, params } = await inProfileScope(client, selected, context.inProfile);
    const param = (v: unknown) => addParam(params, v);
    const { rows: paths } = await client.query<{ method: string; host: string; path: string }>(
      `SELECT summary->>'method' AS method, host, ${PATH_ONLY_SQL} AS path FROM flows WHERE ${where} GROUP BY 1, 2, 3`,
      params,
    );
    const endpointOf = endpointResolver(context.spec);
    const endpoints: Endpoint[] = [];
    const groupOfKey = new Map<string, number>();
    const grp = paths.map((p) => {
      const { endpoint, key } = endpointOf(p);
      let g = groupOfKey.get(key);
      if (g === undefined) {
        groupOfKey.set(key, (g = endpoints.length));
        endpoints.push(endpoint);
      }
      return g;
    });
    const m = param(paths.map((p) => p.method));
    const h = param(paths.map((p) => p.host));
    const pa = param(paths.map((p) => p.path));
    const g = param(grp);
    const { rows } = await client.query<GroupRow>(
      `WITH routes AS (SELECT * FROM unnest(${m}::text[], ${h}::text[], ${pa}::text[], ${g}::int[]) AS r(method, host, path, grp)),
        f AS (SELECT summary->>'method' AS method, host, ${PATH_ONLY_SQL} AS path, started_at, client_ip, ${STATUS_CLASS} AS class,
                (summary->>'durationMs')::float8 AS duration, (summary->>'requestSize')::float8 AS request_size,
                coalesce((summary->>'responseSize')::float8, 0) AS response_size, summary->>'userAgent' AS agent
              FROM flows WHERE ${where})
      SELECT routes.grp, count(*)::int AS count,
        jsonb_build_object(${CLASSES.map((c) => `'${c}', count(*) FILTER (WHERE class = '${c}')`).join(', ')}) AS classes,
        percentile_disc(0.5) WITHIN GROUP (ORDER BY duration) AS p50,
        percentile_disc(0.95) WITHIN GROUP (ORDER BY duration) AS p95,
        max(duration) AS max, sum(request_size) AS request_bytes, sum(response_size) AS response_bytes,
        min(started_at) AS first_seen, max(started_at) AS last_seen,
        array_agg(DISTINCT client_ip) AS clients, array_agg(DISTINCT agent) AS agents
      FROM f JOIN routes USING (method, host, path)
      GROUP BY routes.grp`,
      params,
    );
    return reportOf(rows, endpoints, context);
  });
}

function reportOf(rows: GroupRow[], endpoints: Endpoint[], context: ReportContext): EndpointReport {
  const platformOf = platformResolver();
  let flows = 0;
  const stats = rows.map((r): EndpointStats => {
    flows += r.count;
    const statuses = Object.fromEntries(CLASSES.map((c) => [c, r.classes[c]])) as unknown as StatusShares;
    const platforms = new Set<Platform>(r.agents.map((a) => platformOf(a ?? undefined)));
    const profiles = new Set<string>();
    for (const ip of r.clients) {
      const profile = context.profileOf?.(ip);
      if (profile) profiles.add(profile);
    }
    return {
      ...endpoints[r.grp],
      count: r.count,
      statuses,
      errorRate: (statuses['4xx'] + statuses['5xx'] + statuses.failed) / r.count,
      latencyMs: { p50: r.p50, p95: r.p95, max: r.max },
      requestBytes: r.request_bytes,
      responseBytes: r.response_bytes,
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
      clients: [...r.clients].sort(),
      profiles: [...profiles].sort(),
      platforms: PLATFORMS.filter((p) => platforms.has(p)),
    };
  });
  stats.sort(byRoute);
  const report: EndpointReport = { kind: 'endpoints', generatedAt: context.now ?? Date.now(), flows, endpoints: stats };
  if (context.spec) report.openapi = context.spec.title;
  return report;
}
