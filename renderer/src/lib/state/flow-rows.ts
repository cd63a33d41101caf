/**
 * The flow list's rows without the reactivity: the loaded summaries in display order, found by id, and
 * how live adds, updates and removes and loaded pages change them. FlowListState (flow-list.svelte.ts)
 * owns one, decides when to apply what, and tells Svelte; this module is plain TypeScript so its logic
 * runs and is tested in Node.
 *
 * Every change keeps `anchor` (the first visible row) on the same flow and reports in a RowsChange how
 * many rows moved in above it and how many of those are new flows (the list's "N new").
 */
import type { FlowPredicate } from '../../../../electron/common/filter';
import type { FlowSummary } from '../../../../electron/common/flow';
import { compareByTime, type TimeKey } from '../../../../electron/common/flow-order';
import { comparator, DEFAULT_SORT, insertionIndex, isDefaultSort, type SortSpec } from './sort';

/** Removing more rows than this at once rebuilds the array instead of splicing row by row. */
const SPLICE_LIMIT = 64;

export interface RowsChange {
  /** Rows inserted minus rows removed above the anchor (the first visible row). */
  shift: number;
  /** New flows among those inserted above the anchor. */
  added: number;
}

/** What the list's counts (matched, total) change by. */
export interface CountDelta {
  matched: number;
  total: number;
}

export class FlowRows {
  /** Loaded rows in display order. Replaced, not only mutated: read it after a change. */
  rows: FlowSummary[] = [];
  readonly byId = new Map<string, FlowSummary>();
  /** Index of the first visible row. */
  anchor = 0;
  /** Rows kept: those matching the filter. */
  predicate: FlowPredicate = () => true;
  /** Loaded rows cover the server's order down to this flow; undefined when every page is loaded. */
  cursor: TimeKey | undefined;
  #sort: SortSpec = DEFAULT_SORT;
  #compare = comparator(DEFAULT_SORT);

  get sort(): SortSpec {
    return this.#sort;
  }

  /** Re-sorts the loaded rows. */
  setSort(spec: SortSpec): void {
    this.#sort = spec;
    this.#compare = comparator(spec);
    this.rows.sort(this.#compare);
  }

  clear(): void {
    this.rows = [];
    this.byId.clear();
    this.anchor = 0;
  }

  /** Display index of a loaded flow, or -1. Binary search: the rows are sorted by the current order. */
  indexOf(id: string | null): number {
    const row = id ? this.byId.get(id) : undefined;
    return row ? this.#indexOfRow(row) : -1;
  }

  /** Adds new flows. Returns true when some were known already: an event that raced a query, so counts may be off. */
  applyAdds(flows: FlowSummary[], change: RowsChange, counts: CountDelta): boolean {
    const unseen = flows.filter((s) => !this.byId.has(s.id));
    counts.total += unseen.length;
    const raced = unseen.length < flows.length;
    const fresh = unseen.filter((s) => this.predicate(s));
    if (fresh.length === 0) return raced;
    counts.matched += fresh.length;
    const first = this.rows[0];
    if (isDefaultSort(this.#sort) && fresh.every((s) => !first || this.#compare(s, first) < 0)) {
      // The common case: new flows are the newest; prepend them in one copy.
      fresh.sort(this.#compare);
      for (const s of fresh) this.byId.set(s.id, s);
      this.rows = fresh.concat(this.rows);
      change.shift += fresh.length;
      change.added += fresh.length;
      this.anchor += fresh.length;
      return raced;
    }
    for (const s of fresh) {
      // Older than every loaded row (an imported flow from before them): its page brings it in.
      if (!this.#inLoadedRange(s)) continue;
      if (this.#insert(s)) {
        change.shift++;
        change.added++;
      }
    }
    return raced;
  }

  applyUpdates(flows: FlowSummary[], change: RowsChange, counts: CountDelta): void {
    for (const s of flows) {
      const existing = this.byId.get(s.id);
      const matches = this.predicate(s);
      if (existing) {
        const index = this.#indexOfRow(existing);
        if (matches && this.#compare(existing, s) === 0) {
          this.rows[index] = s;
          this.byId.set(s.id, s);
          continue;
        }
        this.#removeAt(index, change);
        if (matches) {
          if (this.#insert(s)) change.shift++;
        } else {
          counts.matched--;
        }
      } else if (matches && this.#inLoadedRange(s)) {
        // It matches only now (a response arrived, it was pinned): it joins the list.
        counts.matched++;
        if (this.#insert(s)) change.shift++;
      }
    }
  }

  /** Removes flows. Returns true when some removed flows were not loaded, so `matched` may be off. */
  applyRemoves(ids: string[], change: RowsChange, counts: CountDelta): boolean {
    counts.total -= ids.length;
    let removed = 0;
    if (ids.length > SPLICE_LIMIT) {
      const gone = new Set(ids);
      const kept: FlowSummary[] = [];
      let above = 0;
      for (let i = 0; i < this.rows.length; i++) {
        const row = this.rows[i];
        if (gone.has(row.id)) {
          removed++;
          this.byId.delete(row.id);
          if (i < this.anchor) above++;
        } else {
          kept.push(row);
        }
      }
      this.anchor -= above;
      change.shift -= above;
      this.rows = kept;
    } else {
      for (const id of ids) {
        const row = this.byId.get(id);
        if (!row) continue;
        this.#removeAt(this.#indexOfRow(row), change);
        removed++;
      }
    }
    counts.matched -= removed;
    return removed < ids.length;
  }

  /** Adds a page's flows; a page is newer than any event applied before it was asked for. */
  merge(flows: FlowSummary[]): void {
    const append = isDefaultSort(this.#sort);
    for (const s of flows) {
      const existing = this.byId.get(s.id);
      if (existing && this.#compare(existing, s) === 0) {
        this.rows[this.#indexOfRow(existing)] = s;
        this.byId.set(s.id, s);
      } else if (existing) {
        this.rows.splice(this.#indexOfRow(existing), 1);
        this.#insert(s);
      } else if (append) {
        this.rows.push(s);
        this.byId.set(s.id, s);
      } else {
        this.#insert(s);
      }
    }
    if (append) this.rows.sort(this.#compare);
  }

  /** Inserts in sort order; returns true when it landed above the anchor. */
  #insert(s: FlowSummary): boolean {
    const index = insertionIndex(this.rows, s, this.#compare);
    this.rows.splice(index, 0, s);
    this.byId.set(s.id, s);
    if (index <= this.anchor) {
      this.anchor++;
      return true;
    }
    return false;
  }

  #removeAt(index: number, change: RowsChange): void {
    if (index < 0) return;
    const [row] = this.rows.splice(index, 1);
    this.byId.delete(row.id);
    if (index < this.anchor) {
      this.anchor--;
      change.shift--;
    }
  }

  #indexOfRow(row: FlowSummary): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(this.rows[mid], row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.rows[lo]?.id === row.id ? lo : this.rows.findIndex((r) => r.id === row.id);
  }

  #inLoadedRange(s: FlowSummary): boolean {
    // At or above the last loaded flow in the server's order (newest first by time).
    return this.cursor === undefined || compareByTime(s, this.cursor) >= 0;
  }
}
