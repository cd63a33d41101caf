/**
 * Writable sinks for export tests: one that collects text, and a slow one that records how much was
 * ever queued in it (to see that a writer waits for 'drain').
 */
import { Writable } from 'node:stream';

export class TextSink extends Writable {
  private chunks: Buffer[] = [];
  /** Most bytes ever queued and not yet written. */
  maxQueued = 0;
  constructor(private readonly slow = false) {
    super({ highWaterMark: 16 * 1024 });
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    this.maxQueued = Math.max(this.maxQueued, this.writableLength);
    this.chunks.push(chunk);
    if (this.slow) setImmediate(done);
    else done();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  get size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
}
