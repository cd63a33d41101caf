/**
 * The flow store (issue 3): captured flows outlive the window, the process and a crash without eating memory
 * or stalling capture.
 *
 * Two halves:
 * - this side, on the proxy's thread: an ordered in-memory list of every flow's summary (listing, filtering,
 *   counting, choosing what to trim), a small LRU of recent full flows (so `get` of a live flow is instant),
 *   and a write batch flushed every 50 ms (or at 500 flows) to
 * - the worker (worker.ts), which owns nedb: persistence, startup load, `get` of older flows, removal of
 *   trimmed flows with their body files, and compaction. Nothing nedb does runs on this thread.
 *
 * Bodies are streamed by the proxy straight to body files (bodies.ts) and deleted by the worker with their flow.
 *
 * Memory has a ceiling whatever the capture rate: the summaries are capped by the trim, and everything on its
 * way to the disk (pending flows, journal appends, worker requests, body bytes) is counted; while that
 * backlog is over maxBacklogBytes (32 MB) a new exchange is forwarded without being recorded (admit), counted in
 * `dropped()` and shown in the status. The proxy never waits for the store. Trims run one at a time: ids
 * trimmed while one runs are removed from the list at once and go to the worker together with the next.
 * Flows trimmed but not yet removed by the worker count in admission too, so its index holds at most the
 * cap and one trim's worth of unpinned flows however far its removals fall behind.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FlowPage, FlowQuery, TrimInfo } from '../../common/api';
import { Emitter } from '../../common/events';
import { compileFilterQuery } from '../../common/filter';
import { messageFilterPage } from './message-filter';
import { toSummary, type Flow, type FlowSummary } from '../../common/flow';
import { LruCache } from '../../common/lru';
import { dataPaths } from '../paths';
import { BodyStore, DEFAULT_BODY_CAP, DEFAULT_SEGMENT_BYTES } from './bodies';
import { MessageLogStore, type PackedLogs } from './message-log';
import { JournalWriter, journalFile, toLines, type JournalRecord } from './journal';
import { MetaWriter, readMeta, type StoreMeta } from './meta';
import { blobsOf, keyLine, type WorkerReply, type WorkerRequest, type WorkerStart } from './protocol';
import { SummaryList } from './summaries';
import type { FlowStore, StoreOptions } from './types';
import { MAX_FLOW_PAGE } from '../../common/flow-pages';
import { WriteWindow } from './write-window';

export type { FlowStore, StoreOptions } from './types';

export const DEFAULT_MAX_FLOWS = 60_000;
export const DEFAULT_TRIM_COUNT = 10_000;
/** Well under a second, so a flow finished a second before a crash is already appended to the datafile. */
const FLUSH_INTERVAL_MS = 50;
const FLUSH_AT_FLOWS = 500;
/**
 * Full flows kept on this side for `get`; the rest are read back from the datafile by the worker in about a
 * millisecond. Few on purpose: when the proxy is busy, a flow held here for thousands of newer ones outlives
 * V8's young generation and becomes old-space garbage (tens of MB more at the peak); when it is not, these
 * are the flows a user is looking at.
 */
const RECENT_FLOWS = 50;
const DEFAULT_PAGE = 200;
/** Seqs reserved per meta write; see meta.ts. */
const SEQ_BLOCK = 10_000;
const MAX_WARNINGS = 20;
/**
 * Write text at the worker unanswered (about 4,000 flows): enough to keep it busy, small enough that what a
 * compaction holds back waits here as compact strings rather than as cloned messages in the worker's heap.
 */
const WORKER_WINDOW_CHARS = 4 * 1024 * 1024;
/**
 * What may wait on its way to the disk (journal appends, worker requests, small bodies) before new exchanges
 * are forwarded unrecorded: about 3 s of capture at 10,000 flows/s of 1 KB bodies.
 */
const DEFAULT_MAX_BACKLOG = 32 * 1024 * 1024;
/**
 * How long a batch of flows waits for the worker to apply it before it is journaled after all (journal.ts):
 * with the 50 ms flush, a flow finished is on disk within about 300 ms even while the worker is held up.
 */
