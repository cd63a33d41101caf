/**
 * The flow list's data: the loaded rows for the current filter and sort, kept live from the API's
 * events, and paged in with `flows.query` `before` cursors as the user scrolls.
 *
 * The rows live in a plain array (60,000 summaries must not be deep-proxied); `version` is the one
 * reactive signal that says "rows changed". Events are queued and applied once per animation frame, so
 * a burst costs one render, and held while a page is loading so a page's snapshot never overwrites a
 * newer event. Every change reports how many rows moved in above the first visible row (`anchor`), so
 * the list can keep the user's place instead of letting new rows push it away.
 */
import type { ApiClient, FlowPage } from '../../../../electron/common/api';
import { compileFilter, type FlowPredicate } from '../../../../electron/common/filter';
import type { FlowSummary } from '../../../../electron/common/flow';
import { compareByTime, type TimeKey } from '../../../../electron/common/flow-order';
import { Emitter } from '../../../../electron/common/events';
import { comparator, DEFAULT_SORT, insertionIndex, isDefaultSort, type SortSpec } from './sort';

/** Rows per page while scrolling; the first page fills a tall window several times over. */
export const PAGE_SIZE = 500;
/** Rows per page when a non-default sort needs every matching flow (the API's maximum). */
export const BULK_PAGE_SIZE = 5000;
/** Removing more rows than this at once rebuilds the array instead of splicing row by row. */
const SPLICE_LIMIT = 64;
/**
 * Under a sustained stream the list is redrawn at most this often: at 500 flows/s a redraw per frame
 * re-lays out every visible row 60 times a second for a view nobody can read at that speed. The first
 * change after a quiet spell still shows in the next frame.
 */
const BUSY_FLUSH_INTERVAL_MS = 100;

export interface RowsChange {
  /** Rows inserted minus rows removed above the anchor (the first visible row). */
  shift: number;
  /** New flows among those inserted above the anchor. */
  added: number;
}

type Op = (
  | { type: 'add'; flows: FlowSummary[] }
  | { type: 'update'; flows: FlowSummary[] }
  | { type: 'remove'; ids: string[]; all?: boolean }
) & {
  /** Already reflected in counts the server sent after it arrived: apply rows, leave the counts. */
  counted?: boolean;
};

interface CountDelta {
  matched: number;
  total: number;
}

/** How frames are scheduled; tests and the benchmark may pass their own. */
export interface FrameScheduler {
  request(callback: () => void): () => void;
}

/**
 * requestAnimationFrame, with a timer as a floor: a hidden tab gets no frames, and its queue should
 * still drain now and then rather than grow without bound.
 */
export const animationFrames: FrameScheduler = {
  request(callback) {
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      callback();
    };
    const frame = requestAnimationFrame(run);
    const timer = setTimeout(run, 250);
    return () => {
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  },
};

function cursorOf(page: FlowPage): TimeKey | undefined {
  return page.nextCursor === undefined || page.nextCursorTime === undefined ? undefined : { seq: page.nextCursor, startedAt: page.nextCursorTime };
}

export class FlowListState {
  /** Bumped whenever rows change in place; read it (or rowAt) to re-render on changes. */
  version = $state(0);
  /** Rows loaded for the current filter. */
  length = $state(0);
  /** Flows matching the filter in the store (loaded or not). */
  matched = $state(0);
  /** Flows stored. */
  total = $state(0);
  hasMore = $state(false);
  /** The first page of a new filter or sort is on its way. */
  loading = $state(true);
  /** An older page is on its way. */
  loadingMore = $state(false);
  /** The last load failed (connection lost, server error); the list keeps what it had. */
  loadError = $state<string | null>(null);
  /** The composed expression the rows match (validated before it gets here). */
  filter = $state('');
  sort = $state.raw<SortSpec>(DEFAULT_SORT);
  selectedId = $state<string | null>(null);

  /** Index of the first visible row; the list keeps it current. Plain: it changes on every scroll. */
  anchor = 0;

