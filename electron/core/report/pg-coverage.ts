/**
 * The coverage report over a PostgreSQL store, aggregated in the database (issues 20 and 21): the same report
 * as coverage.ts over the same flows, without paging every summary into the process.
 *
 * A flow's release (the user's regex over its User-Agent or a version header) and platform (platformOf) are
 * JavaScript, and a capture holds few distinct User-Agents and version headers. So the first statement lists
 * those sources with the oldest flow of each, and each gets its platform, release and side (target, baseline
 * or neither) here; the releases are ordered by when they first appear, then by version, as coverage.ts does.
 * The second statement joins the flows to that list and groups them by (method, host, path, side, platform)
 * with counts, last seen and the newest release, and those groups are templated and tallied here with
 * coverage.ts's own tallyTarget / tallyBaseline — O(distinct paths), never O(flows). Without a release
 * pattern the side is the query's condition itself: its flows are the target, every other finished flow
 * the baseline.
 *
 * Only a filter SQL decides exactly (filter-sql.ts) is aggregated here; for the rest the caller builds the
 * report from summaries (pgCoverageReport returns undefined).
 */
import type pg from 'pg';
import { parseReleasePattern, PLATFORMS, releaseOf, type ReleasePattern } from '../../common/release';
import type { CoverageQuery, CoverageReport } from '../../common/report';
import {
  baselineKindOf,
  checkReleaseWithoutPattern,
  coverageOf,
  emptyTally,
  planReleases,
  tallyBaseline,
  tallyTarget,
  type BaselineKind,
  type ReleasePlan,
} from './coverage';
import type { ReportContext } from './endpoints';
import { endpointResolver, platformResolver } from './flows';
import { addParam, byTime, FINISHED_SQL, inProfileScope, inSnapshot, PATH_ONLY_SQL, reportScope, type SqlCondition } from './pg-scope';

const TARGET = 0;
const BASELINE = 1;

/** A distinct User-Agent (and version headers, for a header: pattern) among the flows read. */
interface SourceRow {
  agent: string | null;
  headers: [string, string][] | null;
  /** [startedAt, seq] of the oldest flow sending it. */
  first: [number, number];
}

/** A source as the second statement joins it: its platform, side and release (index in version order). */
interface SourceClass {
  source: SourceRow;
  platform: number;
  side: number;
  release: number | null;
}

interface GroupRow {
  method: string;
  host: string;
  path: string;
  side: number;
  platform: number;
  count: number;
  last_seen: number;
  last_release: number | null;
  first: [number, number];
}

