/**
 * What a node missed while its LISTEN connection was down (the database restarted, the network blipped):
 * every flow write takes a revision from one database sequence (`flows.rev`, schema migration 4), and a node
 * remembers the highest revision it has seen. When LISTEN runs again it reads the flows whose revision is
 * higher, in pages, and hands them on as adds (first written after that revision) or updates, so a UI on
 * that node shows other nodes' flows without a reload.
 *
 * Limits: removals (deletes, trims, clears) made by other nodes meanwhile leave no row to find; they show
 * after a reload. Two transactions commit in the order they finish, not the order they took revisions, so a
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
  /** The highest revision read (the new watermark). */
  rev: number;
  /** Revision of each flow handed on, so a notification for the same write that arrives after is skipped. */
  revs: Map<string, number>;
  /** More flows changed than MAX_CATCH_UP. */
  truncated: boolean;
}

/** The highest revision stored, where a node starts watching from. */
export async function latestRev(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ rev: number | null }>('SELECT max(rev) AS rev FROM flows');
  return rows[0]?.rev ?? 0;
}

/**
 * The flows written after revision `since`, oldest revision first; `skip(id, rev)` leaves out this node's
 * own writes (it fired their events itself).
 */
export async function flowsSince(db: Queryable, since: number, skip: (id: string, rev: number) => boolean): Promise<CaughtUp> {
  const out: CaughtUp = { added: [], updated: [], rev: since, revs: new Map(), truncated: false };
  let read = 0;
  for (;;) {
    const { rows } = await db.query<{ summary: FlowSummary; rev: number; added: boolean }>(
      'SELECT summary, rev, coalesce(added_rev > $1, false) AS added FROM flows WHERE rev > $2 ORDER BY rev LIMIT $3',
      [since, out.rev, PAGE],
    );
    for (const r of rows) {
      out.rev = r.rev;
      if (skip(r.summary.id, r.rev)) continue;
      (r.added ? out.added : out.updated).push(r.summary);
      out.revs.set(r.summary.id, r.rev);
    }
    read += rows.length;
    if (rows.length < PAGE) return out;
    if (read >= MAX_CATCH_UP) {
      out.truncated = true;
      return out;
    }
  }
}
