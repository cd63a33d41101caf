/**
 * The `--log-file PATH` sink: lines appended to a file created owner-only (0600), written one after another
 * so lines never interleave, and reopened by path on reopen() (SIGHUP), the way logrotate expects: after
 * `mv app.log app.log.1 && kill -HUP`, lines written before the signal land in the old file, later ones in a
 * new one at PATH, and none is lost. Lines go out in batches (20 ms or 256 KB, and while a write is under way):
 * one writev per batch rather than a write per line (each is a trip through libuv's thread pool). A line may
 * come as a string or as the Buffers of its parts (a `--log-bodies` line with its bodies' captured bytes,
 * line-bytes.ts): those are handed to writev as they are, never joined into one string.
 */
import fs from 'node:fs';

/** A batch is written this long after its first line (a log line is not urgent)... */
const COALESCE_MS = 20;
/** ...or as soon as this many bytes wait. */
const COALESCE_BYTES = 256 * 1024;

/** Lines waiting for the write queued on the chain for them. */
interface Batch {
  chunks: Buffer[];
  bytes: number;
  written: Promise<void>;
  /** Set while the write waits: starts it now. */
  full?: () => void;
}

export class LogFile {
  private handle: fs.promises.FileHandle | undefined;
  /** Every write and reopen chains here, in call order. */
  private chain: Promise<void>;
  private failure: string | undefined;
  /** The batch new lines join; a reopen or close starts a new one. */
  private batch: Batch | undefined;

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

  /** Resolves once the line (with its newline) is written, or its failure reported. */
  write(line: string | Buffer[]): Promise<void> {
    if (this.batch) {
      append(this.batch, line);
      return this.batch.written;
    }
    const batch: Batch = { chunks: [], bytes: 0, written: Promise.resolve() };
    append(batch, line);
    const written = (this.chain = this.chain.then(async () => {
      // Lines that come meanwhile join the batch: one write for all of them (each write is a trip through the
      // thread pool, costly on a busy machine), as the message logs do.
      await new Promise<void>((resolve) => {
        if (batch.bytes >= COALESCE_BYTES) return resolve();
        batch.full = resolve;
        setTimeout(resolve, COALESCE_MS);
      });
      if (this.batch === batch) this.batch = undefined;
      if (!this.handle) return;
      try {
        // The file is open for appending: every write goes to its end, whatever the position.
        const { bytesWritten } = await this.handle.writev(batch.chunks);
        // libuv writes the rest of a partial writev itself; a short count means the disk refused the rest.
        if (bytesWritten < batch.bytes) throw new Error(`only ${bytesWritten} of ${batch.bytes} bytes written (disk full?)`);
        this.failure = undefined;
      } catch (err) {
        this.report(`cannot write ${this.path}: ${(err as Error).message}`);
      }
    }));
    batch.written = written;
    this.batch = batch;
    return written;
  }

  /** Closes the current file and opens PATH again (after a rename, a new file). */
  reopen(): Promise<void> {
    this.endBatch();
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
    this.endBatch();
    this.chain = this.chain.then(async () => {
      await this.handle?.close().catch(() => {});
      this.handle = undefined;
    });
    return this.chain;
  }

  /** Lines from now on go in a new batch, after what is queued; the current one is written without waiting. */
  private endBatch(): void {
    this.batch?.full?.();
    this.batch = undefined;
  }

  /** One report per run of failures, not one per line. */
  private report(message: string): void {
    if (this.failure === message) return;
    this.failure = message;
    this.onError(message);
  }
}

async function openAppend(path: string): Promise<fs.promises.FileHandle> {
  const handle = await fs.promises.open(path, 'a', 0o600);
  // A file that existed before keeps its mode unless we set it: log lines carry bodies.
  await handle.chmod(0o600).catch(() => {});
  return handle;
}

function append(batch: Batch, line: string | Buffer[]): void {
  for (const chunk of typeof line === 'string' ? [Buffer.from(line)] : line) {
    batch.chunks.push(chunk);
    batch.bytes += chunk.length;
  }
  if (batch.bytes >= COALESCE_BYTES) batch.full?.();
}
