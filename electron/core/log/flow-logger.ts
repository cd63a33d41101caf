/**
 * `hindsight serve --log` / `--log-bodies`: one JSON line per finished flow, in the order flows finish.
 * The proxy only appends the finished flow to a queue (its hot path does nothing else); the lines are built
 * here afterwards, reading bodies back from the body store (which waits for a body still being written), so
 * capture never waits on logging. If logging falls far behind (a slow disk), lines go out without bodies;
 * if the output stalls altogether, flows past `maxPending` are not logged (and the count is reported)
 * rather than held in memory without bound.
 */
import type { BodyRef, Flow } from '../../common/flow';
import { loggedBody, loggedBodyNow } from './body-text';
import { lineLength, lineText, maskedLogLine, toDetailedLogLine, type LineText } from './detailed-line';

export interface FlowLoggerOptions {
  /**
   * Where each line goes (with its newline). A returned promise is not awaited line by line (that would build
   * one line per write): lines go out unawaited up to WRITE_AHEAD_CHARS, and flush() waits for the last.
   */
  write: (text: LineText) => void | Promise<void>;
  /** Body bytes from the store. */
  read: (ref: BodyRef) => Promise<Buffer>;
  /** Body bytes the store still holds in memory (BodyStoreLike.readKept), so a line is built without waiting. */
  readKept?: (ref: BodyRef) => Buffer | undefined;
  /** Bytes of each body put in the line; undefined = no bodies (the `--log` line). */
  bodyLimit?: number;
  /** Mask credentials and secret fields (default true). */
  mask?: boolean;
  /** Characters handed to `write` and not yet written past which the logger waits for it (default WRITE_AHEAD_CHARS). */
  writeAhead?: number;
  /** Flows waiting past this are logged without bodies (default 10,000). */
  maxBacklog?: number;
  /** Flows waiting past this are not logged at all, and counted (default 100,000). */
  maxPending?: number;
  /** Bytes of bodies held for queued lines past which a flow's bodies are read back instead (default PINNED_BYTES). */
  maxPinned?: number;
  /** A line that could not be written or was dropped (later ones still go out). */
  onError?: (err: Error) => void;
}

/**
 * Body bytes the body store keeps in memory for `--log-bodies` (BodyStoreLike.keepRecent): a few seconds of
 * small bodies at thousands of flows a second, so lines are built without reading each body back from disk.
 */
export const LOG_RECENT_BODIES = 16 * 1024 * 1024;

/**
 * Characters of lines handed to `write` and not yet written past which the logger waits for the output
 * (backpressure from a slow disk). Below it, nothing waits: a logger that paused every few hundred lines for
 * its output held every flow finished meanwhile (up to the log file's 50 ms batching), long enough for the
 * young generation to copy them, which cost the proxy ~7 µs per request in collections.
 */
const WRITE_AHEAD_CHARS = 8 * 1024 * 1024;

/**
 * Bytes of bodies the logger holds for flows queued behind a line that waits (for its output, or a body read
 * back from disk). The body store's recent set lets its oldest bodies go by bytes, not by whether they were
 * logged: at 100 KB bodies its 16 MB is ~0.1 s of traffic, so one wait made every line queued behind it read its
 * bodies back (10,516 of 18,053 lines in one run), each read a wait of its own, and the log never caught up.
 */
export const PINNED_BYTES = 64 * 1024 * 1024;

export class FlowLogger {
  private readonly queue: Flow[] = [];
  /** The flows' body bytes taken from the store's recent set when each was queued (aligned with `queue`). */
  private readonly pinned: Array<Pinned | undefined> = [];
  private pinnedBytes = 0;
  private head = 0;
  /** The drain under way, if `active` (a drain that needed no await has ended by the time it is returned). */
  private draining: Promise<void> | undefined;
  private active = false;
  private readonly mask: boolean;
  private readonly maxBacklog: number;
  private readonly maxPending: number;
  private readonly writeAhead: number;
  private readonly maxPinned: number;
  private dropped = 0;
  /** Settles when the last write handed out did (its failure reported). */
  private lastWrite: Promise<void> | undefined;
  /** The last promise `write` returned, and the characters of the lines it covers (a file writes lines in batches). */
  private batch: { write: Promise<void>; chars: number } | undefined;
  /** Characters handed to `write` whose promise has not settled. */
  private unsettled = 0;
  /** Since start: lines handed to the output, those without bodies because the log fell behind, flows not logged. */
  readonly totals = { lines: 0, withoutBodies: 0, notLogged: 0 };

  constructor(private readonly options: FlowLoggerOptions) {
    this.mask = options.mask ?? true;
    this.maxBacklog = options.maxBacklog ?? 10_000;
    this.maxPending = options.maxPending ?? 100_000;
    this.writeAhead = options.writeAhead ?? WRITE_AHEAD_CHARS;
    this.maxPinned = options.maxPinned ?? PINNED_BYTES;
  }

  /** Called by the proxy when a flow finished: queues it, never blocks or throws. */
  readonly push = (flow: Flow): void => {
    if (this.queue.length - this.head >= this.maxPending) {
      this.dropped++;
      this.totals.notLogged++;
      return;
    }
    this.queue.push(flow);
    this.pinned.push(this.pin(flow));
    if (!this.active) this.draining = this.drain();
  };

