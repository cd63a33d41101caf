/**
 * The `--log-file PATH` sink: lines appended to a file created owner-only (0600), written one after another
 * so lines never interleave, and reopened by path on reopen() (SIGHUP), the way logrotate expects: after
 * `mv app.log app.log.1 && kill -HUP`, lines written before the signal land in the old file, later ones in a
 * new one at PATH, and none is lost. Lines written while a write is under way go out together in the next one:
 * one writev per batch rather than a write per line (each is a trip through libuv's thread pool). A line may
 * come as a string or as the Buffers of its parts (a `--log-bodies` line with its bodies' captured bytes,
 * line-bytes.ts): those are handed to writev as they are, never joined into one string.
 */
import fs from 'node:fs';

export class LogFile {
  private handle: fs.promises.FileHandle | undefined;
  /** Every write and reopen chains here, in call order. */
  private chain: Promise<void>;
  private failure: string | undefined;
  /** Lines waiting for the write queued on the chain for them; a reopen or close starts a new batch. */
  private batch: { chunks: Buffer[]; written: Promise<void> } | undefined;

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
      append(this.batch.chunks, line);
      return this.batch.written;
    }
    const chunks: Buffer[] = [];
    append(chunks, line);
    const written = (this.chain = this.chain.then(async () => {
      // Lines of flows that finish in this turn of the event loop join the batch: one write for all of them
      // (each write is a trip through the thread pool, costly on a busy machine).
      await new Promise((resolve) => setImmediate(resolve));
      if (this.batch?.chunks === chunks) this.batch = undefined;
      if (!this.handle) return;
      try {
        // The file is open for appending: every write goes to its end, whatever the position.
        const { bytesWritten } = await this.handle.writev(chunks);
        // libuv writes the rest of a partial writev itself; a short count means the disk refused the rest.
        const size = chunks.reduce((n, c) => n + c.length, 0);
        if (bytesWritten < size) throw new Error(`only ${bytesWritten} of ${size} bytes written (disk full?)`);
        this.failure = undefined;
      } catch (err) {
        this.report(`cannot write ${this.path}: ${(err as Error).message}`);
      }
    }));
    this.batch = { chunks, written };
    return written;
  }

  /** Closes the current file and opens PATH again (after a rename, a new file). */
  reopen(): Promise<void> {
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

async function openAppend(path: string): Promise<fs.promises.FileHandle> {
  const handle = await fs.promises.open(path, 'a', 0o600);
  // A file that existed before keeps its mode unless we set it: log lines carry bodies.
  await handle.chmod(0o600).catch(() => {});
  return handle;
}

function append(chunks: Buffer[], line: string | Buffer[]): void {
  if (typeof line === 'string') chunks.push(Buffer.from(line));
  else for (const chunk of line) chunks.push(chunk);
}
