/**
 * Paging through flows.query: pages come newest first, each continuing at the previous page's cursor
 * (nextCursor, nextCursorTime). One loop for every reader that wants all matching flows (the CLI's
 * `flows`, exports, reports), over a store or a running instance's API alike.
 */
import type { FlowPage, FlowQuery } from './api';
import type { FlowSummary } from './flow';

/** flows.query's largest page: the store caps `limit` here, and bulk readers ask for this much at a time. */
export const MAX_FLOW_PAGE = 5000;

export type FlowQueryFn = (q: FlowQuery) => FlowPage | Promise<FlowPage>;

/** The newest `limit` flows matching `filter` (all of them by default), oldest first. */
export async function collectFlows(query: FlowQueryFn, options: { filter?: string; limit?: number } = {}): Promise<FlowSummary[]> {
  const limit = options.limit ?? Infinity;
  const flows: FlowSummary[] = [];
  let before: number | undefined;
  let beforeTime: number | undefined;
  while (flows.length < limit) {
    const page = await query({ filter: options.filter, before, beforeTime, limit: Math.min(MAX_FLOW_PAGE, limit - flows.length) });
    for (const s of page.flows) flows.push(s);
    // A msg: scan stopped by its bound may find nothing in its stretch and still continue (message-filter.ts).
    if (page.nextCursor === undefined || (page.flows.length === 0 && !page.messageScan?.bounded)) break;
    before = page.nextCursor;
    beforeTime = page.nextCursorTime;
  }
  return flows.reverse();
}
