/**
 * The flow store on PostgreSQL (issue 21): the same FlowStore contract as the embedded store, for a team
 * whose nodes (`hindsight serve --store postgres://… --node NAME`) share one database.
 *
 * - Writes: the proxy's records are batched in memory and written every 50 ms (or at 500 flows) in one
 *   transaction with the bodies and messages they refer to (pg-bodies.ts, pg-messages.ts), so a flow that
 *   finished more than a second before a crash is in the database. New flows are upserts; updates of flows
 *   written before are UPDATEs, so a flow deleted meanwhile (by any node) is not brought back.
 * - Reads: every query runs in the database (pg-query.ts); nothing holds every flow in memory.
 * - Other nodes: each flush notifies `hindsight_flows` (LISTEN/NOTIFY) with the ids it wrote or removed;
 *   every node listens (pg-listen.ts) and fires the same onDidAdd/onDidUpdate/onDidRemove events for flows
 *   other nodes captured, so any node's UI lists every node's flows live.
 * - Retention (pg-retention.ts): batched deletes in their own short transactions, off the write path.
 * - Seqs: blocks from a database sequence (pg-seq.ts), unique across nodes without a round trip per flow.
 *   They order flows, not writes (blocks interleave), so every write also takes a revision from one more
 *   sequence: when the LISTEN connection comes back after a loss, the flows written since the last revision
 *   seen are read and fired as events (pg-catch-up.ts).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { FlowPage, FlowQuery, TrimInfo } from '../../../common/api';
import { Emitter } from '../../../common/events';
import type { Flow, FlowSummary } from '../../../common/flow';
import { DEFAULT_BODY_CAP } from '../bodies';
import type { AnyFlowStore } from '../types';
import { PgBodyStore, type BodyRow } from './pg-bodies';
import { checkOut, openCopyWriterPool, openMigratedPool, openWriterPool } from './pg-db';
import { flowsSince, latestRev } from './pg-catch-up';
import { FlowListener, notifyPayloads, type FlowNotice } from './pg-listen';
import { PgMessageLog, type MessageRow } from './pg-messages';
import { queryFlows } from './pg-query';
import { Retention, type RemovedFlow, type RetentionOptions } from './pg-retention';
import { SeqBlocks } from './pg-seq';
import { needsCopy, writeBatch, type BatchResult, type PendingFlow } from './pg-write';
import { isDataError, writeIsolating, type WriteParts } from './pg-write-isolate';
import { flowsWithRows, holdYoungLive, HOLD_LIVE_MS } from './pg-batch';

export interface PgStoreOptions extends RetentionOptions {
  url: string;
  /** This node's name, recorded on every flow it captures (`--node`); default the host name. */
  node?: string;
  bodyCap?: number;
  messageCap?: { count?: number; bytes?: number };
  /** Wait between attempts to reopen a lost LISTEN connection (default one second). */
  listenRetryMs?: number;
  /**
   * Bytes that may wait for the database (bodies, message payloads, an estimate per pending flow) before new
   * exchanges are forwarded unrecorded and counted in `dropped()` (default 64 MB).
   */
  maxBacklogBytes?: number;
  /** How long a background flush holds a live exchange back, waiting for its end (pg-batch.ts; default HOLD_LIVE_MS). */
  holdLiveMs?: number;
}

const FLUSH_INTERVAL_MS = 50;
const FLUSH_AT_FLOWS = 500;
/** Body and message bytes that start a flush before the interval ends: statements and held memory stay small. */
const FLUSH_AT_BYTES = 8 * 1024 * 1024;
/**
 * The embedded store's 32 MB doubled: a batch being written holds its bodies until it commits, and a database
 * restart takes seconds during which flows wait here.
 */
const DEFAULT_MAX_BACKLOG = 64 * 1024 * 1024;
/** What a pending flow's JSON is counted as in the backlog (a typical flow with headers: 1–3 KB). */
const FLOW_BYTES_ESTIMATE = 2 * 1024;
/** After a failed write, the next try waits this long (the database restarting, a network blip). */
const RETRY_MS = 1_000;
/** Flows held in memory while the database cannot be written; past this, new flows are counted and dropped. */
const MAX_UNWRITTEN = 100_000;
const MAX_WARNINGS = 20;
/** Flow ids one warning names about flows stored with characters replaced; the rest are counted. */
const NAMED_FLOWS = 5;
/** Ids of flows set aside that are remembered, so their later records are skipped and each is counted once. */
const MAX_SET_ASIDE = 10_000;