  /** The flow's bodies as the store holds them now, while the budget allows (see PINNED_BYTES). */
  private pin(flow: Flow): Pinned | undefined {
    const kept = this.options.readKept;
    if (!kept || this.options.bodyLimit === undefined || this.pinnedBytes >= this.maxPinned) return undefined;
    const requestRef = flow.request.body;
    const responseRef = flow.response?.body;
    const request = requestRef.blob ? kept(requestRef) : undefined;
    const response = responseRef?.blob ? kept(responseRef) : undefined;
    if (!request && !response) return undefined;
    const bytes = (request?.length ?? 0) + (response?.length ?? 0);
    this.pinnedBytes += bytes;
    return { request, response, bytes };
  }

  /** Resolves when every queued line has been written. */
  async flush(): Promise<void> {
    while (this.active || this.lastWrite) {
      if (this.active) {
        await this.draining;
        continue;
      }
      const last = this.lastWrite!;
      await last;
      if (this.lastWrite === last) this.lastWrite = undefined;
    }
  }

  private async drain(): Promise<void> {
    this.active = true;
    try {
      while (this.head < this.queue.length) {
        const flow = this.queue[this.head];
        const pinned = this.pinned[this.head];
        this.pinned[this.head++] = undefined;
        const backlog = this.queue.length - this.head;
        try {
          const behind = backlog > this.maxBacklog;
          // Built at once when it can be (no await, so the flow is garbage by the next collection).
          const text = this.lineNow(flow, behind, pinned) ?? (await this.lineFor(flow, behind, pinned));
          this.totals.lines++;
          if (behind && this.options.bodyLimit !== undefined) this.totals.withoutBodies++;
          this.handOut(text);
        } catch (err) {
          this.options.onError?.(err as Error);
        } finally {
          if (pinned) this.pinnedBytes -= pinned.bytes;
        }
        if (this.unsettled > this.writeAhead) await this.lastWrite;
        if (this.dropped && this.queue.length - this.head < this.maxPending / 2) {
          this.options.onError?.(new Error(`${this.dropped} flows were not logged: the log output could not keep up`));
          this.dropped = 0;
        }
        // Drop what is done from time to time instead of shifting the array at every line.
        if (this.head > 1024) {
          this.queue.splice(0, this.head);
          this.pinned.splice(0, this.head);
          this.head = 0;
        }
      }
    } finally {
      this.queue.length = 0;
      this.pinned.length = 0;
      this.pinnedBytes = 0;
      this.head = 0;
      this.active = false;
    }
  }

  /** Hands a line to the output and counts it until the output's promise for it settles. */
  private handOut(text: LineText): void {
    const write = this.options.write(text);
    if (!write) return;
    let batch = this.batch;
    if (batch?.write !== write) {
      const covered = (batch = this.batch = { write, chars: 0 });
      this.lastWrite = write.then(
        () => {
          this.unsettled -= covered.chars;
        },
        (err: Error) => {
          this.unsettled -= covered.chars;
          this.options.onError?.(err);
        },
      );
    }
    const chars = lineLength(text);
    batch.chars += chars;
    this.unsettled += chars;
  }

  /** The line's text without waiting (no bodies, or both in memory and not encoded), else undefined. */
  private lineNow(flow: Flow, behind: boolean, pinned: Pinned | undefined): LineText | undefined {
    const limit = this.options.bodyLimit;
    if (limit === undefined) return `${JSON.stringify(maskedLogLine(flow, this.mask))}\n`;
    if (behind) return lineText(toDetailedLogLine(flow, null, this.mask), null);
    const kept = this.options.readKept;
    if (!kept) return undefined;
    const requestRef = flow.request.body;
    const request = loggedBodyNow(requestRef, pinned?.request ?? (requestRef.blob ? kept(requestRef) : undefined), limit, this.mask);
    if (!request) return undefined;
    const responseRef = flow.response?.body;
    const response = loggedBodyNow(responseRef, pinned?.response ?? (responseRef?.blob ? kept(responseRef) : undefined), limit, this.mask);
    if (!response) return undefined;
    const bodies = { request, response };
    return lineText(toDetailedLogLine(flow, bodies, this.mask), bodies);
  }

  private async lineFor(flow: Flow, behind: boolean, pinned: Pinned | undefined): Promise<LineText> {
    const limit = this.options.bodyLimit;
    if (limit === undefined) return `${JSON.stringify(maskedLogLine(flow, this.mask))}\n`;
    if (behind) return lineText(toDetailedLogLine(flow, null, this.mask), null);
    const read = this.options.read;
    // A pinned body that needs decoding (gzip …) is decoded from the bytes held, not read back.
    const [request, response] = await Promise.all([
      loggedBody(flow.request.body, pinned?.request ? async () => pinned.request! : read, limit, this.mask),
      loggedBody(flow.response?.body, pinned?.response ? async () => pinned.response! : read, limit, this.mask),
    ]);
    const bodies = { request, response };
    return lineText(toDetailedLogLine(flow, bodies, this.mask), bodies);
  }
}

/** A queued flow's body bytes held by the logger (the store's own Buffers, not copies). */
interface Pinned {
  request: Buffer | undefined;
  response: Buffer | undefined;
  bytes: number;
}
