/**
 * What the reports computed in PostgreSQL share (pg-endpoints.ts, pg-errors.ts, pg-coverage.ts): the flows a
 * report query selects, as one SQL condition over `flows` — the same flows selectFlows (flows.ts) picks from
 * summaries — and one read-only snapshot for a report's statements.
 */
import type pg from 'pg';
import { compileFilterQuery, parseFilter } from '../../common/filter';
import type { ReportQuery } from '../../common/report';
import { filterToSql } from '../store/pg/filter-sql';
import { inTransaction, type Queryable } from '../store/pg/pg-db';
import { ReportQueryError } from './flows';

/** A boolean SQL expression over `flows` and the values of its $n placeholders. */
export interface SqlCondition {
  where: string;
  params: unknown[];
}

/** Finished flows (completed or failed), as isFinished: live and paused ones have no outcome yet. */
export const FINISHED_SQL = `state IN ('completed', 'failed')`;

/**
 * A flow's path without its query or fragment: all that route templates and OpenAPI matches read (pathOnly,
 * route-template.ts), so grouping by it gives JS one row per path, not one per query string.
 */
export const PATH_ONLY_SQL = `split_part(split_part(path, '?', 1), '#', 1)`;

/** Appends a value to `params`; its placeholder. */
export function addParam(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/**
 * The finished flows matching the query's filter and time window, or undefined when SQL cannot decide the
 * filter exactly (a regex: the caller reads summaries instead). Throws as selectFlows does: FilterError for
 * a bad filter, ReportQueryError for terms on message text.
 */
export function reportScope(query: ReportQuery): SqlCondition | undefined {
  const text = query.filter?.trim() ?? '';
  const compiled = compileFilterQuery(text);
  if (compiled.messageTerms.length > 0) throw new ReportQueryError(`reports cannot filter on text inside messages (${compiled.messageTerms[0].source}); leave msg: out of the filter`);
  const filter = filterToSql(text ? parseFilter(text) : { type: 'all' });
  if (!filter.exact) return undefined;
  const params = [...filter.params];
  let where = `(${filter.where}) AND ${FINISHED_SQL}`;
  if (query.since !== undefined) where += ` AND started_at >= ${addParam(params, query.since)}`;
  if (query.until !== undefined) where += ` AND started_at < ${addParam(params, query.until)}`;
  return { where, params };
}

/**
 * `scope` kept to a device profile's clients: profiles are IP ranges tested in JS, so the distinct client
 * addresses in scope are read and the matching ones become `client_ip = ANY(…)`.
 */
export async function inProfileScope(db: Queryable, scope: SqlCondition, inProfile: ((ip: string) => boolean) | undefined): Promise<SqlCondition> {
  if (!inProfile) return scope;
  const { rows } = await db.query<{ ip: string }>(`SELECT DISTINCT client_ip AS ip FROM flows WHERE ${scope.where}`, scope.params);
  const params = [...scope.params];
  const clients = addParam(params, rows.map((r) => r.ip).filter(inProfile));
  return { where: `${scope.where} AND client_ip = ANY(${clients}::text[])`, params };
}

/** `work` in one read-only snapshot: flows written meanwhile are in every statement of a report or in none. */
export function inSnapshot<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work);
}

/** Time order (compareByTime, flow-order.ts) of [startedAt, seq, …] tuples read from SQL: older first. */
export function byTime(a: readonly [number, number, ...unknown[]], b: readonly [number, number, ...unknown[]]): number {
  return a[0] - b[0] || a[1] - b[1];
}
