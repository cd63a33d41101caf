/**
 * `flows.query` in the database: the filter compiled to SQL (filter-sql.ts), pages newest first in time order
 * (startedAt, then seq: electron/common/flow-order.ts) with the cursor as a row comparison on the time index.
 *
 * When the SQL is exact, the page and the count are the database's, asked at once on two connections. The
 * page comes from an index in a few milliseconds whatever the store's size; the count visits every matching
 * row, so it stops at MATCH_COUNT_CAP (visiting at most that many rows, a bound that holds at any size) and
 * then says so (`matchedCapped`: the UI shows "10,000+", never a wrong number). When it is only a prefilter (a regex, a wildcard), the
 * newest SCAN_BOUND flows passing it are read in chunks and the compiled predicate decides: the page and the
 * count then cover those flows only.
 */
import type { FlowPage, FlowQuery } from '../../../common/api';
import { compileFilterQuery, parseFilter, type CompiledFilter } from '../../../common/filter';
import type { FlowSummary } from '../../../common/flow';
import { withCursor } from '../summaries';
import { filterToSql } from './filter-sql';
import type { Queryable } from './pg-db';
import { messageFilterPage } from '../message-filter';
import type { MessageLogStoreLike } from '../types';

const DEFAULT_PAGE = 200;
const MAX_PAGE = 5_000;
/** Flows a filter that SQL cannot decide alone reads at most per query. */
export const SCAN_BOUND = 50_000;
const SCAN_CHUNK = 2_000;
/** Matching flows counted at most; when more match, `matched` is this number and `matchedCapped` is set. */
export const MATCH_COUNT_CAP = 10_000;

interface Cursor {
  startedAt?: number;
  seq: number;
}

export async function queryFlows(db: Queryable, q: FlowQuery, total: number, messages: Pick<MessageLogStoreLike, 'read'>): Promise<FlowPage> {
  const text = q.filter?.trim() ?? '';
  // Both throw FilterError on a bad expression, before anything is asked of the database.
  const compiled = text ? compileFilterQuery(text) : undefined;
  const match = compiled?.test;
  const filter = filterToSql(text ? parseFilter(text) : { type: 'all' });
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(q.limit ?? DEFAULT_PAGE)));
  const cursor = q.before === undefined ? undefined : await cursorOf(db, q.before, q.beforeTime);
  if (compiled?.messageTerms.length) return messagePage(db, filter.where, filter.params, compiled, messages, cursor, limit, total);
  if (filter.exact || !match) return exactPage(db, filter.where, filter.params, cursor, limit, total);
  return scannedPage(db, filter.where, filter.params, match, cursor, limit, total);
}

/**
 * `msg:` (message-filter.ts): the SQL prefilter (with its EXISTS over the messages table) lists candidates in
 * chunks, newest first, at most SCAN_BOUND of them; reading the candidates' messages decides.
 */
async function messagePage(
  db: Queryable,
  where: string,
  whereParams: unknown[],
  filter: CompiledFilter,
  messages: Pick<MessageLogStoreLike, 'read'>,
  cursor: Cursor | undefined,
  limit: number,
  total: number,
): Promise<FlowPage> {
  const listed = { count: 0, last: undefined as FlowSummary | undefined, exhausted: false };
  async function* candidates(): AsyncGenerator<FlowSummary> {
    let from = cursor;
    while (listed.count < SCAN_BOUND) {
      const params = [...whereParams];
      const after = cursorSql(from, params);
      params.push(Math.min(SCAN_CHUNK, SCAN_BOUND - listed.count));
      const { rows } = await db.query<{ summary: FlowSummary }>(
        `SELECT summary FROM flows WHERE (${where}) AND ${after} ORDER BY started_at DESC, seq DESC LIMIT $${params.length}`,
        params,
      );
      for (const { summary } of rows) {
        listed.count++;
        listed.last = summary;
        yield summary;
      }
      if (rows.length < SCAN_CHUNK) {
        listed.exhausted = true;
        return;
      }
      from = { seq: listed.last!.seq, startedAt: listed.last!.startedAt };
    }
  }
  const page = await messageFilterPage(candidates(), filter, messages, limit, total);
  // The candidate list itself stopped at its bound: the scan is bounded there too, and continues after it.
  if (!listed.exhausted && listed.count >= SCAN_BOUND && page.nextCursor === undefined && listed.last) {
    page.messageScan!.bounded = true;
    page.nextCursor = listed.last.seq;
    page.nextCursorTime = listed.last.startedAt;
  }
  return page;
}

