/**
 * The `--log-file PATH` sink: lines appended to a file created owner-only (0600), written one after another
 * so lines never interleave, and reopened by path on reopen() (SIGHUP), the way logrotate expects: after
 * `mv app.log app.log.1 && kill -HUP`, lines written before the signal land in the old file, later ones in a
 * new one at PATH, and none is lost.
 *
 * Lines go out in batches: a batch is written once 64 KB wait or 50 ms after its first line (at once on
 * reopen and close), and lines written meanwhile join it. Each write is a trip through libuv's thread pool,
 * which on a proxy pinned to one core preempts the proxy thread: written a few lines at a time, the log cost
 * the proxy ~16 µs per 1.6 KB line in such trips alone. Each line is encoded into a shared staging buffer as
 * it arrives, and a batch is written as the views of that buffer it covers: joining a batch's strings and
 * encoding the result cost 7–17 µs per such line (Array.prototype.join of many long strings is slow in V8),
 * against ~0.2 µs to encode each into the slab.
 */
import fs from 'node:fs';
import { lineBuffer, type LineText } from './detailed-line';

export class LogFile {
  private handle: fs.promises.FileHandle | undefined;
  /** Every write and reopen chains here, in call order. */
  private chain: Promise<void>;
  private failure: string | undefined;
  /** Encoded lines waiting for the write queued on the chain for them; a reopen or close starts a new batch. */
  private batch: { chunks: Buffer[]; bytes: number; slabs: Slab[]; due: () => void; written: Promise<void> } | undefined;
  /** Where lines are encoded; the part before `used` belongs to batches (written or waiting). */
  private slab: Slab = newSlab();
  /** Slabs no batch views any more, kept for reuse (a 100 KB-body log fills one every ~10 lines). */
  private readonly spares: Slab[] = [];

  private constructor(
    readonly path: string,
    first: fs.promises.FileHandle,
    private readonly onError: (message: string) => void,
  ) {
    this.handle = first;
    this.chain = Promise.resolve();
  }

  /** Opens (creating at 0600) for appending; rejects with the reason when the path cannot be written. */
  static async open(path: string, onError: (message: string) => void = () => {}): Promise<LogFile> {
    return new LogFile(path, await openAppend(path), onError);
  }

  /** Resolves once the line is written (or its failure reported): within BATCH_DELAY_MS, or sooner. */
  write(text: LineText): Promise<void> {
    const bytes = this.encode(text);
    const slab = bytes.buffer === this.slab.buffer.buffer ? this.slab : undefined;
    const batch = this.batch;
    if (batch) {
      const chunks = batch.chunks;
      const last = chunks[chunks.length - 1];
      // Lines encoded back to back in the slab go out as one view.
      if (last.buffer === bytes.buffer && last.byteOffset + last.length === bytes.byteOffset) chunks[chunks.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + bytes.length);
      else chunks.push(bytes);
      if (slab && batch.slabs[batch.slabs.length - 1] !== slab) hold(batch.slabs, slab);
      batch.bytes += bytes.length;
      if (batch.bytes >= BATCH_BYTES) batch.due();
      return batch.written;
    }
    const chunks = [bytes];
    const slabs: Slab[] = [];
    if (slab) hold(slabs, slab);
    let release!: () => void;
    const ready = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(release, BATCH_DELAY_MS);
    const due = () => {
      clearTimeout(timer);
      release();
    };
    const written = (this.chain = this.chain.then(async () => {
      await ready;
      // From here on, lines start the next batch.
      if (this.batch?.chunks === chunks) this.batch = undefined;
      try {
        if (!this.handle) return;
        await writeAll(this.handle, chunks);
        this.failure = undefined;
      } catch (err) {
        this.report(`cannot write ${this.path}: ${(err as Error).message}`);
      } finally {
        for (const s of slabs) if (--s.holders === 0 && s !== this.slab) this.spare(s);
      }
    }));
    this.batch = { chunks, bytes: bytes.length, slabs, due, written };
    if (bytes.length >= BATCH_BYTES) due();
    return written;
  }

