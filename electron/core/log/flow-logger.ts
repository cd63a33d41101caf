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
  /** Where each line goes (with its newline); a returned promise is awaited before the next line. */
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

export class FlowLogger {
  private readonly queue: Flow[] = [];
  private head = 0;
  private draining: Promise<void> | undefined;
  private readonly mask: boolean;
  private readonly maxBacklog: number;
  private readonly maxPending: number;
  private dropped = 0;

  constructor(private readonly options: FlowLoggerOptions) {
    this.mask = options.mask ?? true;
    this.maxBacklog = options.maxBacklog ?? 10_000;
    this.maxPending = options.maxPending ?? 100_000;
  }

  /** Called by the proxy when a flow finished: queues it, never blocks or throws. */
  readonly push = (flow: Flow): void => {
    if (this.queue.length - this.head >= this.maxPending) {
      this.dropped++;
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
      while (this.head < this.queue.length) {
        const flow = this.queue[this.head++];
        const backlog = this.queue.length - this.head;
        try {
          const line = await this.lineFor(flow, backlog > this.maxBacklog);
          await this.options.write(`${JSON.stringify(line)}\n`);
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
