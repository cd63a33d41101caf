/**
 * The flow list's data: the loaded rows for the current filter and sort, kept live from the API's
 * events, and paged in with `flows.query` `before` cursors as the user scrolls.
 *
 * The rows live in a plain array (60,000 summaries must not be deep-proxied); `version` is the one
 * reactive signal that says "rows changed". Events are applied in the animation frame after they arrive
 * (the store merged them already: one message per 50 ms flush, so at most about 20 redraws a second under
 * a sustained stream), and held while a page is loading so a page's snapshot never overwrites a
 * newer event. Every change reports how many rows moved in above the first visible row (`anchor`), so
 * the list can keep the user's place instead of letting new rows push it away. What a change does to the
 * rows is FlowRows' (flow-rows.ts, plain and tested in Node); this class decides when, and tells Svelte.
 */
import type { ApiClient, FlowPage } from '../../../../electron/common/api';
import { compileFilterQuery } from '../../../../electron/common/filter';
import type { FlowSummary } from '../../../../electron/common/flow';
import type { TimeKey } from '../../../../electron/common/flow-order';
import { Emitter } from '../../../../electron/common/events';
import { MAX_FLOW_PAGE } from '../../../../electron/common/flow-pages';
import { DEFAULT_SORT, isDefaultSort, type SortSpec } from './sort';
import { FlowRows, type CountDelta, type RowsChange } from './flow-rows';

/** Rows per page while scrolling; the first page fills a tall window several times over. */
export const PAGE_SIZE = 500;
/** Pages a msg: filter loads by itself after the first while they do not fill the list (each scan is bounded). */
const MESSAGE_SEARCH_PAGES = 20;
/** Rows per page when a non-default sort needs every matching flow (the API's maximum). */
export const BULK_PAGE_SIZE = MAX_FLOW_PAGE;