  /**
   * The line as UTF-8 bytes: a view of the slab, or a buffer of its own when it is longer than a slab's
   * quarter. Pieces that are bytes (a body's, LineText) are copied in as they are.
   */
  private encode(text: LineText): Buffer {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a surrogate pair, two units, takes 4).
    let most = 0;
    if (typeof text === 'string') most = text.length * 3;
    else for (const piece of text) most += typeof piece === 'string' ? piece.length * 3 : piece.length;
    if (most > SLAB_BYTES / 4) return lineBuffer(text);
    // A full slab is left to the batches that view it; later lines go into a spare or a new one.
    if (this.slab.used + most > SLAB_BYTES) {
      const full = this.slab;
      this.slab = this.spares.pop() ?? newSlab();
      if (full.holders === 0) this.spare(full);
    }
    const slab = this.slab;
    const start = slab.used;
    if (typeof text === 'string') slab.used += slab.buffer.write(text, start, 'utf8');
    else for (const piece of text) slab.used += typeof piece === 'string' ? slab.buffer.write(piece, slab.used, 'utf8') : piece.copy(slab.buffer, slab.used);
    return slab.buffer.subarray(start, slab.used);
  }

  private spare(slab: Slab): void {
    if (this.spares.length >= MAX_SPARES) return;
    slab.used = 0;
    this.spares.push(slab);
  }

  /** Closes the current file and opens PATH again (after a rename, a new file). */
  reopen(): Promise<void> {
    this.batch?.due();
    this.batch = undefined;
    this.chain = this.chain.then(async () => {
      const old = this.handle;
      try {
        this.handle = await openAppend(this.path);
      } catch (err) {
        this.report(`cannot reopen ${this.path}: ${(err as Error).message}; still writing to the old file`);
        return;
      }
      await old?.close().catch(() => {});
    });
    return this.chain;
  }

  close(): Promise<void> {
    this.batch?.due();
    this.batch = undefined;
    this.chain = this.chain.then(async () => {
      await this.handle?.close().catch(() => {});
      this.handle = undefined;
    });
    return this.chain;
  }

  /** One report per run of failures, not one per line. */
  private report(message: string): void {
    if (this.failure === message) return;
    this.failure = message;
    this.onError(message);
  }
}

/** A staging buffer (see the header) and the batches not yet written that view it. */
interface Slab {
  buffer: Buffer;
  used: number;
  holders: number;
}

/** Bytes of one staging buffer: lines up to a quarter of it (a 64 KB body's line and more) are encoded into it. */
const SLAB_BYTES = 1024 * 1024;
const MAX_SPARES = 2;

function newSlab(): Slab {
  return { buffer: Buffer.allocUnsafeSlow(SLAB_BYTES), used: 0, holders: 0 };
}

function hold(slabs: Slab[], slab: Slab): void {
  slab.holders++;
  slabs.push(slab);
}
/** A batch is written when it holds this many bytes… */
const BATCH_BYTES = 64 * 1024;
/** …or this long after its first line. */
const BATCH_DELAY_MS = 50;

/**
 * A batch's buffers in one writev: one trip through the thread pool. Written one buffer per trip, a batch of
 * 64 KB-body lines (a dozen per staging buffer) took one turn of a busy event loop per buffer, and the log fell
 * behind a proxy at ~1,300 such requests a second. A write may take fewer bytes than given (a full disk, a
 * signal): the rest goes in further writes.
 */
async function writeAll(handle: fs.promises.FileHandle, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length) {
    const { bytesWritten } = await handle.writev(rest);
    if (bytesWritten <= 0) throw new Error('the file took no bytes');
    rest = after(rest, bytesWritten);
  }
}

/** The buffers less their first `bytes` bytes (what is left after a short write). Exported for its test. */
export function after(chunks: Buffer[], bytes: number): Buffer[] {
  let i = 0;
  let left = bytes;
  while (i < chunks.length && left >= chunks[i].length) left -= chunks[i++].length;
  if (i === chunks.length) return [];
  return [chunks[i].subarray(left), ...chunks.slice(i + 1)];
}

async function openAppend(path: string): Promise<fs.promises.FileHandle> {
  const handle = await fs.promises.open(path, 'a', 0o600);
  // A file that existed before keeps its mode unless we set it: log lines carry bodies. Only a regular file:
  // `--log-file /dev/stderr` or a named pipe is the user's own, and chmod on /dev/null would lock every other
  // program out of it.
  const stat = await handle.stat().catch(() => undefined);
  if (stat?.isFile()) await handle.chmod(0o600).catch(() => {});
  return handle;
}
