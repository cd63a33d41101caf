/**
 * The order flows are listed in: by the time the exchange happened (startedAt), then by seq, so flows that
 * started in the same millisecond keep the order the store recorded them. Shared by the store's pages
 * (electron/core/store/summaries.ts) and the renderer's default sort, which must agree for paging to work.
 * seq alone is the order flows were recorded: an imported flow is recorded now but happened earlier.
 */
import type { FlowSummary } from './flow';

export type TimeKey = Pick<FlowSummary, 'startedAt' | 'seq'>;

/** Ascending: older first. */
export function compareByTime(a: TimeKey, b: TimeKey): number {
  return a.startedAt - b.startedAt || a.seq - b.seq;
}
