/**
 * `hindsight serve --log` / `--log-bodies`: one JSON line per finished flow, in the order flows finish.
 * The proxy only appends the finished flow to a queue (its hot path does nothing else); the lines are built
 * here afterwards, reading bodies back from the body store (which waits for a body still being written), so
 * capture never waits on logging. If logging falls far behind (a slow disk), lines go out without bodies;
 * if the output stalls altogether, flows past `maxPending` are not logged (and the count is reported)
 * rather than held in memory without bound.
 */
import type { BodyRef, Flow } from '../../common/flow';
import { loggedBody } from './body-text';
import { maskedLogLine, toDetailedLogLine } from './detailed-line';

export interface FlowLoggerOptions {
  /**
   * Where each line goes (with its newline). A returned promise is not awaited line by line (that would build
   * one line per write): at most WRITE_AHEAD lines go out unawaited, and flush() waits for the last.
   */
  write: (text: string) => void | Promise<void>;
  /** Body bytes from the store. */
  read: (ref: BodyRef) => Promise<Buffer>;
  /** Bytes of each body put in the line; undefined = no bodies (the `--log` line). */
  bodyLimit?: number;
  /** Mask credentials and secret fields (default true). */
  mask?: boolean;
  /** Flows waiting past this are logged without bodies (default 10,000). */
  maxBacklog?: number;
  /** Flows waiting past this are not logged at all, and counted (default 100,000). */
  maxPending?: number;
  /** A line that could not be written or was dropped (later ones still go out). */
  onError?: (err: Error) => void;
}

/**
 * Body bytes the body store keeps in memory for `--log-bodies` (BodyStoreLike.keepRecent): a few seconds of
 * small bodies at thousands of flows a second, so lines are built without reading each body back from disk.
 */
export const LOG_RECENT_BODIES = 16 * 1024 * 1024;

/** Lines handed to `write` before its promise is awaited (backpressure from a slow output). */
const WRITE_AHEAD = 256;

export class FlowLogger {
  private readonly queue: Flow[] = [];
  private head = 0;
  private draining: Promise<void> | undefined;
  private readonly mask: boolean;
  private readonly maxBacklog: number;
  private readonly maxPending: number;
  private dropped = 0;
  private lastWrite: Promise<void> | undefined;
  private unawaited = 0;
  /** Since start: lines handed to the output, those without bodies because the log fell behind, flows not logged. */
  readonly totals = { lines: 0, withoutBodies: 0, notLogged: 0 };

  constructor(private readonly options: FlowLoggerOptions) {
    this.mask = options.mask ?? true;
    this.maxBacklog = options.maxBacklog ?? 10_000;
    this.maxPending = options.maxPending ?? 100_000;
  }

  /** Called by the proxy when a flow finished: queues it, never blocks or throws. */
  readonly push = (flow: Flow): void => {
    if (this.queue.length - this.head >= this.maxPending) {
      this.dropped++;
      this.totals.notLogged++;
      return;
    }
    this.queue.push(flow);
    this.draining ??= this.drain();
  };

  /** Resolves when every queued line has been written. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      // Flows pushed while the last write is awaited are drained too: nothing may be left in the queue when
      // the finally below empties it.
      while (this.head < this.queue.length || this.lastWrite) {
        if (this.head >= this.queue.length) {
          await this.written(this.lastWrite, true);
          continue;
        }
        const flow = this.queue[this.head++];
        const backlog = this.queue.length - this.head;
        try {
          const behind = backlog > this.maxBacklog;
          const line = await this.lineFor(flow, behind);
          this.totals.lines++;
          if (behind && this.options.bodyLimit !== undefined) this.totals.withoutBodies++;
          await this.written(this.options.write(`${JSON.stringify(line)}\n`), false);
        } catch (err) {
          this.options.onError?.(err as Error);
        }
        if (this.dropped && this.queue.length - this.head < this.maxPending / 2) {
          this.options.onError?.(new Error(`${this.dropped} flows were not logged: the log output could not keep up`));
          this.dropped = 0;
        }
        // Drop what is done from time to time instead of shifting the array at every line.
        if (this.head > 1024) {
          this.queue.splice(0, this.head);
          this.head = 0;
        }
      }
    } finally {
      this.queue.length = 0;
      this.head = 0;
      this.draining = undefined;
    }
  }

  /** Waits for a write every WRITE_AHEAD lines, and for the last one when `all`; a failed write is reported. */
  private async written(write: void | Promise<void> | undefined, all: boolean): Promise<void> {
    if (!write) return;
    const reported = write.catch((err: Error) => this.options.onError?.(err));
    this.lastWrite = reported;
    if (!all && ++this.unawaited < WRITE_AHEAD) return;
    this.unawaited = 0;
    this.lastWrite = undefined;
    await reported;
  }

  private async lineFor(flow: Flow, behind: boolean): Promise<object> {
    const limit = this.options.bodyLimit;
    if (limit === undefined) return maskedLogLine(flow, this.mask);
    if (behind) return toDetailedLogLine(flow, null, this.mask);
    const [request, response] = await Promise.all([
      loggedBody(flow.request.body, this.options.read, limit, this.mask),
      loggedBody(flow.response?.body, this.options.read, limit, this.mask),
    ]);
    return toDetailedLogLine(flow, { request, response }, this.mask);
  }
}