/** A cursor without its time is looked up by seq; when that flow is gone, seq alone decides. */
async function cursorOf(db: Queryable, seq: number, startedAt: number | undefined): Promise<Cursor> {
  if (startedAt !== undefined) return { seq, startedAt };
  const { rows } = await db.query<{ started_at: number }>('SELECT started_at FROM flows WHERE seq = $1 LIMIT 1', [seq]);
  return rows.length ? { seq, startedAt: rows[0].started_at } : { seq };
}

function cursorSql(cursor: Cursor | undefined, params: unknown[]): string {
  if (!cursor) return 'TRUE';
  params.push(cursor.seq);
  const seq = `$${params.length}`;
  if (cursor.startedAt === undefined) return `seq < ${seq}`;
  params.push(cursor.startedAt);
  return `(started_at, seq) < ($${params.length}, ${seq})`;
}

async function exactPage(db: Queryable, where: string, whereParams: unknown[], cursor: Cursor | undefined, limit: number, total: number): Promise<FlowPage> {
  const params = [...whereParams];
  const after = cursorSql(cursor, params);
  params.push(limit + 1);
  const [{ rows }, counted] = await Promise.all([
    db.query<{ summary: FlowSummary }>(`SELECT summary FROM flows WHERE (${where}) AND ${after} ORDER BY started_at DESC, seq DESC LIMIT $${params.length}`, params),
    where === 'TRUE' ? undefined : db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM flows WHERE ${where} LIMIT ${MATCH_COUNT_CAP + 1}) AS m`, whereParams),
  ]);
  const flows = rows.slice(0, limit).map((r) => r.summary);
  const page: FlowPage = { flows, matched: total, total };
  if (counted) {
    const n = counted.rows[0].n;
    page.matched = Math.min(n, MATCH_COUNT_CAP);
    if (n > MATCH_COUNT_CAP) page.matchedCapped = true;
  }
  return withCursor(page, rows.length > limit);
}

async function scannedPage(
  db: Queryable,
  where: string,
  whereParams: unknown[],
  match: (s: FlowSummary) => boolean,
  cursor: Cursor | undefined,
  limit: number,
  total: number,
): Promise<FlowPage> {
  const flows: FlowSummary[] = [];
  let matched = 0;
  let more = false;
  let scanned = 0;
  let from: Cursor | undefined;
  const listed = (s: FlowSummary) =>
    !cursor || (cursor.startedAt === undefined ? s.seq < cursor.seq : s.startedAt < cursor.startedAt || (s.startedAt === cursor.startedAt && s.seq < cursor.seq));
  while (scanned < SCAN_BOUND) {
    const params = [...whereParams];
    const after = cursorSql(from, params);
    params.push(Math.min(SCAN_CHUNK, SCAN_BOUND - scanned));
    const { rows } = await db.query<{ summary: FlowSummary }>(
      `SELECT summary FROM flows WHERE (${where}) AND ${after} ORDER BY started_at DESC, seq DESC LIMIT $${params.length}`,
      params,
    );
    for (const { summary: s } of rows) {
      if (!match(s)) continue;
      matched++;
      if (!listed(s)) continue;
      if (flows.length < limit) flows.push(s);
      else more = true;
    }
    scanned += rows.length;
    if (rows.length < SCAN_CHUNK) break;
    const last = rows[rows.length - 1].summary;
    from = { seq: last.seq, startedAt: last.startedAt };
  }
  return withCursor({ flows, matched, total }, more);
}
