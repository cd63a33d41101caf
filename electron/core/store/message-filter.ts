/**
 * Filters with `msg:` terms (electron/common/filter-messages.ts): text inside a flow's messages is in its
 * message log, not in its summary, so such a filter is answered by reading logs. The store lists candidate
 * summaries newest first (those that pass the filter's `mayMatch`, which needs no log); a candidate without
 * messages is decided from its summary alone, one with messages by reading its log until every `msg:` term
 * has matched or the log ends. The scan stops when the page is full, or at a bound — 5,000 flows whose logs
 * were read, or 200 MB of messages read — so one query never reads a whole store's logs; the page then says
 * so (FlowPage.messageScan) and its cursor continues where the scan stopped.
 *
 * Both stores use this: the embedded one over its in-memory summaries and file logs (index.ts), the
 * PostgreSQL one over its flows and messages tables (pg/pg-query.ts).
 */
import type { FlowPage, FlowQuery, MessageScan } from '../../common/api';
import { compileFilterQuery, hasMessages, type CompiledFilter, type MessageTerm } from '../../common/filter';
import type { FlowSummary } from '../../common/flow';
import { textOf } from './message-log';
import type { AnyFlowStore, MessageLogStoreLike } from './types';

export interface MessageScanLimits {
  /** Flows whose logs one query reads at most. */
  flows: number;
  /** Message bytes one query reads at most. */
  bytes: number;
}

export const MESSAGE_SCAN_LIMITS: MessageScanLimits = { flows: 5_000, bytes: 200 * 1024 * 1024 };
/** Messages read per page of a log. */
const READ_PAGE = 1000;

/** Whether each term matches some message of the flow; `read` counts the payload bytes read. */
async function termHits(log: Pick<MessageLogStoreLike, 'read'>, flowId: string, terms: readonly MessageTerm[], read: { bytes: number }): Promise<boolean[]> {
  const hits = terms.map(() => false);
  let open = terms.length;
  let after = 0;
  for (;;) {
    const page = await log.read(flowId, { after, limit: READ_PAGE });
    for (const record of page.messages) {
      read.bytes += record.payload.length;
      const text = textOf(record);
      for (let i = 0; i < terms.length; i++) {
        if (hits[i] || !terms[i].test(text)) continue;
        hits[i] = true;
        if (--open === 0) return hits;
      }
    }
    if (page.next === undefined || page.messages.length === 0) return hits;
    after = page.next;
  }
}

/**
 * One page of a `msg:` filter: `candidates` newest first after the caller's cursor (an async iterable lets the
 * PostgreSQL store read them in chunks). `total` is the store's flow count.
 */
export async function messageFilterPage(
  candidates: Iterable<FlowSummary> | AsyncIterable<FlowSummary>,
  filter: CompiledFilter,
  log: Pick<MessageLogStoreLike, 'read'>,
  limit: number,
  total: number,
  limits: MessageScanLimits = MESSAGE_SCAN_LIMITS,
): Promise<FlowPage> {
  const flows: FlowSummary[] = [];
  const scan: MessageScan = { flows: 0, bytes: 0, bounded: false };
  const read = { bytes: 0 };
  let more = false;
  /** The last candidate decided: where the next page starts when a bound stops this one. */
  let last: FlowSummary | undefined;
  for await (const s of candidates) {
    if (!filter.mayMatch(s)) {
      last = s;
      continue;
    }
    let match: boolean;
    if (!hasMessages(s)) {
      // Without messages every msg: term is false, with or without an oracle: the summary decides.
      match = filter.test(s);
    } else {
      if (scan.flows >= limits.flows || read.bytes >= limits.bytes) {
        scan.bounded = true;
        break;
      }
      scan.flows++;
      const hits = await termHits(log, s.id, filter.messageTerms, read);
      match = filter.test(s, (term) => hits[term]);
    }
    if (match && flows.length === limit) {
      more = true;
      break;
    }
    last = s;
    if (match) flows.push(s);
  }
  scan.bytes = read.bytes;
  const page: FlowPage = { flows, matched: flows.length + (more ? 1 : 0), total, messageScan: scan };
  // A full page continues after its last flow; a bounded scan after the last flow it decided.
  const resume = more ? flows[flows.length - 1] : scan.bounded ? last : undefined;
  if (resume) {
    page.nextCursor = resume.seq;
    page.nextCursorTime = resume.startedAt;
  }
  return page;
}

/** flows.query for a user's filter: a filter with `msg:` terms goes to the store's message scan. */
export async function queryStore(store: Pick<AnyFlowStore, 'query' | 'queryMessages'>, q: FlowQuery): Promise<FlowPage> {
  const text = q.filter?.trim() ?? '';
  if (text && compileFilterQuery(text).messageTerms.length > 0) return store.queryMessages(q);
  return store.query(q);
}