/** The coverage report computed in the database; undefined when the filter is not exact in SQL. */
export async function pgCoverageReport(pool: pg.Pool, query: CoverageQuery, context: ReportContext): Promise<CoverageReport | undefined> {
  // The same errors, in the same order, as coverage.ts.
  const kind = baselineKindOf(query, context.spec);
  const selected = reportScope(query);
  if (!selected) return undefined;
  const pattern = query.releaseFrom ? parseReleasePattern(query.releaseFrom) : undefined;
  if (!pattern) checkReleaseWithoutPattern(query);
  return inSnapshot(pool, async (client) => {
    const scope = await inProfileScope(client, selected, context.inProfile);
    // With a release pattern both sides lie inside the query; without one the baseline is every other
    // finished flow (none for an OpenAPI baseline, which comes from the document).
    const readAll = !pattern && kind !== 'openapi';
    const read: SqlCondition = readAll ? { where: FINISHED_SQL, params: [] } : scope;
    const withHeaders = pattern?.from === 'header';
    const { rows: sources } = await client.query<SourceRow>(
      `SELECT summary->>'userAgent' AS agent, ${withHeaders ? `summary->'versionHeaders'` : 'NULL::jsonb'} AS headers,
         to_jsonb(min(ARRAY[started_at, seq])) AS first
       FROM flows WHERE ${read.where} GROUP BY 1, 2`,
      read.params,
    );
    const { plan, classes } = classify(sources, pattern, query, kind);

    const params = [...scope.params];
    const list = (values: unknown[], type: string) => `${addParam(params, values)}::${type}[]`;
    const side = pattern ? 'c.side' : readAll ? `CASE WHEN ${scope.where} THEN ${TARGET} ELSE ${BASELINE} END` : `${TARGET}`;
    const { rows: groups } = await client.query<GroupRow>(
      `WITH c AS (
         SELECT * FROM unnest(${list(classes.map((c) => c.source.agent ?? ''), 'text')}, ${list(classes.map((c) => c.source.agent === null), 'boolean')},
           ${list(classes.map((c) => JSON.stringify(c.source.headers)), 'jsonb')}, ${list(classes.map((c) => c.side), 'int')},
           ${list(classes.map((c) => c.platform), 'int')}, ${list(classes.map((c) => c.release), 'int')})
         AS c(agent, no_agent, headers, side, platform, rel))
       SELECT summary->>'method' AS method, host, ${PATH_ONLY_SQL} AS path, ${side} AS side, c.platform, count(*)::int AS count,
         max(started_at) AS last_seen, max(c.rel) AS last_release, to_jsonb(min(ARRAY[started_at, seq])) AS first
       FROM flows JOIN c ON coalesce(summary->>'userAgent', '') = c.agent AND (summary->>'userAgent' IS NULL) = c.no_agent
         ${withHeaders ? `AND coalesce(summary->'versionHeaders', 'null'::jsonb) = c.headers` : ''}
       WHERE ${read.where}
       GROUP BY 1, 2, 3, 4, 5`,
      params,
    );
    return coverageOf(tallied(groups, plan, kind, context), plan, query, context);
  });
}

/**
 * Each source's platform and, with a release pattern, its release and side; sources of no release of the
 * comparison are left out (their flows are in neither side). Throws as coverage.ts for an unseen release.
 */
function classify(sources: SourceRow[], pattern: ReleasePattern | undefined, query: CoverageQuery, kind: BaselineKind): { plan?: ReleasePlan; classes: SourceClass[] } {
  const platformOf = platformResolver();
  const platform = (s: SourceRow) => PLATFORMS.indexOf(platformOf(s.agent ?? undefined));
  if (!pattern) return { classes: sources.map((source) => ({ source, platform: platform(source), side: TARGET, release: null })) };
  // Oldest first, so the releases are seen in the order coverage.ts meets them.
  sources.sort((a, b) => byTime(a.first, b.first));
  const releaseOfSource = sources.map((s) => releaseOf({ userAgent: s.agent ?? undefined, versionHeaders: s.headers ?? undefined }, pattern));
  const seen = new Set<string>();
  for (const release of releaseOfSource) if (release !== undefined) seen.add(release);
  const plan = planReleases(seen, pattern, query, kind);
  const order = new Map(plan.releases.map((r, i) => [r, i]));
  const baseline = new Set(plan.baseline);
  const classes: SourceClass[] = [];
  sources.forEach((source, i) => {
    const release = releaseOfSource[i];
    if (release === undefined) return;
    const side = release === plan.target ? TARGET : baseline.has(release) ? BASELINE : undefined;
    if (side !== undefined) classes.push({ source, platform: platform(source), side, release: order.get(release)! });
  });
  return { plan, classes };
}

/** The groups counted as coverage.ts counts flows; baseline groups oldest first, as its flows come. */
function tallied(groups: GroupRow[], plan: ReleasePlan | undefined, kind: BaselineKind, context: ReportContext) {
  const endpointOf = endpointResolver(context.spec);
  const tally = emptyTally(kind, plan);
  groups.sort((a, b) => byTime(a.first, b.first));
  for (const g of groups) {
    const platform = PLATFORMS[g.platform];
    if (g.side === TARGET) {
      tally.targetFlows += g.count;
      tallyTarget(tally, endpointOf(g), platform);
    } else {
      tally.baselineFlows += g.count;
      tallyBaseline(tally, endpointOf(g), platform, g.last_seen, g.last_release === null ? undefined : plan!.releases[g.last_release]);
    }
  }
  return tally;
}
