/**
 * The in-memory list of every stored flow's summary: what the flow list, filters, counts and the trim read,
 * on the proxy's thread, without touching nedb. 60,000 summaries are a few tens of MB and a full filter scan
 * takes milliseconds.
 *
 * Two orders of the same summaries: by seq (the order the store recorded them: the trim drops the oldest
 * recorded first) and by the time the exchange happened (electron/common/flow-order.ts), which is what pages list.
 * The two differ for imported flows, which are recorded now but happened earlier (issue 13).
 */
import type { FlowSummary } from '../../common/flow';
import { compareByTime } from '../../common/flow-order';
import { SharedStrings } from './shared-strings';

/**
 * The rule kinds of every summary no rule touched (most of them): one empty list instead of one each. Frozen,
 * so a reader that tried to change it would fail loudly rather than change every summary's.
 */
const NO_RULE_KINDS = Object.freeze([]) as unknown as string[];

export interface SummaryPage {
  flows: FlowSummary[];
  matched: number;
  /** The last flow's seq and startedAt: where the next (older) page starts. */
  nextCursor?: number;
  nextCursorTime?: number;
}

/** Where a page starts: flows listed after this one (older in time order). */
export interface PageCursor {
  seq: number;
  /** The cursor flow's startedAt; when absent it is looked up by seq. */
  startedAt?: number;
}

export class SummaryList {
  /** Ascending seq; seqs are unique. */
  private list: FlowSummary[] = [];
  /** The same summaries ascending by compareByTime. */
  private byTime: FlowSummary[] = [];
  private readonly byId = new Map<string, FlowSummary>();
  private unpinned = 0;
  /** Hosts, content types, User-Agents and client addresses: repeated by most flows, kept once (shared-strings.ts). */
  private readonly strings = new SharedStrings();

  get size(): number {
    return this.list.length;
  }

  /** Flows that count against the trim cap (pinned flows are exempt). */
  get unpinnedCount(): number {
    return this.unpinned;
  }

  get maxSeq(): number {
    return this.list.length ? this.list[this.list.length - 1].seq : 0;
  }

  get(id: string): FlowSummary | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Oldest first. */
  all(): readonly FlowSummary[] {
    return this.list;
  }

  /** Adds or replaces a summary (kept as given, its repeated texts shared); returns true when it was new. */
  upsert(summary: FlowSummary): boolean {
    this.share(summary);
    const old = this.byId.get(summary.id);
    if (old) {
      if (old.seq === summary.seq && old.startedAt === summary.startedAt) {
        this.list[this.insertionPoint(old.seq)] = summary;
        this.byTime[this.timeInsertionPoint(old)] = summary;
        this.byId.set(summary.id, summary);
        this.unpinned += Number(!summary.pinned) - Number(!old.pinned);
        return false;
      }
      // A flow whose seq or start changed moves: drop the old entry and insert anew.
      this.remove([old.id]);
    }
    const n = this.list.length;
    if (n === 0 || this.list[n - 1].seq < summary.seq) this.list.push(summary);
    else this.list.splice(this.insertionPoint(summary.seq), 0, summary);
    const t = this.byTime.length;
    if (t === 0 || compareByTime(this.byTime[t - 1], summary) < 0) this.byTime.push(summary);
    else this.byTime.splice(this.timeInsertionPoint(summary), 0, summary);
    this.byId.set(summary.id, summary);
    if (!summary.pinned) this.unpinned++;
    return !old;
  }

  /**
   * Adds summaries (ascending seq) that are not in the list yet, in one merge: used at startup, when flows
   * captured meanwhile may already be in the list. Ids already present keep their (newer) summary.
   */
  addSorted(chunk: FlowSummary[]): void {
    const fresh = chunk.filter((s) => !this.byId.has(s.id));
    if (fresh.length === 0) return;
    for (const s of fresh) {
      this.share(s);
      this.byId.set(s.id, s);
      if (!s.pinned) this.unpinned++;
    }
    this.addByTime(fresh);
    const n = this.list.length;
    if (n === 0 || this.list[n - 1].seq < fresh[0].seq) {
      for (const s of fresh) this.list.push(s);
      return;
    }
    const merged: FlowSummary[] = new Array(n + fresh.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < n && j < fresh.length) merged[k++] = this.list[i].seq <= fresh[j].seq ? this.list[i++] : fresh[j++];
    while (i < n) merged[k++] = this.list[i++];
    while (j < fresh.length) merged[k++] = fresh[j++];
    this.list = merged;
  }

  /** Removes the given ids; returns those that were present. */
  remove(ids: Iterable<string>): string[] {
    const gone = new Map<string, number>();
    const removed: FlowSummary[] = [];
    for (const id of ids) {
      const s = this.byId.get(id);
      if (!s) continue;
      gone.set(id, s.seq);
      removed.push(s);
      this.byId.delete(id);
      if (!s.pinned) this.unpinned--;
    }
    if (gone.size === 0) return [];
    if (gone.size <= 16) {
      for (const seq of gone.values()) this.list.splice(this.insertionPoint(seq), 1);
      for (const s of removed) this.byTime.splice(this.timeInsertionPoint(s), 1);
    } else {
      this.list = this.list.filter((s) => !gone.has(s.id));
      this.byTime = this.byTime.filter((s) => !gone.has(s.id));
    }
    return [...gone.keys()];
  }