type Op = (
  | { type: 'add'; flows: FlowSummary[] }
  | { type: 'update'; flows: FlowSummary[] }
  | { type: 'remove'; ids: string[]; all?: boolean }
) & {
  /** Already reflected in counts the server sent after it arrived: apply rows, leave the counts. */
  counted?: boolean;
};

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
  /** The store stopped counting at a cap: `matched` is a lower bound (shown "10,000+"). */
  matchedCapped = $state(false);
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
  /**
   * The filter has `msg:` terms (text inside messages): only the store can decide them, by reading message
   * logs, so the rows are its answer as loaded — listed flows stay and update, new flows do not join until
   * the list is loaded again (docs/FILTERS.md). The filter bar says so.
   */
  searchesMessages = $state(false);
  sort = $state.raw<SortSpec>(DEFAULT_SORT);
  selectedId = $state<string | null>(null);
  /** The loaded rows came from more than one team node: the list shows a Node column. */
  multiNode = $state(false);
  /** Node names seen among the loaded rows since the last reload (a handful at most). */
  readonly #nodes = new Set<string>();

  readonly #rows = new FlowRows();
  /** Bumped by every new filter/sort load: answers for an older one are dropped. */
  #generation = 0;
  #busy = 0;
  #queue: Op[] = [];
  #cancelFrame: (() => void) | undefined;
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

  /** Index of the first visible row; the list keeps it current. Plain: it changes on every scroll. */
  get anchor(): number {
    return this.#rows.anchor;
  }

  set anchor(index: number) {
    this.#rows.anchor = index;
  }

  rowAt(index: number): FlowSummary | undefined {
    void this.version;
    return this.#rows.rows[index];
  }

  /** Rows [start, end) in display order; reactive. */
  slice(start: number, end: number): FlowSummary[] {
    void this.version;
    return this.#rows.rows.slice(start, end);
  }

  get(id: string): FlowSummary | undefined {
    void this.version;
    return this.#rows.byId.get(id);
  }

  /** Display index of a loaded flow, or -1. Binary search: the rows are sorted by the current order. */
  indexOf(id: string | null): number {
    void this.version;
    return this.#rows.indexOf(id);
  }

  /** Applies a new (already validated) filter expression and loads its first page. */
  setFilter(expression: string): Promise<void> {
    if (expression === this.filter && !this.loadError) return Promise.resolve();
    this.filter = expression;
    const compiled = compileFilterQuery(expression);
    this.searchesMessages = compiled.messageTerms.length > 0;
    const rows = this.#rows;
    this.#rows.predicate = this.searchesMessages ? (s) => rows.byId.has(s.id) : compiled.test;
    return this.reload();
  }

  setSort(spec: SortSpec): Promise<void> {
    this.sort = spec;
    this.#rows.setSort(spec);
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
      this.#rows.clear();
      this.#nodes.clear();
      this.#noteNodes(page.flows);
      this.#rows.merge(page.flows);
      this.#rows.cursor = cursorOf(page);
      this.hasMore = page.nextCursor !== undefined;
      this.matched = page.matched;
      this.matchedCapped = !!page.matchedCapped;
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
    else if (generation === this.#generation && this.searchesMessages) await this.#continueMessageSearch(generation);
  }

  /**
   * A msg: page may stop at the store's scan bound with few rows (docs/FILTERS.md); scrolling cannot ask for
   * more while the rows do not fill the list, so the search goes on by itself, at most MESSAGE_SEARCH_PAGES pages.
   */
  async #continueMessageSearch(generation: number): Promise<void> {
    for (let pages = 0; pages < MESSAGE_SEARCH_PAGES && this.hasMore && generation === this.#generation && !this.loadError && this.#rows.rows.length < PAGE_SIZE; pages++) {
      await this.loadMore();
      if (this.loadingMore) return;
    }
  }

  /** Loads the next older page, when there is one and none is on its way. */
  async loadMore(limit = PAGE_SIZE): Promise<void> {
    if (!this.hasMore || this.loading || this.loadingMore) return;
    const generation = this.#generation;
    this.loadingMore = true;
    this.#busy++;
    try {
      const page = await this.client.call('flows.query', { filter: this.filter, before: this.#rows.cursor?.seq, beforeTime: this.#rows.cursor?.startedAt, limit });
      if (generation !== this.#generation) return;
      this.#noteNodes(page.flows);
      this.#rows.merge(page.flows);
      this.#rows.cursor = cursorOf(page);
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
    const rows = this.#rows.rows;
    if (rows.length === 0) return;
    const index = this.indexOf(this.selectedId);
    const next = index < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, index + delta));
    this.selectedId = rows[next].id;
    if (next >= rows.length - 20) void this.loadMore();
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
    this.#cancelFrame = this.frames.request(() => {
      this.#cancelFrame = undefined;
      this.#flush();
    });
  }

  /** Applies every queued event in order, in one go. */
  #flush(): void {
    if (this.#busy > 0) return;
    const ops = this.#queue.splice(0);
    if (ops.length === 0) return;
    const change: RowsChange = { shift: 0, added: 0 };
    let reload = false;
    let recount = false;
    const delta: CountDelta = { matched: 0, total: 0 };
    for (const op of ops) {
      const counts = op.counted ? { matched: 0, total: 0 } : delta;
      if (op.type === 'add') {
        this.#noteNodes(op.flows);
        recount = this.#rows.applyAdds(op.flows, change, counts) || recount;
      } else if (op.type === 'update') this.#rows.applyUpdates(op.flows, change, counts);
      else if (op.all) reload = true;
      else recount = this.#rows.applyRemoves(op.ids, change, counts) || recount;
    }
    if (reload) {
      void this.reload();
      return;
    }
    this.matched = Math.max(0, this.matched + delta.matched);
    this.total = Math.max(0, this.total + delta.total);
    if (this.selectedId && !this.#rows.byId.has(this.selectedId)) this.selectedId = null;
    this.#changed();
    if (recount) this.#scheduleRecount();
    this.#onDidChangeRows.fire(change);
  }

  async #loadAll(generation: number): Promise<void> {
    while (this.hasMore && generation === this.#generation && !this.loadError) {
      await this.loadMore(BULK_PAGE_SIZE);
      if (this.loadingMore) return; // another caller's page is in flight; it continues from there
    }
  }

  /** Remembers the nodes of flows entering the rows; two or more switch the Node column on. */
  #noteNodes(flows: FlowSummary[]): void {
    if (this.multiNode && this.#nodes.size > 1) return;
    for (const f of flows) if (f.node) this.#nodes.add(f.node);
    const multi = this.#nodes.size > 1;
    if (multi !== this.multiNode) this.multiNode = multi;
  }

  #changed(): void {
    this.length = this.#rows.rows.length;
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
      // With msg: the store's `matched` is what one page's scan found: only the total is asked again.
      const searchesMessages = this.searchesMessages;
      this.client.call('flows.query', { filter: searchesMessages ? '' : this.filter, limit: 1 }).then(
        (page) => {
          if (generation !== this.#generation) return;
          if (!searchesMessages) {
            this.matched = page.matched;
            this.matchedCapped = !!page.matchedCapped;
          }
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