const JOURNAL_UNLESS_APPLIED_MS = 250;
const DAY_MS = 86_400_000;
const AGE_CHECK_MS = 3_600_000;

export function openFlowStore(options: StoreOptions): FlowStore {
  return new WorkerFlowStore(options);
}

class WorkerFlowStore implements FlowStore {
  readonly ready: Promise<void>;
  readonly bodies: BodyStore;
  readonly messages: MessageLogStore;

  private readonly _onDidAdd = new Emitter<FlowSummary[]>();
  readonly onDidAdd = this._onDidAdd.event;
  private readonly _onDidFail = new Emitter<Error>();
  /** The worker died or the datafile could not be opened: nothing more reaches the disk. */
  readonly onDidFail = this._onDidFail.event;
  private readonly _onDidUpdate = new Emitter<FlowSummary[]>();
  readonly onDidUpdate = this._onDidUpdate.event;
  private readonly _onDidRemove = new Emitter<{ ids: string[]; all?: boolean }>();
  readonly onDidRemove = this._onDidRemove.event;
  private readonly _onDidTrim = new Emitter<TrimInfo>();
  readonly onDidTrim = this._onDidTrim.event;
  private readonly _onDidWarn = new Emitter<string>();
  readonly onDidWarn = this._onDidWarn.event;
  private readonly _onDidDrop = new Emitter<number>();
  readonly onDidDrop = this._onDidDrop.event;

  private readonly maxFlows: number;
  private readonly trimCount: number;
  private readonly maxBacklog: number;
  /** `--keep-days`: unpinned flows older than this go too (checked at each flush and hourly). */
  private readonly keepDays: number | undefined;
  private ageTimer: NodeJS.Timeout | undefined;
  /** Every flow's summary; read through `summaries`, which brings the flows recorded since up to date first. */
  private readonly summaryList = new SummaryList();
  /** Flows recorded since their summary was last brought up to date. */
  private readonly unsummarized = new Map<string, Flow>();
  /**
   * The summaries made since the last live events, as made: the events hand them on instead of decoding
   * them again from the list's records (summaries.ts). A flow pinned or removed meanwhile leaves it.
   */
  private readonly madeSummaries = new Map<string, FlowSummary>();
  /** The newest value of each flow changed since the last flush. */
  private readonly pending = new Map<string, Flow>();
  /** When the oldest change in `pending` was made, and when each batch on its way to the worker was (write lag). */
  private pendingSince = 0;
  private readonly writesInFlight = new Set<{ since: number }>();
  private readonly journal: JournalWriter;
  private readonly recent = new LruCache<string, Flow>(RECENT_FLOWS);
  /** Body files of flows updated after they were removed (a trim or clear while they were live). */
  private orphanBlobs: string[] = [];
  /** Removals waiting for their bodies to be written (afterBodiesWritten). */
  private readonly waiting = new Set<Promise<unknown>>();
  /**
   * Flows added and updated since the last flush: the one place live events are merged (a flow changed ten
   * times in 50 ms is one summary); the API and the renderer pass the batches on as they come.
   */
  private readonly added = new Set<string>();
  private readonly updated = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly worker: Worker;
  private workerGone = false;
  private nextRequestId = 1;
  private readonly requests = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private readonly meta: StoreMeta;
  private readonly metaWriter: MetaWriter;
  private maxSeq: number;
  private isReady = false;
  private readonly warningList: string[] = [];
  private closing: Promise<void> | undefined;
  /** What close() waits for now (closeProgress). */
  private closeStep: (() => string) | undefined;
  /** Every request to the worker, in order, with at most WORKER_WINDOW_CHARS of writes unanswered. */
  private readonly window = new WriteWindow(WORKER_WINDOW_CHARS);
  private droppedCount = 0;
  private dropTimer: NodeJS.Timeout | undefined;
  /** The trim whose removal the worker is doing; at most one at a time. */
  private trimRunning: Promise<unknown> | undefined;
  /** Ids trimmed from the list while a trim ran: the worker removes them with the next one. */
  private trimBacklog: string[] = [];
  /**
   * Flows trimmed from the list whose removal the worker has not finished (the trim running and its
   * backlog): the worker's index still holds them, so admission counts them (admit).
   */
  private trimmedNotRemoved = 0;

