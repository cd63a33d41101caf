/**
 * Which of the pending flows a background flush writes now (pg-store.ts). An exchange still under way that
 * started moments ago waits for a later flush: nearly every exchange ends within HOLD_LIVE_MS, and is then
 * written once, finished, instead of inserted live and updated when it ends. The update was the costly half:
 * its status, state and revision change indexed columns, so PostgreSQL writes a new row version and a new
 * entry in every one of the flow table's indexes, and the finished flow's JSON is parsed and stored again.
 *
 * Never held: a flow already written (its updates go out as before), a finished, failed or intercepted one (a
 * paused exchange shows in every list at once), one whose body or message rows are in the same flush (a body
 * row is never committed before its flow's row, so a crash cannot leave it without one), one whose start time
 * is not in the last HOLD_LIVE_MS by this clock, and any past MAX_HELD (a flush at FLUSH_AT_FLOWS would
 * otherwise find only held flows and run again at once). flush() and close() write everything.
 */
import type { PendingFlow } from './pg-write';

/** How long a live exchange may wait for its end before it is written live (shown in lists that much later). */
export const HOLD_LIVE_MS = 250;
/** Flows held at most by one flush: below the store's FLUSH_AT_FLOWS (500), so held flows alone never start a flush. */
export const MAX_HELD = 250;

/**
 * Splits `pending` into the flows to write now and those held for a later flush. `withRows`: flow ids with a
 * body or message row in this flush; `holdMs`: how long a live exchange may be held.
 */
export function holdYoungLive(pending: Map<string, PendingFlow>, withRows: ReadonlySet<string>, now: number, holdMs = HOLD_LIVE_MS): { write: Map<string, PendingFlow>; held: Map<string, PendingFlow> } {
  const write = new Map<string, PendingFlow>();
  const held = new Map<string, PendingFlow>();
  for (const [id, p] of pending) {
    const age = now - p.flow.startedAt;
    const hold = held.size < MAX_HELD && p.fresh && p.flow.state === 'live' && age >= 0 && age < holdMs && !withRows.has(id);
    (hold ? held : write).set(id, p);
  }
  return { write, held };
}

/** The flows that have a body or message row among `rows`. */
export function flowsWithRows(...rows: { flowId: string }[][]): Set<string> {
  const ids = new Set<string>();
  for (const list of rows) for (const r of list) ids.add(r.flowId);
  return ids;
}
