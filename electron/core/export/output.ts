/**
 * Writing an export to a stream a piece at a time: small pieces are gathered into chunks of about 64 KB,
 * and each chunk waits for 'drain' when the stream is full, so an export of any size holds one chunk and
 * one flow in memory, never the document.
 */
import type { Writable } from 'node:stream';

const CHUNK = 64 * 1024;

function written(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.reject(new Error('the export output was closed'));
  if (out.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(new Error('the export output was closed before the export finished'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

export class ExportOutput {
  private pending = '';
  constructor(private readonly out: Writable) {}

  /** Queues text; resolves at once unless a full chunk had to wait for the stream. */
  async write(text: string): Promise<void> {
    this.pending += text;
    if (this.pending.length >= CHUNK) await this.flush();
  }

  /** Hands everything queued to the stream (the caller ends the stream). */
  async flush(): Promise<void> {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = '';
    await written(this.out, chunk);
  }
}