  constructor(options: StoreOptions) {
    const paths = dataPaths(options.dataDir);
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.trimCount = options.trimCount ?? DEFAULT_TRIM_COUNT;
    this.maxBacklog = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG;
    this.keepDays = options.keepDays;
    if (this.keepDays !== undefined) {
      this.ageTimer = setInterval(() => this.trimIfNeeded(), AGE_CHECK_MS);
      this.ageTimer.unref();
    }
    if (!(this.maxFlows >= 0) || !(this.trimCount >= 1)) throw new RangeError('maxFlows must be >= 0 and trimCount >= 1');
    this.bodies = new BodyStore({ dir: paths.bodiesDir, cap: options.bodyCap ?? DEFAULT_BODY_CAP, onWriteError: (m) => this.warn(m), segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES });
    this.messages = new MessageLogStore({ pathOf: (name) => this.bodies.pathOf(name), maxCount: options.messageCap?.count, maxBytes: options.messageCap?.bytes, onWriteError: (m) => this.warn(m), packed: this.packedLogs() });
    this.meta = readMeta(paths.flowsMeta);
    this.metaWriter = new MetaWriter(paths.flowsMeta, (m) => this.warn(m));
    this.journal = new JournalWriter(journalFile(paths.flowsDb), (m) => this.warn(m));
    this.maxSeq = this.meta.seqReserved;
    this.reserveSeqs();
    // What the last run left in the journal stays until the worker has replayed it.
    const replayed = this.journal.hold();
    this.worker = startWorker({ flowsDb: paths.flowsDb, bodiesDir: paths.bodiesDir, firstSegment: this.bodies.firstSegment, loadChunk: 1_000, removeChunk: 1_000, compactDeadBytes: options.compactDeadBytes });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (reply: WorkerReply) => this.onReply(reply, resolve, reject));
      this.worker.on('error', (err) => {
        this.warn(`The flow store's worker failed: ${err.message}. Flows captured from now on are kept in memory only.`);
        this._onDidFail.fire(err);
        reject(err);
      });
      this.worker.on('exit', (code) => {
        if (!this.closing) this._onDidFail.fire(new Error(`the flow store's writer stopped unexpectedly (exit code ${code})`));
        this.workerGone = true;
        for (const r of this.requests.values()) r.reject(new Error('the flow store is closed'));
        this.requests.clear();
        reject(new Error('the flow store closed before it was ready'));
      });
    });
    // A caller that never awaits `ready` must not see an unhandled rejection; the error stays on `ready`.
    this.ready.catch(() => {});
    this.request({ type: 'sync', id: 0 }).then(replayed, () => {});
  }

  // ---- CaptureSink: called on the proxy's hot path; never throws, never waits ----

  flowStarted(flow: Flow): void {
    this.record(flow, true);
  }

  flowUpdated(flow: Flow): void {
    this.record(flow, false);
  }

  /**
   * Whether a new exchange may be recorded. False while what waits on its way to the disk is over
   * maxBacklog: the proxy then forwards the exchange without recording it, and it is counted.
   */
  admit(): boolean {
    const backlog = this.window.backlogChars + this.journal.queuedChars + this.bodies.unwrittenBytes();
    if (backlog <= this.maxBacklog && !this.removalsBehind()) return true;
    // Counted, not warned about: the status carries the count (`dropped`), which the status bar shows.
    this.droppedCount++;
    // One event per flush interval however many are dropped: nothing else may change meanwhile.
    this.dropTimer ??= setTimeout(() => {
      this.dropTimer = undefined;
      this._onDidDrop.fire(this.droppedCount);
    }, FLUSH_INTERVAL_MS);
    return false;
  }

  dropped(): number {
    return this.droppedCount;
  }

  trimmedUnremoved(): number {
    return this.trimmedNotRemoved;
  }

  /**
   * True when the worker's index would pass the cap and one trim's worth: the flows listed (unpinned; those
   * added since the last flush may be counted twice, which errs on the side of shedding) plus those trimmed
   * whose removal is not done. While one trim is removed the next may gather; a third must wait for the first,
   * so the removals' lag is bounded and a removal that fell behind sheds capture instead of growing the index.
   */
  private removalsBehind(): boolean {
    return this.summaryList.unpinnedCount + this.added.size + this.trimmedNotRemoved > this.maxFlows + this.trimCount;
  }

  /** A seq above every stored or reserved one: the capture proxy's allocator. */
  nextSeq(): number {
    this.maxSeq++;
    this.reserveSeqs();
    return this.maxSeq;
  }

  /**
   * The summaries, brought up to date first. The proxy records a flow three times or more (request, response,
   * end); building its summary once per batch, or when someone looks, instead of at every record leaves
   * the proxy's thread that much more time to forward.
   */
  private get summaries(): SummaryList {
    if (this.unsummarized.size) {
      const flows = [...this.unsummarized.values()];
      this.unsummarized.clear();
      for (const flow of flows) {
        try {
          const summary = toSummary(flow);
          this.summaryList.upsert(summary);
          this.madeSummaries.set(flow.id, summary);
        } catch (err) {
          // One malformed flow must not keep every later read failing: it is left out of the list, and said.
          this.warn(`The summary of flow ${flow.id} could not be kept: ${(err as Error).message}`);
        }
      }
    }
    return this.summaryList;
  }

  private record(flow: Flow, started: boolean): void {
    if (this.closing) return;
    try {
      const known = this.unsummarized.has(flow.id) || this.summaryList.has(flow.id);
      if (!started && !known) {
        // Removed while it was live: its body files were written after the removal.
        this.orphanBlobs.push(...blobsOf(flow));
        this.scheduleFlush();
        return;
      }
      this.unsummarized.set(flow.id, flow);
      if (this.pending.size === 0) this.pendingSince = Date.now();
      this.pending.set(flow.id, flow);
      if (!known) this.added.add(flow.id);
      else if (!this.added.has(flow.id)) this.updated.add(flow.id);
      if (flow.seq > this.maxSeq) {
        this.maxSeq = flow.seq;
        this.reserveSeqs();
      }
      this.scheduleFlush();
    } catch (err) {
      this.warn(`A captured flow could not be recorded: ${(err as Error).message}`);
    }
  }

  /** Short message logs (a gRPC call's) packed into the body segments; a flow's stats name its slice. */
  private packedLogs(): PackedLogs {
    return {
      append: (chunks, length) => this.bodies.appendSlice(chunks, length),
      read: (log) => this.bodies.read({ blob: log, size: 0, storedSize: 0, truncated: false }),
      of: async (flowId) => (this.pending.get(flowId) ?? this.recent.get(flowId) ?? (await this.get(flowId)))?.messages?.log,
    };
  }

  // ---- queries ----

  query(q: FlowQuery): FlowPage {
    const text = q.filter?.trim() ?? '';
    const compiled = text ? compileFilterQuery(text) : undefined;
    // Text inside messages is on disk: such a filter is answered asynchronously (queryStore in message-filter.ts routes it to queryMessages).
    if (compiled?.messageTerms.length) throw new Error('a filter with msg: terms reads message logs: ask queryMessages');
    const match = compiled?.test;
    const limit = Math.min(MAX_FLOW_PAGE, Math.max(1, Math.floor(q.limit ?? DEFAULT_PAGE)));
    const cursor = q.before === undefined ? undefined : { seq: q.before, startedAt: q.beforeTime };
    const page = this.summaries.page(match, cursor, limit);
    const result: FlowPage = { flows: page.flows, matched: page.matched, total: this.summaries.size };
    if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
    if (page.nextCursorTime !== undefined) result.nextCursorTime = page.nextCursorTime;
    return result;
  }

  /** Any filter, `msg:` terms included: those are decided by reading message logs (message-filter.ts). */
  async queryMessages(q: FlowQuery): Promise<FlowPage> {
    const text = q.filter?.trim() ?? '';
    const compiled = compileFilterQuery(text);
    if (compiled.messageTerms.length === 0) return this.query(q);
    const limit = Math.min(MAX_FLOW_PAGE, Math.max(1, Math.floor(q.limit ?? DEFAULT_PAGE)));
    const cursor = q.before === undefined ? undefined : { seq: q.before, startedAt: q.beforeTime };
    const summaries = this.summaries;
    const candidates = summaries.listed(cursor, compiled.mayMatch);
    return messageFilterPage(candidates, compiled, this.messages, limit, summaries.size);
  }

  async get(id: string): Promise<Flow | null> {
    if (!this.summaries.has(id)) {
      await this.ready;
      if (!this.summaries.has(id)) return null;
    }
    const hit = this.pending.get(id) ?? this.recent.get(id);
    if (hit) return structuredClone(hit);
    return (await this.request({ type: 'get', id: 0, flowId: id })) as Flow | null;
  }

  count(): number {
    return this.summaries.size;
  }

  keepLimit(): number {
    return this.maxFlows;
  }

  lastTrim(): TrimInfo | undefined {
    return this.meta.lastTrim;
  }

  warnings(): string[] {
    return [...this.warningList];
  }

  // ---- changes ----

  async pin(ids: string[], pinned: boolean): Promise<number> {
    await this.ready;
    const changed: string[] = [];
    for (const id of new Set(ids)) {
      const s = this.summaries.get(id);
      if (!s || s.pinned === pinned) continue;
      changed.push(id);
      this.summaries.upsert({ ...s, pinned });
      this.madeSummaries.delete(id);
      const known = this.pending.get(id) ?? this.recent.get(id);
      if (known) {
        const flow = { ...known };
        if (pinned) flow.pinned = true;
        else delete flow.pinned;
        this.recent.set(id, flow);
        if (this.pending.has(id)) this.pending.set(id, flow);
      }
      if (!this.added.has(id)) this.updated.add(id);
    }
    if (changed.length === 0) return 0;
    this.sendPending();
    await this.journaled([{ $$pin: changed, pinned }], { type: 'pin', id: 0, flowIds: changed, pinned });
    return changed.length;
  }

  async delete(ids: string[]): Promise<number> {
    await this.ready;
    return this.removeFlows(ids.filter((id) => this.summaries.has(id)), false);
  }

  async clear(options: { includePinned?: boolean } = {}): Promise<number> {
    await this.ready;
    const ids = this.summaries.idsStartedBefore(undefined, !!options.includePinned);
    return this.removeFlows(ids, true);
  }

  private async removeFlows(ids: string[], all: boolean): Promise<number> {
    if (ids.length === 0 && !all) return 0;
    // Send what is pending first, so the worker holds every flow (and knows its body files) it is asked to remove.
    this.sendPending();
    const removed = this.forget(ids);
    const event: { ids: string[]; all?: boolean } = { ids: removed };
    if (all) event.all = true;
    const work = removed.length ? this.removeOnDisk(removed, all) : Promise.resolve(0);
    this._onDidRemove.fire(event);
    await work;
    return removed.length;
  }

  /** Drops flows from the in-memory side; returns the ids that were there. */
  private forget(ids: string[]): string[] {
    const removed = this.summaries.remove(ids);
    for (const id of removed) {
      this.pending.delete(id);
      this.added.delete(id);
      this.updated.delete(id);
      this.madeSummaries.delete(id);
    }
    return removed;
  }

  /**
   * Rolling trim: while more than maxFlows unpinned flows are stored, the oldest trimCount unpinned go (with
   * their body files; removeTrimmed). Runs after each flush, so the count is exact at rest.
   */
  private trimIfNeeded(): void {
    if (!this.isReady) return;
    const removed: string[] = [];
    while (this.summaries.unpinnedCount > this.maxFlows) {
      const ids = this.forget(this.summaries.oldestUnpinned(this.trimCount));
      if (ids.length === 0) break;
      removed.push(...ids);
    }
    if (this.keepDays !== undefined) {
      const before = Date.now() - this.keepDays * DAY_MS;
      removed.push(...this.forget(this.summaries.idsStartedBefore(before, false)));
    }
    if (removed.length === 0) return;
    const info: TrimInfo = { at: Date.now(), removed: removed.length, removedTotal: this.meta.removedTotal + removed.length };
    this.meta.removedTotal = info.removedTotal;
    this.meta.lastTrim = info;
    this.metaWriter.save(this.meta);
    for (const id of removed) this.trimBacklog.push(id);
    this.trimmedNotRemoved += removed.length;
    this.removeTrimmed();
    this._onDidRemove.fire({ ids: removed });
    this._onDidTrim.fire(info);
  }

  /**
   * Has the worker remove what was trimmed, one trim at a time: under sustained load trims come faster than
   * a removal may finish, and each queued one would hold its ids and its own compaction. The worker compacts
   * the datafile only once enough of it is dead (worker.ts), so a trim's work follows what it removes.
   */
  private removeTrimmed(): void {
    if (this.trimRunning || this.trimBacklog.length === 0) return;
    const ids = this.trimBacklog;
    this.trimBacklog = [];
    const running = this.removeOnDisk(ids, false)
      .catch((err: Error) => this.warn(`Trimmed flows could not be removed from disk: ${err.message}`))
      .finally(() => {
        // Also after a failure: the warning says so, and capture must not stay shed for good.
        this.trimmedNotRemoved -= ids.length;
        this.trimRunning = undefined;
        this.removeTrimmed();
      });
    this.trimRunning = running;
    this.waiting.add(running);
    void running.finally(() => this.waiting.delete(running));
  }

  // ---- batching ----

  private scheduleFlush(): void {
    if (this.pending.size >= FLUSH_AT_FLOWS) {
      // Not inside the proxy's call: the next turn sends the batch.
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = setTimeout(() => this.sendPending(), 0);
    } else {
      this.flushTimer ??= setTimeout(() => this.sendPending(), FLUSH_INTERVAL_MS);
    }
  }

  /** Sends pending writes to the worker, fires the batched add/update events, then trims if needed. */
  private sendPending(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size) {
      const flows = [...this.pending.values()];
      this.pending.clear();
      // `get` finds a flow in `pending` until now, and the newest few in `recent` from now on: filled once per
      // batch rather than at each of a flow's records.
      for (let i = Math.max(0, flows.length - RECENT_FLOWS); i < flows.length; i++) this.recent.set(flows[i].id, flows[i]);
      const batch = { since: this.pendingSince };
      this.writesInFlight.add(batch);
      // One request per batch: one message to wake the worker and one append to the datafile, whatever its size.
      const { lines, keys, chars } = docLines(flows);
      const applied = this.journal.appendUnlessApplied(lines, JOURNAL_UNLESS_APPLIED_MS);
      const work = this.request({ type: 'write', id: 0, lines, keys }, chars);
      void work.then(applied, () => {});
      void work
        .catch((err: Error) => this.warn(`Captured flows could not be saved: ${err.message}`))
        .then(() => this.writesInFlight.delete(batch));
    }
    if (this.orphanBlobs.length) {
      const blobs = this.orphanBlobs;
      this.orphanBlobs = [];
      void this.afterBodiesWritten(() => this.post({ type: 'remove-bodies', blobs }));
    }
    this.emit(this.added, this._onDidAdd);
    this.emit(this.updated, this._onDidUpdate);
    this.madeSummaries.clear();
    this.trimIfNeeded();
  }

  private emit(ids: Set<string>, emitter: Emitter<FlowSummary[]>): void {
    if (ids.size === 0) return;
    const batch: FlowSummary[] = [];
    const summaries = this.summaries;
    for (const id of ids) {
      const s = this.madeSummaries.get(id) ?? summaries.get(id);
      if (s) batch.push(s);
    }
    ids.clear();
    if (batch.length) emitter.fire(batch);
  }

  // ---- the worker ----

  private onReply(reply: WorkerReply, resolve: () => void, reject: (err: Error) => void): void {
    switch (reply.type) {
      case 'loaded':
        this.summaries.addSorted(reply.summaries);
        this.post({ type: 'loaded-ack' });
        return;
      case 'ready':
        for (const w of reply.warnings) this.warn(w);
        if (reply.maxSeq > this.maxSeq) {
          this.maxSeq = reply.maxSeq;
          this.reserveSeqs();
        }
        this.isReady = true;
        resolve();
        // Settings may have lowered the cap since the last run.
        this.trimIfNeeded();
        return;
      case 'open-failed':
        this.warn(reply.message);
        this._onDidFail.fire(new Error(reply.message));
        reject(new Error(reply.message));
        return;
      case 'warning':
        this.warn(reply.message);
        return;
      case 'result':
      case 'error': {
        const r = this.requests.get(reply.id);
        if (!r) return;
        this.requests.delete(reply.id);
        if (reply.type === 'result') r.resolve(reply.value);
        else r.reject(new Error(reply.message));
        return;
      }
    }
  }

  /** Removes flows with their body files; `compact` rewrites the datafile afterwards (trims, clears). */
  private removeOnDisk(ids: string[], compact: boolean): Promise<unknown> {
    const records: JournalRecord[] = ids.map((id) => ({ $$deleted: true as const, _id: id }));
    return this.afterBodiesWritten(() => this.journaled(records, { type: 'remove', id: 0, flowIds: ids, compact }));
  }

  /**
   * Runs `send` once the bodies handed out so far are written and will not be written again: the worker
   * zeroes removed bodies in their segment file (bodies.ts), which must not happen before their bytes land,
   * nor while a segment written past the page cache is open (BodyStore.settle seals it).
   */
  private afterBodiesWritten<T>(send: () => T | Promise<T>): Promise<T> {
    if (this.bodies.segmentsSettled()) {
      try {
        return Promise.resolve(send());
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    const work = this.bodies.settle().then(send);
    const settled: Promise<unknown> = work.then(
      () => this.waiting.delete(settled),
      () => this.waiting.delete(settled),
    );
    this.waiting.add(settled);
    return work;
  }

  /**
   * Journals a removal or a pin (journal.ts), then has the worker apply it; the journal lets go of the lines
   * once the worker has. Captured flows go through sendPending instead: journaled only if the worker is slow,
   * and their write request carries the same text, so the flows are serialized once.
   */
  private journaled(records: JournalRecord[], request: WorkerRequest & { id: number }): Promise<unknown> {
    const applied = this.journal.append(toLines(records));
    const work = this.request(request);
    void work.then(applied, () => {});
    return work;
  }

  private post(request: WorkerRequest): void {
    if (!this.workerGone) this.worker.postMessage(request);
  }

  /**
   * Sends a request that the worker answers, through the window (in order behind every earlier request);
   * its `id` is assigned when it is posted. `chars`: the write text it carries.
   */
  private request(request: WorkerRequest & { id: number }, chars = 0): Promise<unknown> {
    return this.window.push(chars, () => {
      if (this.workerGone) return Promise.reject(new Error('the flow store is closed'));
      const id = this.nextRequestId++;
      return new Promise((resolve, reject) => {
        this.requests.set(id, { resolve, reject });
        this.worker.postMessage({ ...request, id });
      });
    });
  }

  private reserveSeqs(): void {
    if (this.maxSeq <= this.meta.seqReserved - SEQ_BLOCK / 2) return;
    this.meta.seqReserved = this.maxSeq + SEQ_BLOCK;
    this.metaWriter.save(this.meta);
  }

  /** How long the oldest captured change not yet written by the worker has waited (0 when none waits), for /metrics. */
  writeLagMs(): number {
    let oldest = this.pending.size ? this.pendingSince : Infinity;
    for (const w of this.writesInFlight) oldest = Math.min(oldest, w.since);
    return Number.isFinite(oldest) ? Math.max(0, Date.now() - oldest) : 0;
  }

  private warn(message: string): void {
    if (this.warningList.includes(message)) return;
    this.warningList.push(message);
    if (this.warningList.length > MAX_WARNINGS) this.warningList.shift();
    this._onDidWarn.fire(message);
  }

  async flush(): Promise<void> {
    await this.ready;
    this.sendPending();
    await this.settleWaiting();
    await this.request({ type: 'sync', id: 0 });
    await this.journal.flush();
    await this.bodies.flush();
    await this.messages.flush();
  }

  /**
   * How many flows the worker's index holds once the work sent so far is done: the stored flows plus those
   * trimmed whose removal has not reached the worker yet (tests and diagnostics compare it with count()).
   */
  async storedOnDisk(): Promise<number> {
    await this.ready;
    return (await this.request({ type: 'sync', id: 0 })) as number;
  }

  /** Waits for the removals in progress, and for those they start (a trim's backlog goes when the trim before it ends). */
  private async settleWaiting(): Promise<void> {
    while (this.waiting.size) await Promise.all([...this.waiting]);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  closeProgress(): string | undefined {
    return this.closeStep?.();
  }

  private async shutdown(): Promise<void> {
    if (this.ageTimer) clearInterval(this.ageTimer);
    this.closeStep = () => 'the stored flows to load';
    await this.ready.catch(() => {});
    this.sendPending();
    this.closeStep = () => `the removal of ${this.trimmedNotRemoved} trimmed flows and the body writes before it`;
    await this.settleWaiting();
    if (!this.workerGone) {
      this.closeStep = () => `the store's worker to write ${this.window.backlogChars} characters of flows and close the datafile`;
      const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
      await this.request({ type: 'close', id: 0 }).catch(() => {});
      // The worker ends by itself once its port closes; terminate only if it has not by then.
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref())]);
      if (!this.workerGone) await this.worker.terminate();
    }
    this.closeStep = () => `the journal (${this.journal.queuedChars} characters unwritten)`;
    await this.journal.close();
    this.closeStep = () => 'the message logs';
    await this.messages.close();
    this.closeStep = () => `the body files (${this.bodies.unwrittenBytes()} bytes unwritten)`;
    await this.bodies.close();
    this.closeStep = () => 'the meta file';
    // Every flow is on disk now: the reservation shrinks to the seqs actually used, so the next run continues
    // from the last flow's number instead of the end of a block (a jump of up to SEQ_BLOCK per restart).
    // After a crash this is never reached and the block still guarantees no seq is handed out twice.
    this.meta.seqReserved = this.maxSeq;
    this.metaWriter.save(this.meta);
    await this.metaWriter.flush();
    this.closeStep = undefined;
    if (this.dropTimer) clearTimeout(this.dropTimer);
    for (const e of [this._onDidAdd, this._onDidUpdate, this._onDidRemove, this._onDidTrim, this._onDidWarn, this._onDidDrop]) e.dispose();
  }
}

