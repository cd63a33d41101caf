/**
 * The flow store's contract, as the proxy (through CaptureSink), the API and the CLI see it.
 * Implementations: electron/core/store/ (nedb-promises off the proxy's thread + in-memory summaries), the
 * default; electron/core/store/pg/ (PostgreSQL, for a team: several nodes on one database).
 */
import type { Flow, FlowSummary } from '../../common/flow';
import type { FlowPage, FlowQuery, TrimInfo } from '../../common/api';
import type { Event } from '../../common/events';
import type { BodyStoreLike, CaptureSink, MessageLogLike } from './sink';
import type { MessageLogPage } from './message-log';

/** A store's message logs as the API reads them (message-log.ts on disk, pg/pg-messages.ts in PostgreSQL). */
export interface MessageLogStoreLike extends MessageLogLike {
  /** Messages after the `after`-th kept one, at most `limit`; with `search`, only those whose text contains it. */
  read(flowId: string, page?: { after?: number; limit?: number; search?: string }): Promise<MessageLogPage>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  dataDir: string;
  /** Trim when more than this many unpinned flows are stored (default 60,000). */
  maxFlows?: number;
  /** How many of the oldest unpinned flows one trim removes (default 10,000). */
  trimCount?: number;
  /** Bytes kept per body (default 10 MB); the rest is counted and the body marked truncated. */
  bodyCap?: number;
  /** Messages kept per flow's message log (default 10,000 and 10 MB of payload); the rest are counted. */
  messageCap?: { count?: number; bytes?: number };
  /**
   * Dead bytes in the datafile (replaced or removed lines) that make the worker rewrite it after a trim;
   * default: as many as are in use, and at least 16 MB (worker.ts, compactIfWorthIt).
   */
  compactDeadBytes?: number;
  /**
   * Bytes that may wait on their way to the disk (journal, worker, small bodies) before new exchanges are
   * forwarded unrecorded and counted in `dropped()` (default 32 MB).
   */
  maxBacklogBytes?: number;
  /** Size at which a body segment file is closed and the next begun (default 32 MB; see segments.ts). */
  segmentBytes?: number;
  /** Also removes unpinned flows that started more than this many days ago (`--keep-days`). */
  keepDays?: number;
}

/** Any flow store: the embedded one (FlowStore) or the PostgreSQL one (pg/pg-store.ts). */
export interface AnyFlowStore extends CaptureSink {
  /** Resolves when stored flows are loaded and queries see them. */
  readonly ready: Promise<void>;
  readonly bodies: BodyStoreLike;
  /** Message logs of flows that carry messages (WebSocket, SSE), beside the bodies (message-log.ts). */
  readonly messages: MessageLogStoreLike;
  /**
   * Newest first; throws (or rejects with) FilterError on a bad filter. The embedded store answers at once
   * from its in-memory summaries, the PostgreSQL store (pg/pg-store.ts) asynchronously from the database.
   */
  query(q: FlowQuery): FlowPage | Promise<FlowPage>;
  /**
   * Like query, for any filter including `msg:` terms (text inside messages), which are decided by reading
   * message logs in a bounded scan (message-filter.ts; the embedded store's query refuses them). Callers
   * with a user's filter go through queryStore (message-filter.ts).
   */
  queryMessages(q: FlowQuery): Promise<FlowPage>;
  get(id: string): Promise<Flow | null>;
  pin(ids: string[], pinned: boolean): Promise<number>;
  delete(ids: string[]): Promise<number>;
  /** Deletes flows and bodies; pinned flows only when includePinned. */
  clear(options?: { includePinned?: boolean }): Promise<number>;
  /** Flows stored now (pinned included). */
  count(): number;
  /** How many unpinned flows the store keeps before its trim (maxFlows; Infinity when unbounded). Optional: HAR import reads it. */
  keepLimit?(): number;
  lastTrim(): TrimInfo | undefined;
  /** False while the store's backlog to the disk is full: the exchange is forwarded unrecorded and counted. */
  admit(): boolean;
  /** Exchanges forwarded without being recorded since the store opened, because its backlog was full (index.ts). */
  dropped(): number;
  /** Fires (at most every 50 ms) with the new count while exchanges are dropped. */
  readonly onDidDrop: Event<number>;
  /** Problems the user must see (datafile moved aside, disk full stopping body writes). */
  warnings(): string[];
  /** Fires with each new warning (the core refreshes its status). */
  readonly onDidWarn: Event<string>;
  /**
   * The capture proxy's seq allocator: a seq above every stored one, also across restarts (even after every
   * flow was trimmed or cleared), usable before `ready`.
   */
  nextSeq(): number;
  /** Batched: one event per flush carries every flow added/updated since the last. */
  readonly onDidAdd: Event<FlowSummary[]>;
  readonly onDidUpdate: Event<FlowSummary[]>;
  readonly onDidRemove: Event<{ ids: string[]; all?: boolean }>;
  readonly onDidTrim: Event<TrimInfo>;
  /** Resolves when every change so far (writes, trims with their compaction, body files) is on disk. */
  flush(): Promise<void>;
  /** How long the oldest captured change not yet written has waited, in ms (0: nothing waits); /metrics shows it. */
  writeLagMs?(): number;
  /**
   * The store can no longer keep flows (its writer died, its file cannot be opened): `hindsight serve` exits
   * non-zero on it so a supervisor restarts it. Optional: a store that recovers by itself never fires it.
   */
  readonly onDidFail?: Event<Error>;
  /** Flushes pending writes and closes files. */
  close(): Promise<void>;
  /** Flows trimmed whose removal from the disk is not finished; counted in admission, shown in /metrics. */
  trimmedUnremoved?(): number;
  /** While close() runs: what it is waiting for now, in words (`serve` says it if it gives up waiting). */
  closeProgress?(): string | undefined;
}

/** The embedded store: queries are answered at once from its in-memory summaries. */
export interface FlowStore extends AnyFlowStore {
  query(q: FlowQuery): FlowPage;
  /** Flows the worker's index holds once the work sent so far is done (trimmed ones not yet removed included). */
  storedOnDisk(): Promise<number>;
  trimmedUnremoved(): number;
}
