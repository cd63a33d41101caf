/**
 * What the capture proxy writes into. The flow store implements it (electron/core/store); the proxy
 * knows nothing else about storage. Calls are fire-and-forget on the proxy's hot path: an
 * implementation must never throw or block, and must batch its own work.
 */
import type { Flow, BodyRef, BodySide } from '../../common/flow';
import type { MessageMeta, MessageStats } from '../../common/message';

export interface CaptureSink {
  /** A new flow (state 'live' or 'intercepted'); `seq` and `id` are already set by the proxy's allocator. */
  flowStarted(flow: Flow): void;
  /** The flow changed (response arrived, completed, failed): the whole new value, plain data. */
  flowUpdated(flow: Flow): void;
  /**
   * Asked before each new exchange is recorded: false when the sink cannot take another flow now (its queues
   * to the disk are full). The proxy then forwards the exchange unrecorded; the sink counts it. Absent: always.
   */
  admit?(): boolean;
}

/** Streams one body to its body file while the proxy forwards it. */
export interface BodyWriter {
  write(chunk: Buffer): void;
  /** Closes the file; resolves to the final reference (size counts every byte seen, kept or not). */
  end(): BodyRef;
}

export interface BodyStoreLike {
  open(flowId: string, side: BodySide, info: { contentType?: string; encoding?: string }): BodyWriter;
  /** The stored bytes (raw as received). Empty buffer when the body had no bytes. */
  read(ref: BodyRef): Promise<Buffer>;
  /** Deletes body files; missing files are not an error. */
  remove(blobs: string[]): Promise<void>;
  /**
   * Keeps the newest small bodies (up to `maxBytes` in all) in memory for read(): for a reader that reads every
   * body right after its flow finished (`serve --log-bodies`), which would otherwise wait for each segment
   * write and read it back from the disk. Off unless asked for.
   */
  keepRecent?(maxBytes: number): void;
  /** The bytes keepRecent() still holds for this body, without waiting (not a copy: do not change them); else undefined. */
  readKept?(ref: BodyRef): Buffer | undefined;
}

/** One message of a flow's log as read back: what the log keeps about it, and its stored payload. */
export interface StoredMessage {
  meta: MessageMeta;
  payload: Buffer;
}

/** Appends the messages of one flow (WebSocket frames, SSE events) to its message log. */
export interface MessageWriter {
  /** Totals so far: every message appended is counted, kept or not. */
  readonly stats: MessageStats;
  /** Payload bytes the log would still keep (0 once the flow's cap is reached): parsers keep no more than this. */
  room(): number;
  /** Counts the message, assigns its seq and keeps it while the cap allows; returns the meta as stored. */
  append(message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta;
  /** No more messages: the file is closed once written. */
  end(): void;
}

export interface MessageLogLike {
  /**
   * `short`: the log is expected to end soon (a gRPC call's). When it ends before any of it was written, it is
   * packed into a shared body segment instead of a file of its own (its stats then name the slice: `log`).
   */
  open(flowId: string, options?: { short?: boolean }): MessageWriter;
}