/**
 * Flows as datafile lines (nedb documents: the flow with `_id` = its id, no newline), one string each, with
 * every line's key in order (keyLine), and the characters in all (newlines counted). One flat string per flow
 * straight from JSON.stringify, sent as it is: building the line from two texts (`{"_id":…,` and the flow's
 * JSON less its brace) copied the flow's JSON again, and joining lines into chunks made a rope that the
 * message to the worker flattened, a third copy. Each string is far under the 128 KB above which V8
 * allocates a string in its old generation.
 */
function docLines(flows: Flow[]): { lines: string[]; keys: string; chars: number } {
  const lines: string[] = new Array(flows.length);
  let keys = '';
  let chars = 0;
  for (let i = 0; i < flows.length; i++) {
    const flow = flows[i];
    // `_id` first, as nedb writes it; the spread copies the flow's top-level fields only.
    const line = JSON.stringify({ _id: flow.id, ...flow });
    lines[i] = line;
    chars += line.length + 1;
    keys += keyLine(flow);
  }
  return { lines, keys, chars };
}

/**
 * The worker's young generation: V8 grows it to 32 MB under a steady stream of writes, yet what the worker
 * allocates per batch (parsed lines, index entries) dies within the batch, so a small one costs nothing
 * measurable and keeps that memory out of the proxy's footprint. Not smaller: a 500-flow batch outgrows a
 * 2 MB one and is promoted, so the worker's heap peaked higher (57–68 MB against 45–52 MB at ~55,000 stored
 * flows) with four times the collections; not larger: 16 MB added 3–5 MB of heap (docs/BENCHMARKS.md).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * The worker runs worker.js beside this file in dist/, or worker.ts beside it when running from source under
 * tsx: a worker started on a .ts path is not handed to tsx's loader, so it first registers tsx's require hook.
 */
function startWorker(data: WorkerStart): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `worker${ext}`);
  if (ext !== '.ts') return new Worker(file, { workerData: data, resourceLimits: WORKER_LIMITS });
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true, workerData: data, resourceLimits: WORKER_LIMITS });
}