/** Opens (and migrates) the store; resolves once it is ready to capture. */
export async function openPgStore(options: PgStoreOptions): Promise<PgFlowStore> {
  const pool = await openMigratedPool(options.url);
  try {
    const seqs = await SeqBlocks.open(pool);
    const store = new PgFlowStore(pool, seqs, options);
    await store.start();
    return store;
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}

export class PgFlowStore implements AnyFlowStore {
  readonly ready: Promise<void> = Promise.resolve();
  readonly bodies: PgBodyStore;
  readonly messages: PgMessageLog;
  readonly node: string;

  private readonly _onDidAdd = new Emitter<FlowSummary[]>();
  readonly onDidAdd = this._onDidAdd.event;
  private readonly _onDidUpdate = new Emitter<FlowSummary[]>();
  readonly onDidUpdate = this._onDidUpdate.event;
  private readonly _onDidRemove = new Emitter<{ ids: string[]; all?: boolean }>();
  readonly onDidRemove = this._onDidRemove.event;
  private readonly _onDidTrim = new Emitter<TrimInfo>();
  readonly onDidTrim = this._onDidTrim.event;
  private readonly _onDidDrop = new Emitter<number>();
  readonly onDidDrop = this._onDidDrop.event;
  private readonly _onDidWarn = new Emitter<string>();
  readonly onDidWarn = this._onDidWarn.event;

  /** This store instance, so it skips its own notifications. */
  private readonly origin = randomUUID();
  private pending = new Map<string, PendingFlow>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private total = 0;
  private trimInfo: TrimInfo | undefined;
  private droppedFlows = 0;
  private dropTimer: NodeJS.Timeout | undefined;
  private readonly maxBacklog: number;
  private readonly holdLiveMs: number;
  /** The connection batches are written on, pipelined (pg-db.ts openWriterPool); reads use `pool`. */
  private readonly writer: pg.Pool;
  /** The connection batches with a large body are written on (COPY runs outside pipeline mode; pg-body-copy.ts). */
  private readonly copyWriter: pg.Pool;
  private readonly warningList: string[] = [];
  private readonly listener: FlowListener;
  private readonly retention: Retention;
  private closing: Promise<void> | undefined;
  private notices: Promise<void> = Promise.resolve();
  /** The highest flow revision this node has seen (its own writes, notices, catch-ups): where a catch-up starts. */
  private seenRev = 0;
  /** The LISTEN connection is down (or back, not yet caught up): notifications are being missed. */
  private listenLost = false;
  /** This node's own writes while listenLost, id → revision: the catch-up leaves them out (already fired). */
  private ownWhileLost = new Map<string, number>();
  /** What the last catch-up fired, id → revision: a late notification of the same write is not fired again. */
  private caughtUp = new Map<string, number>();
  /** Flows the database refused for their data (writeAround): counted once, their later records skipped. */
  private readonly setAside = new Set<string>();

  constructor(
    /** Also used by the rule store's documents on the same database (rules/pg-rule-docs.ts). */
    readonly pool: pg.Pool,
    private readonly seqs: SeqBlocks,
    options: PgStoreOptions,
  ) {
    this.node = options.node ?? '';
    this.maxBacklog = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG;
    this.holdLiveMs = options.holdLiveMs ?? HOLD_LIVE_MS;
    this.writer = openWriterPool(options.url);
    this.copyWriter = openCopyWriterPool(options.url);
    const schedule = () => this.scheduleFlush();
    this.bodies = new PgBodyStore(pool, options.bodyCap ?? DEFAULT_BODY_CAP, schedule);
    this.messages = new PgMessageLog(pool, options.messageCap, schedule, () => this.flush());
    // One notice at a time, in the order they came: an add read after the update that followed it would
    // otherwise reach the UI with the flow's older state.
    this.listener = new FlowListener(options.url, (notice) => (this.notices = this.notices.then(() => this.onNotice(notice))), (m) => this.warn(m), {
      retryMs: options.listenRetryMs,
      onLost: () => {
        this.listenLost = true;
        this.caughtUp = new Map();
      },
      // In the same queue as notices: those arriving from now on are handled after the catch-up.
      onReconnected: () => (this.notices = this.notices.then(() => this.catchUp())),
    });
    this.retention = new Retention(pool, options, {
      removed: (flows, trim) => this.removed(flows, false, trim),
      warn: (m) => this.warn(m),
    });
    seqs.onError = (m) => this.warn(m);
  }

  async start(): Promise<void> {
    await this.refreshCounts();
    await this.listener.start();
    // After LISTEN: a write between the two is then notified, or below this watermark, never missed.
    this.seenRev = Math.max(this.seenRev, await latestRev(this.pool));
    this.retention.start();
  }

  // ---- CaptureSink: on the proxy's hot path; never throws, never waits ----

  flowStarted(flow: Flow): void {
    this.record(flow, true);
  }

  flowUpdated(flow: Flow): void {
    this.record(flow, false);
  }

  private record(flow: Flow, started: boolean): void {
    if (this.closing || (this.setAside.size > 0 && this.setAside.has(flow.id))) return;
    const known = this.pending.get(flow.id);
    if (!known && this.pending.size >= MAX_UNWRITTEN) {
      this.countDrop();
      this.warn(`The database is not taking writes; ${MAX_UNWRITTEN.toLocaleString('en-US')} flows are waiting in memory and newer ones are being dropped (forwarding continues).`);
      return;
    }
    // The flow as the proxy holds it, as the embedded store keeps it: stamped with this node when written
    // (stamped()), not copied at each of its four or more records.
    if (known) {
      known.flow = flow;
      if (started) known.fresh = true;
    } else this.pending.set(flow.id, { flow, fresh: started });
    this.scheduleFlush();
  }

  nextSeq(): number {
    return this.seqs.next();
  }

  /**
   * The capture proxy asks before recording an exchange: false while what waits for the database (pending
   * flows, body and message bytes) is over the backlog bound or MAX_UNWRITTEN flows, so the exchange is
   * forwarded unrecorded and counted instead of queued without bound — the embedded store's accounting.
   */
  admit(): boolean {
    if (this.closing) return true;
    if (this.pending.size < MAX_UNWRITTEN && this.backlogBytes() <= this.maxBacklog) return true;
    this.countDrop();
    return false;
  }

  private backlogBytes(): number {
    return this.bodies.unwrittenBytes() + this.messages.unwrittenBytes() + this.pending.size * FLOW_BYTES_ESTIMATE;
  }

  /** One drop event per flush interval however many are dropped, as the embedded store fires them. */
  private countDrop(): void {
    this.droppedFlows++;
    this.dropTimer ??= setTimeout(() => {
      this.dropTimer = undefined;
      this._onDidDrop.fire(this.droppedFlows);
    }, FLUSH_INTERVAL_MS);
  }

  /** Flows dropped because the database was unreachable for too long. */
  dropped(): number {
    return this.droppedFlows;
  }

  // ---- reads ----

  query(q: FlowQuery): Promise<FlowPage> {
    return queryFlows(this.pool, q, this.total, this.messages);
  }

  /** A filter with `msg:` terms: query() answers it too (message-filter.ts). */
  queryMessages(q: FlowQuery): Promise<FlowPage> {
    return this.query(q);
  }

  async get(id: string): Promise<Flow | null> {
    const hit = this.pending.get(id);
    if (hit) return structuredClone(this.stamped(hit.flow));
    const { rows } = await this.pool.query<{ flow: Flow }>('SELECT flow FROM flows WHERE id = $1', [id]);
    return rows[0]?.flow ?? null;
  }

  count(): number {
    return this.total;
  }

  lastTrim(): TrimInfo | undefined {
    return this.trimInfo;
  }

  warnings(): string[] {
    return [...this.warningList];
  }

  // ---- changes ----

  async pin(ids: string[], pinned: boolean): Promise<number> {
    await this.flush();
    const { rows } = await this.pool.query<{ summary: FlowSummary; rev: number }>(
      `UPDATE flows SET pinned = $2, summary = jsonb_set(summary, '{pinned}', to_jsonb($2::boolean)),
         flow = CASE WHEN $2 THEN flow || '{"pinned":true}'::jsonb ELSE flow - 'pinned' END,
         rev = nextval('flow_revs')
       WHERE id = ANY($1) AND pinned <> $2 RETURNING summary, rev`,
      [[...new Set(ids)], pinned],
    );
    this.wrote(rows.map((r): [string, number] => [r.summary.id, r.rev]));
    if (rows.length) {
      const summaries = rows.map((r) => r.summary);
      this._onDidUpdate.fire(summaries);
      await this.notify({ u: summaries.map((s) => s.id) });
    }
    return rows.length;
  }

  async delete(ids: string[]): Promise<number> {
    await this.flush();
    const removed = await this.retention.deleteIds([...new Set(ids)]);
    await this.removed(removed, false);
    return removed.length;
  }

  async clear(options: { includePinned?: boolean } = {}): Promise<number> {
    await this.flush();
    const removed = await this.retention.clear(!!options.includePinned);
    await this.removed(removed, true);
    return removed.length;
  }

  /** After rows were deleted here: forget them, fire the events, tell the other nodes. */
  private async removed(flows: RemovedFlow[], all: boolean, trim?: TrimInfo): Promise<void> {
    const ids = flows.map(([id]) => id);
    for (const id of ids) this.pending.delete(id);
    this.wrote(flows);
    await this.refreshCounts().catch(() => {});
    if (ids.length || all) this._onDidRemove.fire(all ? { ids, all } : { ids });
    if (trim) this._onDidTrim.fire(trim);
    const v = flows.length ? flows.reduce((max, [, rev]) => (rev > max ? rev : max), 0) : undefined;
    await this.notify({ r: ids, ...(all ? { all: true as const } : {}), ...(v !== undefined ? { v } : {}) }, trim);
  }

  // ---- writing ----

  private scheduleFlush(): void {
    if (this.pending.size >= FLUSH_AT_FLOWS || this.bodies.unwrittenBytes() + this.messages.unwrittenBytes() >= FLUSH_AT_BYTES) {
      if (this.flushTimer) clearTimeout(this.flushTimer);
      this.flushTimer = setTimeout(() => this.flushInBackground(), 0);
    } else {
      this.flushTimer ??= setTimeout(() => this.flushInBackground(), FLUSH_INTERVAL_MS);
    }
  }

  /**
   * A flush nobody waits for (the timers'): its failure was warned about and a retry scheduled by flushSoon,
   * so the rejection is dropped here; left unhandled it would end the process while the database is down.
   */
  private flushInBackground(): void {
    this.flushSoon(false).catch(() => {});
  }

  /** One flush at a time; a failed one is retried later with what came meanwhile. `all`: no live flow held (pg-batch.ts). */
  private flushSoon(all = true): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.flushing) return this.flushing;
    this.flushing = this.writeBatch(all)
      .catch((err: Error) => {
        this.warn(`Captured flows could not be written to the database (${err.message}); retrying.`);
        if (!this.closing) this.flushTimer = setTimeout(() => this.flushInBackground(), RETRY_MS);
        throw err;
      })
      .finally(() => {
        this.flushing = undefined;
        // What was recorded while this flush ran: its timer may have fired (and found this flush busy).
        if (!this.closing && !this.flushTimer && this.hasUnwritten()) this.scheduleFlush();
      });
    return this.flushing;
  }

  private async writeBatch(all: boolean): Promise<void> {
    if (!this.hasUnwritten()) return;
    const { bodies, messages } = this.withoutSetAside(this.bodies.take(), this.messages.take());
    const { write: batch, held } = all ? { write: this.pending, held: new Map<string, PendingFlow>() } : holdYoungLive(this.pending, flowsWithRows(bodies, messages), Date.now(), this.holdLiveMs);
    this.pending = held;
    if (batch.size === 0 && bodies.length === 0 && messages.length === 0) return;
    let result: BatchResult;
    try {
      result = await this.writeAll([...batch.values()], bodies, messages);
    } catch (err) {
      // Refused for what a flow holds: retrying it as it is would fail for ever and hold every flow behind it.
      if (isDataError(err)) return this.writeAround({ flows: [...batch.values()], bodies, messages }, err);
      this.requeue({ flows: [...batch.values()], bodies, messages });
      throw err;
    }
    this.committed({ flows: [], bodies, messages }, result);
  }

  /**
   * Bodies and messages of flows set aside (ended after their flow was refused) are let go, not written: rows
   * no stored flow refers to would never be trimmed or deleted with one.
   */
  private withoutSetAside(bodies: BodyRow[], messages: MessageRow[]): { bodies: BodyRow[]; messages: MessageRow[] } {
    if (this.setAside.size === 0) return { bodies, messages };
    const aside = (row: { flowId: string }) => this.setAside.has(row.flowId);
    this.bodies.settled(bodies.filter(aside), true);
    this.messages.settled(messages.filter(aside), true);
    return { bodies: bodies.filter((b) => !aside(b)), messages: messages.filter((m) => !aside(m)) };
  }

  /** A write failed: its flows go back in front of what was recorded since (a newer value of the same flow wins). */
  private requeue(parts: WriteParts): void {
    for (const p of parts.flows) {
      const newer = this.pending.get(p.flow.id);
      if (!newer) this.pending.set(p.flow.id, p);
      else if (p.fresh) newer.fresh = true;
    }
    this.bodies.settled(parts.bodies, false);
    this.messages.settled(parts.messages, false);
  }

  /** `parts` no longer wait (written, or set aside); `result`: what was written, for the events. */
  private committed(parts: WriteParts, result: BatchResult): void {
    this.bodies.settled(parts.bodies, true);
    this.messages.settled(parts.messages, true);
    this.wrote(result.revs);
    if (result.added.length) this._onDidAdd.fire(result.added);
    if (result.updated.length) this._onDidUpdate.fire(result.updated);
    this.retention.wake(this.total);
  }

  /**
   * The batch was refused for its data (pg-write-isolate.ts): written again with its text made storable, or
   * in parts around the flows at fault, which are set aside, counted with the dropped exchanges and named in
   * a warning. A failure of another kind meanwhile (the connection lost) leaves what was not written yet for
   * the retry, as any failed write.
   */
  private async writeAround(parts: WriteParts, refused: pg.DatabaseError): Promise<void> {
    const outcome = await writeIsolating(parts, refused, (p) => this.writeAll(p.flows, p.bodies, p.messages));
    this.committed(outcome.done, outcome.written);
    if (outcome.repaired.length) {
      const ids = outcome.repaired;
      const named = ids.length > NAMED_FLOWS ? `${ids.slice(0, NAMED_FLOWS).join(', ')} and ${ids.length - NAMED_FLOWS} more` : ids.join(', ');
      this.warn(`PostgreSQL refused text in flow${ids.length === 1 ? '' : 's'} ${named} (${refused.message}): stored with U+FFFD for each NUL or unpaired surrogate; bodies unchanged.`);
    }
    for (const { id, reason } of outcome.setAside) {
      if (this.setAside.has(id)) continue;
      if (this.setAside.size >= MAX_SET_ASIDE) this.setAside.clear();
      this.setAside.add(id);
      // A newer record of it that came meanwhile would be refused the same way.
      this.pending.delete(id);
      this.countDrop();
      this.warn(`Flow ${id} was not stored: PostgreSQL refused it (${reason}).`);
    }
    if (outcome.error !== undefined) {
      this.requeue(outcome.unwritten);
      throw outcome.error;
    }
  }

  /** The flow with the node that captured it: this one, unless it came with one (a copy from another store). */
  private stamped(flow: Flow): Flow {
    return this.node && flow.node === undefined ? { ...flow, node: this.node } : flow;
  }

  private async writeAll(batch: PendingFlow[], bodies: BodyRow[], messages: MessageRow[]): Promise<BatchResult> {
    // Flushes run one at a time, so batches on the two writers never overlap: each commits before the next starts.
    const { client, release } = await checkOut(needsCopy(bodies) ? this.copyWriter : this.writer);
    let broken = false;
    try {
      const flows = batch.map((p) => ({ flow: this.stamped(p.flow), fresh: p.fresh }));
      const result = await writeBatch(client, flows, bodies, messages, (added, updated) => notifyPayloads(this.origin, { a: added.map((s) => s.id), u: updated.map((s) => s.id) }));
      this.total = result.total;
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw err;
    } finally {
      release(broken);
    }
  }

  private async notify(notice: Omit<FlowNotice, 'o'>, trim?: TrimInfo): Promise<void> {
    const full = trim ? { ...notice, t: trim } : notice;
    try {
      for (const payload of notifyPayloads(this.origin, full)) await this.pool.query('SELECT pg_notify($1, $2)', [FlowListener.CHANNEL, payload]);
    } catch (err) {
      this.warn(`Other nodes could not be told about a change: ${(err as Error).message}`);
    }
  }

  /** Another node wrote or removed flows: the same events as for our own. */
  private async onNotice(notice: FlowNotice): Promise<void> {
    if (notice.o === this.origin) return;
    try {
      const ids = [...(notice.a ?? []), ...(notice.u ?? [])];
      if (ids.length) {
        const { rows: all } = await this.pool.query<{ summary: FlowSummary; rev: number | null }>('SELECT summary, rev FROM flows WHERE id = ANY($1) ORDER BY started_at, seq', [ids]);
        for (const r of all) if (r.rev !== null && r.rev > this.seenRev) this.seenRev = r.rev;
        // A write the catch-up after a lost connection already fired is not fired again.
        const rows = this.caughtUp.size ? all.filter((r) => this.caughtUp.get(r.summary.id) !== r.rev) : all;
        const added = new Set(notice.a ?? []);
        const a = rows.filter((r) => added.has(r.summary.id)).map((r) => r.summary);
        const u = rows.filter((r) => !added.has(r.summary.id)).map((r) => r.summary);
        if (a.length) this._onDidAdd.fire(a);
        if (u.length) this._onDidUpdate.fire(u);
      }
      if (notice.v !== undefined && notice.v > this.seenRev) this.seenRev = notice.v;
      if (notice.r || notice.all) this._onDidRemove.fire(notice.all ? { ids: notice.r ?? [], all: true } : { ids: notice.r ?? [] });
      if (notice.t) {
        this.trimInfo = notice.t;
        this._onDidTrim.fire(notice.t);
      }
      await this.refreshCounts();
    } catch (err) {
      this.warn(`Flows from another node could not be read: ${(err as Error).message}`);
    }
  }

  /** This node wrote these flows (id, revision): the watermark moves, unless notifications are being missed. */
  private wrote(revs: [string, number][]): void {
    for (const [id, rev] of revs) {
      if (this.listenLost) this.ownWhileLost.set(id, rev);
      else if (rev > this.seenRev) this.seenRev = rev;
    }
  }

  /** LISTEN is back after a loss: fires what other nodes wrote meanwhile, as if it had been notified. */
  private async catchUp(): Promise<void> {
    const own = this.ownWhileLost;
    try {
      const result = await flowsSince(this.pool, this.seenRev, (id, rev) => own.get(id) === rev);
      this.seenRev = Math.max(this.seenRev, result.rev);
      this.caughtUp = result.revs;
      if (result.added.length) this._onDidAdd.fire(result.added);
      if (result.updated.length) this._onDidUpdate.fire(result.updated);
      if (result.removed.length) this._onDidRemove.fire({ ids: result.removed });
      if (result.truncated) this.warn(`More flows changed on other nodes while the connection was lost than are read back live; reload to see them all.`);
      await this.refreshCounts();
    } catch (err) {
      this.warn(`Flows other nodes wrote while the connection was lost could not be read (${(err as Error).message}); they show after a reload.`);
    } finally {
      this.listenLost = false;
      this.ownWhileLost = new Map();
    }
  }

  private async refreshCounts(): Promise<void> {
    const { rows } = await this.pool.query<{ flows: number; last_trim: TrimInfo | null }>('SELECT flows, last_trim FROM store_counts');
    this.total = rows[0].flows;
    this.trimInfo = rows[0].last_trim ?? undefined;
  }

  /** Adds a warning the user sees in the status (also for parts beside the store on its database). */
  warn(message: string): void {
    if (this.warningList.includes(message)) return;
    this.warningList.push(message);
    if (this.warningList.length > MAX_WARNINGS) this.warningList.shift();
    this._onDidWarn.fire(message);
  }

  /** Flows, bodies or messages wait for the next flush. */
  private hasUnwritten(): boolean {
    return this.pending.size > 0 || this.bodies.hasQueued() || this.messages.hasQueued();
  }

  /** Resolves when everything recorded so far is in the database. */
  async flush(): Promise<void> {
    // A flush may be running with an older batch: wait for it, then write what came since.
    for (let i = 0; i < 3; i++) {
      if (this.flushing) await this.flushing;
      if (!this.hasUnwritten()) return;
      await this.flushSoon();
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.retention.stop();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dropTimer) clearTimeout(this.dropTimer);
    // flush(), not flushSoon(): a background flush may be running, and what it left (held live flows,
    // records that came meanwhile) is written too.
    await this.flush().catch(() => {});
    await this.retention.idle();
    await this.listener.stop();
    await this.writer.end().catch(() => {});
    await this.copyWriter.end().catch(() => {});
    await this.pool.end().catch(() => {});
    for (const e of [this._onDidAdd, this._onDidUpdate, this._onDidRemove, this._onDidTrim, this._onDidWarn, this._onDidDrop]) e.dispose();
  }
}
