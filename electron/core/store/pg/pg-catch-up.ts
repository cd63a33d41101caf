/**
 * What a node missed while its LISTEN connection was down (the database restarted, the network blipped):
 * every flow write takes a revision from one database sequence (`flows.rev`, schema migration 4), and a node
 * remembers the highest revision it has seen. When LISTEN runs again it reads the flows whose revision is
 * higher, in pages, and hands them on as adds (first written after that revision) or updates, so a UI on
 * that node shows other nodes' flows without a reload.
 *
 * Removals (deletes, trims, clears) take revisions from the same sequence into `flow_removals` (schema
 * migration 7), so they are caught up too and handed on as removals. Those records are kept a day
 * (pg-retention.ts): a node that was cut off longer misses older removals until a reload.
 *
 * Limits: two transactions commit in the order they finish, not the order they took revisions, so a
 * write whose transaction was still open when a later one's notification arrived and the connection dropped
 * in between could be missed; such a window is one flush (milliseconds) wide.
 */
import type { FlowSummary } from '../../../common/flow';
import type { Queryable } from './pg-db';

/** Rows per catch-up query. */
const PAGE = 2_000;
/** At most this many flows are caught up; past it the node says a reload shows the rest. */
export const MAX_CATCH_UP = 50_000;

export interface CaughtUp {
  added: FlowSummary[];
  updated: FlowSummary[];
  /** Ids of flows removed (after the adds and updates: a flow added then removed meanwhile ends removed). */
  removed: string[];
  /** The highest revision read (the new watermark). */
  rev: number;
  /** Revision of each flow handed on, so a notification for the same write that arrives after is skipped. */
  revs: Map<string, number>;
  /** More flows changed than MAX_CATCH_UP. */
  truncated: boolean;
}

/** The highest revision stored, where a node starts watching from. */
export async function latestRev(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ rev: number | null }>('SELECT greatest((SELECT max(rev) FROM flows), (SELECT max(rev) FROM flow_removals)) AS rev');
  return rows[0]?.rev ?? 0;
}

/**
 * The flows written and removed after revision `since`, oldest revision first; `skip(id, rev)` leaves out
 * this node's own changes (it fired their events itself).
 */
export async function flowsSince(db: Queryable, since: number, skip: (id: string, rev: number) => boolean): Promise<CaughtUp> {
  const out: CaughtUp = { added: [], updated: [], removed: [], rev: since, revs: new Map(), truncated: false };
  let read = 0;
  let writesRev = since;
  for (;;) {
    const { rows } = await db.query<{ summary: FlowSummary; rev: number; added: boolean }>(
      'SELECT summary, rev, coalesce(added_rev > $1, false) AS added FROM flows WHERE rev > $2 ORDER BY rev LIMIT $3',
      [since, writesRev, PAGE],
    );
    for (const r of rows) {
      writesRev = r.rev;
      if (skip(r.summary.id, r.rev)) continue;
      (r.added ? out.added : out.updated).push(r.summary);
      out.revs.set(r.summary.id, r.rev);
    }
    read += rows.length;
    if (rows.length < PAGE) break;
    if (read >= MAX_CATCH_UP) {
      out.truncated = true;
      break;
    }
  }
  let removalsRev = since;
  while (!out.truncated) {
    const { rows } = await db.query<{ id: string; rev: number }>('SELECT id, rev FROM flow_removals WHERE rev > $1 ORDER BY rev LIMIT $2', [removalsRev, PAGE]);
    for (const r of rows) {
      removalsRev = Number(r.rev);
      if (!skip(r.id, removalsRev)) out.removed.push(r.id);
    }
    read += rows.length;
    if (rows.length < PAGE) break;
    if (read >= MAX_CATCH_UP) out.truncated = true;
  }
  out.rev = Math.max(writesRev, removalsRev);
  return out;
}