  /** Ids of the oldest `count` unpinned flows, oldest first. */
  oldestUnpinned(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.list.length && ids.length < count; i++) {
      if (!this.list[i].pinned) ids.push(this.list[i].id);
    }
    return ids;
  }

  /** Ids matching a predicate, oldest first. */
  idsWhere(predicate: (s: FlowSummary) => boolean): string[] {
    const ids: string[] = [];
    for (const s of this.list) if (predicate(s)) ids.push(s.id);
    return ids;
  }

  /**
   * Newest first in time order (compareByTime): up to `limit` summaries listed after the cursor that match,
   * the number matching overall, and the cursor for the next (older) page when there is one.
   */
  page(match: ((s: FlowSummary) => boolean) | undefined, cursor: PageCursor | undefined, limit: number): SummaryPage {
    const flows: FlowSummary[] = [];
    const list = this.byTime;
    const after = cursor && this.cursorPosition(cursor);
    const listed = (s: FlowSummary) => !after || after(s);
    if (!match) {
      // Unfiltered: every flow matches, so only the page itself needs visiting.
      let i = list.length - 1;
      if (cursor?.startedAt !== undefined) i = this.timeInsertionPoint({ startedAt: cursor.startedAt, seq: cursor.seq }) - 1;
      else while (i >= 0 && !listed(list[i])) i--;
      for (; i >= 0 && flows.length < limit; i--) if (listed(list[i])) flows.push(list[i]);
      return withCursor({ flows, matched: list.length }, i >= 0 && flows.length > 0);
    }
    let matched = 0;
    let more = false;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (!match(s)) continue;
      matched++;
      if (!listed(s)) continue;
      if (flows.length < limit) flows.push(s);
      else more = true;
    }
    return withCursor({ flows, matched }, more);
  }

  /**
   * Every summary after the cursor (older) that passes `keep`, newest first in time order: a snapshot, so a
   * caller that reads message logs for them (message-filter.ts) is not disturbed by flows added or trimmed meanwhile.
   */
  listed(cursor: PageCursor | undefined, keep: (s: FlowSummary) => boolean): FlowSummary[] {
    const list = this.byTime;
    const after = cursor && this.cursorPosition(cursor);
    const out: FlowSummary[] = [];
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if ((!after || after(s)) && keep(s)) out.push(s);
    }
    return out;
  }

  /**
   * Points the summary's texts that most flows repeat at one shared copy each, and an empty rule-kind list at
   * the shared one (equal values, so nothing a reader sees changes).
   */
  private share(summary: FlowSummary): void {
    if (summary.appliedRuleKinds.length === 0) summary.appliedRuleKinds = NO_RULE_KINDS;
    const strings = this.strings;
    summary.host = strings.of(summary.host);
    summary.clientIp = strings.of(summary.clientIp);
    if (summary.contentType !== undefined) summary.contentType = strings.of(summary.contentType);
    if (summary.userAgent !== undefined) summary.userAgent = strings.of(summary.userAgent);
  }

  clear(): void {
    this.list = [];
    this.byTime = [];
    this.byId.clear();
    this.unpinned = 0;
  }

  /**
   * Which flows a cursor lists: those before it in time order. A cursor without its time (a caller that
   * kept only `nextCursor`) is found by seq; if that flow is gone meanwhile, seq alone decides.
   */
  private cursorPosition(cursor: PageCursor): (s: FlowSummary) => boolean {
    const startedAt = cursor.startedAt ?? this.list[this.insertionPoint(cursor.seq)]?.startedAt;
    const known = cursor.startedAt !== undefined || this.list[this.insertionPoint(cursor.seq)]?.seq === cursor.seq;
    if (!known || startedAt === undefined) return (s) => s.seq < cursor.seq;
    const at = { startedAt, seq: cursor.seq };
    return (s) => compareByTime(s, at) < 0;
  }

  /** Adds summaries to the time order: appended when they are all newer (captured traffic), else merged. */
  private addByTime(fresh: FlowSummary[]): void {
    const sorted = fresh.every((s, i) => i === 0 || compareByTime(fresh[i - 1], s) < 0);
    const last = this.byTime[this.byTime.length - 1];
    if (sorted && (!last || compareByTime(last, fresh[0]) < 0)) {
      for (const s of fresh) this.byTime.push(s);
      return;
    }
    this.byTime = this.byTime.concat(fresh).sort(compareByTime);
  }

  /** First index in time order at or after `key`. */
  private timeInsertionPoint(key: Pick<FlowSummary, 'startedAt' | 'seq'>): number {
    let lo = 0;
    let hi = this.byTime.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareByTime(this.byTime[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose seq is >= seq. */
  private insertionPoint(seq: number): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.list[mid].seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Sets the cursor of the next (older) page from the page's last flow, when there are more (also pg/pg-query.ts). */
export function withCursor<P extends SummaryPage>(page: P, more: boolean): P {
  const last = page.flows[page.flows.length - 1];
  if (more && last) {
    page.nextCursor = last.seq;
    page.nextCursorTime = last.startedAt;
  }
  return page;
}