  #rows: FlowSummary[] = [];
  #byId = new Map<string, FlowSummary>();
  /** Loaded rows cover the server's order down to this flow (when more pages exist). */
  #cursor: TimeKey | undefined;
  #predicate: FlowPredicate = () => true;
  #compare = comparator(DEFAULT_SORT);
  /** Bumped by every new filter/sort load: answers for an older one are dropped. */
  #generation = 0;
  #busy = 0;
  #queue: Op[] = [];
  #cancelFrame: (() => void) | undefined;
  #lastFlush = 0;
  #recountTimer: ReturnType<typeof setTimeout> | undefined;
  #recountDue = 0;
  readonly #subscriptions: (() => void)[] = [];
  readonly #onDidChangeRows = new Emitter<RowsChange>();
  /** After live changes were applied (not after a reload: see onDidReset). */
  readonly onDidChangeRows = this.#onDidChangeRows.event;
  readonly #onDidReset = new Emitter<void>();
  /** A new filter or sort replaced the rows: the list scrolls back to the top. */
  readonly onDidReset = this.#onDidReset.event;

  constructor(
    private readonly client: ApiClient,
    private readonly frames: FrameScheduler = animationFrames,
  ) {
    this.#subscriptions.push(
      client.on('flows/add', (flows) => this.#enqueue({ type: 'add', flows })),
      client.on('flows/update', (flows) => this.#enqueue({ type: 'update', flows })),
      client.on('flows/remove', (removed) => this.#enqueue({ type: 'remove', ids: removed.ids, all: removed.all })),
    );
  }

  rowAt(index: number): FlowSummary | undefined {
    void this.version;
    return this.#rows[index];
  }

  /** Rows [start, end) in display order; reactive. */
  slice(start: number, end: number): FlowSummary[] {
    void this.version;
    return this.#rows.slice(start, end);
  }

  get(id: string): FlowSummary | undefined {
    void this.version;
    return this.#byId.get(id);
  }

  /** Display index of a loaded flow, or -1. Binary search: the rows are sorted by the current order. */
  indexOf(id: string | null): number {
    void this.version;
    const row = id ? this.#byId.get(id) : undefined;
    return row ? this.#indexOfRow(row) : -1;
  }

  /** Applies a new (already validated) filter expression and loads its first page. */
  setFilter(expression: string): Promise<void> {
    if (expression === this.filter && !this.loadError) return Promise.resolve();
    this.filter = expression;
    this.#predicate = compileFilter(expression);
    return this.reload();
  }

  setSort(spec: SortSpec): Promise<void> {
    this.sort = spec;
    this.#compare = comparator(spec);
    this.#rows.sort(this.#compare);
    this.#changed();
    this.#onDidReset.fire();
    if (!isDefaultSort(spec) && this.hasMore) return this.#loadAll(this.#generation);
    return Promise.resolve();
  }

  /** Drops the rows and loads the first page again (new filter, reconnect, store cleared). */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    // Events queued so far are older than the snapshot about to be taken.
    this.#queue.length = 0;
    this.loading = true;
    this.#busy++;
    try {
      const page = await this.client.call('flows.query', { filter: this.filter, limit: PAGE_SIZE });
      if (generation !== this.#generation) return;
      this.#rows = [];
      this.#byId.clear();
      this.anchor = 0;
      this.#merge(page.flows);
      this.#cursor = cursorOf(page);
      this.hasMore = page.nextCursor !== undefined;
      this.matched = page.matched;
      this.total = page.total;
      this.loadError = null;
      this.#changed();
      this.#onDidReset.fire();
      // Events that arrived before this answer are in its counts; ones still batched on the server
      // will be counted twice: settle the counts once things are quiet.
      for (const op of this.#queue) op.counted = true;
      if (this.#queue.length) this.#scheduleRecount();
    } catch (err) {
      if (generation === this.#generation) this.loadError = err instanceof Error ? err.message : String(err);
    } finally {
      this.#busy--;
      if (generation === this.#generation) this.loading = false;
      this.#scheduleFlush();
    }
    if (generation === this.#generation && !isDefaultSort(this.sort) && this.hasMore) await this.#loadAll(generation);
  }

  /** Loads the next older page, when there is one and none is on its way. */
  async loadMore(limit = PAGE_SIZE): Promise<void> {
    if (!this.hasMore || this.loading || this.loadingMore) return;
    const generation = this.#generation;
    this.loadingMore = true;
    this.#busy++;
    try {
      const page = await this.client.call('flows.query', { filter: this.filter, before: this.#cursor?.seq, beforeTime: this.#cursor?.startedAt, limit });
      if (generation !== this.#generation) return;
      this.#merge(page.flows);
      this.#cursor = cursorOf(page);
      this.hasMore = page.nextCursor !== undefined;
      this.loadError = null;
      this.#changed();
    } catch (err) {
      if (generation === this.#generation) this.loadError = err instanceof Error ? err.message : String(err);
    } finally {
      this.#busy--;
      this.loadingMore = false;
      this.#scheduleFlush();
    }
  }

  /** Moves the selection by `delta` rows (arrow keys); selects the first row when none is. */
  moveSelection(delta: number): void {
    if (this.#rows.length === 0) return;
    const index = this.indexOf(this.selectedId);
    const next = index < 0 ? 0 : Math.max(0, Math.min(this.#rows.length - 1, index + delta));
    this.selectedId = this.#rows[next].id;
    if (next >= this.#rows.length - 20) void this.loadMore();
  }

  /** Applies a local change the server may not echo as an event (pinning); idempotent. */
  applyLocal(flows: FlowSummary[]): void {
    this.#enqueue({ type: 'update', flows });
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
    this.#cancelFrame?.();
    clearTimeout(this.#recountTimer);
    this.#generation++;
    this.#onDidChangeRows.dispose();
    this.#onDidReset.dispose();
  }

  #enqueue(op: Op): void {
    this.#queue.push(op);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#cancelFrame || this.#queue.length === 0 || this.#busy > 0) return;
    const wait = this.#lastFlush + BUSY_FLUSH_INTERVAL_MS - Date.now();
    const run = () => {
      this.#cancelFrame = undefined;
      this.#flush();
    };
    if (wait <= 0) {
      this.#cancelFrame = this.frames.request(run);
      return;
    }
    const timer = setTimeout(() => (this.#cancelFrame = this.frames.request(run)), wait);
    this.#cancelFrame = () => {
      clearTimeout(timer);
    };
  }

  /** Applies every queued event in order, in one go. */
  #flush(): void {
    if (this.#busy > 0) return;
    const ops = this.#queue.splice(0);
    if (ops.length === 0) return;
    this.#lastFlush = Date.now();
    const change: RowsChange = { shift: 0, added: 0 };
    let reload = false;
    let recount = false;
    const delta: CountDelta = { matched: 0, total: 0 };
    for (const op of ops) {
      const counts = op.counted ? { matched: 0, total: 0 } : delta;
      if (op.type === 'add') recount = this.#applyAdds(op.flows, change, counts) || recount;
      else if (op.type === 'update') this.#applyUpdates(op.flows, change, counts);
      else if (op.all) reload = true;
      else recount = this.#applyRemoves(op.ids, change, counts) || recount;
    }
    if (reload) {
      void this.reload();
      return;
    }
    this.matched = Math.max(0, this.matched + delta.matched);
    this.total = Math.max(0, this.total + delta.total);
    if (this.selectedId && !this.#byId.has(this.selectedId)) this.selectedId = null;
    this.#changed();
    if (recount) this.#scheduleRecount();
    this.#onDidChangeRows.fire(change);
  }

  /** The apply functions change rows and add what the counts should change by to `counts`. */
  /** Returns true when some flows were known already: an event that raced a query, so counts may be off. */
  #applyAdds(flows: FlowSummary[], change: RowsChange, counts: CountDelta): boolean {
    const unseen = flows.filter((s) => !this.#byId.has(s.id));
    counts.total += unseen.length;
    const raced = unseen.length < flows.length;
    const fresh = unseen.filter((s) => this.#predicate(s));
    if (fresh.length === 0) return raced;
    counts.matched += fresh.length;
    const first = this.#rows[0];
    if (isDefaultSort(this.sort) && fresh.every((s) => !first || this.#compare(s, first) < 0)) {
      // The common case: new flows are the newest; prepend them in one copy.
      fresh.sort(this.#compare);
      for (const s of fresh) this.#byId.set(s.id, s);
      this.#rows = fresh.concat(this.#rows);
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

  #applyUpdates(flows: FlowSummary[], change: RowsChange, counts: CountDelta): void {
    for (const s of flows) {
      const existing = this.#byId.get(s.id);
      const matches = this.#predicate(s);
      if (existing) {
        const index = this.#indexOfRow(existing);
        if (matches && this.#compare(existing, s) === 0) {
          this.#rows[index] = s;
          this.#byId.set(s.id, s);
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

  /** Returns true when some removed flows were not loaded, so `matched` may be off. */
  #applyRemoves(ids: string[], change: RowsChange, counts: CountDelta): boolean {
    counts.total -= ids.length;
    let removed = 0;
    if (ids.length > SPLICE_LIMIT) {
      const gone = new Set(ids);
      const kept: FlowSummary[] = [];
      let above = 0;
      for (let i = 0; i < this.#rows.length; i++) {
        const row = this.#rows[i];
        if (gone.has(row.id)) {
          removed++;
          this.#byId.delete(row.id);
          if (i < this.anchor) above++;
        } else {
          kept.push(row);
        }
      }
      this.anchor -= above;
      change.shift -= above;
      this.#rows = kept;
    } else {
      for (const id of ids) {
        const row = this.#byId.get(id);
        if (!row) continue;
        this.#removeAt(this.#indexOfRow(row), change);
        removed++;
      }
    }
    counts.matched -= removed;
    return removed < ids.length;
  }

  /** Inserts in sort order; returns true when it landed above the anchor. */
  #insert(s: FlowSummary): boolean {
    const index = insertionIndex(this.#rows, s, this.#compare);
    this.#rows.splice(index, 0, s);
    this.#byId.set(s.id, s);
    if (index <= this.anchor) {
      this.anchor++;
      return true;
    }
    return false;
  }

  #removeAt(index: number, change: RowsChange): void {
    if (index < 0) return;
    const [row] = this.#rows.splice(index, 1);
    this.#byId.delete(row.id);
    if (index < this.anchor) {
      this.anchor--;
      change.shift--;
    }
  }

  #indexOfRow(row: FlowSummary): number {
    let lo = 0;
    let hi = this.#rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(this.#rows[mid], row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return this.#rows[lo]?.id === row.id ? lo : this.#rows.findIndex((r) => r.id === row.id);
  }

  #inLoadedRange(s: FlowSummary): boolean {
    // At or above the last loaded flow in the server's order (newest first by time).
    return !this.hasMore || this.#cursor === undefined || compareByTime(s, this.#cursor) >= 0;
  }

  /** Adds a page's flows; a page is newer than any event applied before it was asked for. */
  #merge(flows: FlowSummary[]): void {
    const append = isDefaultSort(this.sort);
    for (const s of flows) {
      const existing = this.#byId.get(s.id);
      if (existing && this.#compare(existing, s) === 0) {
        this.#rows[this.#indexOfRow(existing)] = s;
        this.#byId.set(s.id, s);
      } else if (existing) {
        this.#rows.splice(this.#indexOfRow(existing), 1);
        this.#insert(s);
      } else if (append) {
        this.#rows.push(s);
        this.#byId.set(s.id, s);
      } else {
        this.#insert(s);
      }
    }
    if (append) this.#rows.sort(this.#compare);
  }

  async #loadAll(generation: number): Promise<void> {
    while (this.hasMore && generation === this.#generation && !this.loadError) {
      await this.loadMore(BULK_PAGE_SIZE);
      if (this.loadingMore) return; // another caller's page is in flight; it continues from there
    }
  }

  #changed(): void {
    this.length = this.#rows.length;
    this.version++;
  }

  /** Counts drift when unloaded flows are removed or events race a query: ask once things settle. */
  #scheduleRecount(): void {
    const now = Date.now();
    if (!this.#recountDue) this.#recountDue = now + 3000;
    clearTimeout(this.#recountTimer);
    const wait = Math.max(0, Math.min(400, this.#recountDue - now));
    this.#recountTimer = setTimeout(() => {
      this.#recountDue = 0;
      const generation = this.#generation;
      this.client.call('flows.query', { filter: this.filter, limit: 1 }).then(
        (page) => {
          if (generation !== this.#generation) return;
          this.matched = page.matched;
          this.total = page.total;
          // Events that arrived before this answer are in its counts already. Ones the server had
          // batched but not yet sent will be counted twice: settle again once the stream pauses.
          for (const op of this.#queue) op.counted = true;
          if (this.#queue.length) this.#scheduleRecount();
        },
        () => {},
      );
    }, wait);
  }
}
