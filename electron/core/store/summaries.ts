/**
 * The in-memory, seq-ordered list of every stored flow's summary: what the flow list, filters, counts and
 * the trim read, on the proxy's thread, without touching nedb. 60,000 summaries are a few tens of MB and a
 * full filter scan takes milliseconds.
 */
import type { FlowSummary } from '../../common/flow';

export interface SummaryPage {
  flows: FlowSummary[];
  matched: number;
  nextCursor?: number;
}

export class SummaryList {
  /** Ascending seq; seqs are unique. */
  private list: FlowSummary[] = [];
  private readonly byId = new Map<string, FlowSummary>();
  private unpinned = 0;

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

  /** Adds or replaces a summary; returns true when it was new. */
  upsert(summary: FlowSummary): boolean {
    const old = this.byId.get(summary.id);
    if (old) {
      if (old.seq === summary.seq) {
        this.list[this.insertionPoint(old.seq)] = summary;
        this.byId.set(summary.id, summary);
        this.unpinned += Number(!summary.pinned) - Number(!old.pinned);
        return false;
      }
      // A flow whose seq changed moves: drop the old entry and insert anew.
      this.remove([old.id]);
    }
    const n = this.list.length;
    if (n === 0 || this.list[n - 1].seq < summary.seq) this.list.push(summary);
    else this.list.splice(this.insertionPoint(summary.seq), 0, summary);
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
      this.byId.set(s.id, s);
      if (!s.pinned) this.unpinned++;
    }
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
    for (const id of ids) {
      const s = this.byId.get(id);
      if (!s) continue;
      gone.set(id, s.seq);
      this.byId.delete(id);
      if (!s.pinned) this.unpinned--;
    }
    if (gone.size === 0) return [];
    if (gone.size <= 16) {
      for (const seq of gone.values()) this.list.splice(this.insertionPoint(seq), 1);
    } else {
      this.list = this.list.filter((s) => !gone.has(s.id));
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
   * Newest first: up to `limit` summaries with seq < before that match, the number matching overall, and the
   * cursor for the next (older) page when there is one.
   */
  page(match: ((s: FlowSummary) => boolean) | undefined, before: number | undefined, limit: number): SummaryPage {
    const flows: FlowSummary[] = [];
    const list = this.list;
    if (!match) {
      // Unfiltered: every flow matches, so only the page itself needs visiting.
      let i = before === undefined ? list.length - 1 : this.insertionPoint(before) - 1;
      for (; i >= 0 && flows.length < limit; i--) flows.push(list[i]);
      const page: SummaryPage = { flows, matched: list.length };
      if (i >= 0 && flows.length) page.nextCursor = flows[flows.length - 1].seq;
      return page;
    }
    let matched = 0;
    let more = false;
    const cut = before ?? Infinity;
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i];
      if (!match(s)) continue;
      matched++;
      if (s.seq >= cut) continue;
      if (flows.length < limit) flows.push(s);
      else more = true;
    }
    const page: SummaryPage = { flows, matched };
    if (more) page.nextCursor = flows[flows.length - 1].seq;
    return page;
  }

  clear(): void {
    this.list = [];
    this.byId.clear();
    this.unpinned = 0;
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
