/**
 * Stream-level bandwidth shaping, independent of the protocol carrying the bytes: an HTTP/1.1 body, a
 * WebSocket's piped socket, and (later) an HTTP/2 stream all pass their bytes through throttle(budget).
 * Backpressure is kept: the throttle holds one slice at a time, so a slow link pauses its source instead of
 * buffering it.
 */
import { Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import type { Budget } from './budget';

export class Throttle extends Transform {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly budget: Budget) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.slices(chunk, 0, done);
  }

  private slices(chunk: Buffer, offset: number, done: TransformCallback): void {
    if (this.destroyed) return;
    const end = Math.min(chunk.length, offset + this.budget.sliceBytes());
    const wait = this.budget.reserve(end - offset);
    const go = () => {
      this.timer = undefined;
      if (this.destroyed) return;
      this.push(chunk.subarray(offset, end));
      if (end < chunk.length) this.slices(chunk, end, done);
      else done();
    };
    if (wait < 1) go();
    else this.timer = setTimeout(go, wait);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    callback(err);
  }
}

/** from → to, through the budget when there is one; the throttle is torn down when either end closes. */
export function pipeShaped(from: Readable, to: Writable, budget: Budget | undefined, options?: { end?: boolean }): void {
  if (!budget) {
    from.pipe(to, options);
    return;
  }
  const throttle = new Throttle(budget);
  const stop = () => throttle.destroy();
  to.once('close', stop);
  from.once('close', () => {
    // A source that ended normally lets the throttle drain; one cut off takes it down.
    if (!from.readableEnded) stop();
  });
  throttle.on('error', () => {});
  from.pipe(throttle).pipe(to, options);
}

/**
 * A writable that feeds `to` through the budget, for code that writes frames itself (the WebSocket relay);
 * undefined when there is no budget, so the caller writes to `to` directly.
 */
export function shapedSink(to: Writable, budget: Budget | undefined): Writable | undefined {
  if (!budget) return undefined;
  const throttle = new Throttle(budget);
  to.once('close', () => throttle.destroy());
  throttle.on('error', () => {});
  throttle.pipe(to);
  return throttle;
}

/** Sends a whole buffer and ends `to`, through the budget when there is one. */
export function endShaped(to: Writable, body: Buffer, budget: Budget | undefined): void {
  if (!budget || body.length === 0) {
    to.end(body);
    return;
  }
  pipeShaped(Readable.from([body]), to, budget);
}
