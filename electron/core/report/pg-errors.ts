/**
 * The error report over a PostgreSQL store, aggregated in the database (issues 20 and 21): the same report
 * as errors.ts over the same flows, without paging every summary into the process.
 *
 * Everything a group holds merges across its parts — counts add, first and last seen are a min and a max,
 * a group's newest few flows are among its parts' newest few, its newest error message is its parts' newest
 * — so one statement groups the error flows by (method, host, path, status) in SQL with those figures, and
 * the parts are merged here by route template (endpointResolver, as errors.ts): O(distinct paths), never
 * O(flows). A second statement in the same snapshot counts the flows the report read.
 *
 * Only a filter SQL decides exactly (filter-sql.ts) is aggregated here; for the rest the caller builds the
 * report from summaries (pgErrorReport returns undefined).
 */
import type pg from 'pg';
import type { ErrorGroup, ErrorReport, ReportQuery } from '../../common/report';
import type { Endpoint } from '../../common/route-template';
import type { ReportContext } from './endpoints';
import { byErrorCount, ERROR_EXAMPLES } from './errors';
import { endpointResolver } from './flows';
import { byTime, inProfileScope, inSnapshot, PATH_ONLY_SQL, reportScope } from './pg-scope';

/** A flow's place in time order (flow-order.ts), then what the report keeps of it. */
type Timed<T> = [startedAt: number, seq: number, value: T];

/** isError: a 4xx, a 5xx, or no response. */
const IS_ERROR = `(status IS NULL OR state = 'failed' OR status >= 400)`;

/** The error flows of one (method, host, path, status). */
interface PartRow {
  method: string;
  host: string;
  path: string;
  /** null: failed exchanges. */
  status: number | null;
  count: number;
  last_seen: number;
  /** The part's oldest flow: its endpoint names the group when the part is the group's oldest. */
  first: [startedAt: number, seq: number];
  /** The part's newest ERROR_EXAMPLES flow ids, newest first. */
  newest: Timed<string>[];
  /** The part's newest non-empty error message. */
  error: Timed<string> | null;
}

interface Merged {
  endpoint: Endpoint;
  status: number | null;
  count: number;
  first: [number, number];
  lastSeen: number;
  newest: Timed<string>[];
  error?: Timed<string>;
}

const PARTS_SQL = (where: string) => `
  SELECT summary->>'method' AS method, host, ${PATH_ONLY_SQL} AS path, CASE WHEN state = 'failed' THEN NULL ELSE status END AS status,
    count(*)::int AS count, max(started_at) AS last_seen, to_jsonb(min(ARRAY[started_at, seq])) AS first,
    (array_agg(jsonb_build_array(started_at, seq, id) ORDER BY started_at DESC, seq DESC))[1:${ERROR_EXAMPLES}] AS newest,
    (array_agg(jsonb_build_array(started_at, seq, summary->>'error') ORDER BY started_at DESC, seq DESC)
      FILTER (WHERE summary->>'error' <> ''))[1] AS error
  FROM flows WHERE ${where} AND ${IS_ERROR}
  GROUP BY 1, 2, 3, 4`;

/** The error report computed in the database; undefined when the filter is not exact in SQL. */
export async function pgErrorReport(pool: pg.Pool, query: ReportQuery, context: ReportContext): Promise<ErrorReport | undefined> {
  const selected = reportScope(query);
  if (!selected) return undefined;
  return inSnapshot(pool, async (client) => {
    const { where, params } = await inProfileScope(client, selected, context.inProfile);
    const counted = await client.query<{ flows: number }>(`SELECT count(*)::int AS flows FROM flows WHERE ${where}`, params);
    const { rows } = await client.query<PartRow>(PARTS_SQL(where), params);
    return reportOf(counted.rows[0].flows, rows, context);
  });
}

/** The newest ERROR_EXAMPLES, newest first. */
function newestOf(flows: Timed<string>[]): Timed<string>[] {
  return flows.sort((a, b) => byTime(b, a)).slice(0, ERROR_EXAMPLES);
}

function reportOf(flows: number, parts: readonly PartRow[], context: ReportContext): ErrorReport {
  const endpointOf = endpointResolver(context.spec);
  const merged = new Map<string, Merged>();
  let errors = 0;
  for (const part of parts) {
    errors += part.count;
    const { endpoint, key } = endpointOf(part);
    const groupKey = `${key} ${part.status ?? 'failed'}`;
    const m = merged.get(groupKey);
    if (!m) {
      merged.set(groupKey, { endpoint, status: part.status, count: part.count, first: part.first, lastSeen: part.last_seen, newest: [...part.newest], error: part.error ?? undefined });
      continue;
    }
    m.count += part.count;
    // errors.ts names a group after its oldest flow's endpoint.
    if (byTime(part.first, m.first) < 0) {
      m.first = part.first;
      m.endpoint = endpoint;
    }
    if (part.last_seen > m.lastSeen) m.lastSeen = part.last_seen;
    m.newest = newestOf([...m.newest, ...part.newest]);
    if (part.error && (!m.error || byTime(part.error, m.error) > 0)) m.error = part.error;
  }
  const groups = [...merged.values()].map((m): ErrorGroup => {
    const examples = m.newest.map(([, , id]) => id);
    const group: ErrorGroup = { ...m.endpoint, status: m.status, count: m.count, firstSeen: m.first[0], lastSeen: m.lastSeen, examples };
    if (m.error) group.error = m.error[2];
    return group;
  });
  groups.sort(byErrorCount);
  const report: ErrorReport = { kind: 'errors', generatedAt: context.now ?? Date.now(), flows, errors, groups };
  if (context.spec) report.openapi = context.spec.title;
  return report;
}
