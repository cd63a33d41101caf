/**
 * The `--log-file PATH` sink: lines appended to a file created owner-only (0600), written one after another
 * so lines never interleave, and reopened by path on reopen() (SIGHUP), the way logrotate expects: after
 * `mv app.log app.log.1 && kill -HUP`, lines written before the signal land in the old file, later ones in a
 * new one at PATH, and none is lost. Lines written while a write is under way go out together in the next one:
 * one write per batch rather than per line (each is a trip through libuv's thread pool).
 */
import fs from 'node:fs';

export class LogFile {
  private handle: fs.promises.FileHandle | undefined;
  /** Every write and reopen chains here, in call order. */
  private chain: Promise<void>;
  private failure: string | undefined;
  /** Lines waiting for the write queued on the chain for them; a reopen or close starts a new batch. */
  private batch: { lines: string[]; written: Promise<void> } | undefined;

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

  /** Resolves once the line is written (or its failure reported). */
  write(text: string): Promise<void> {
    if (this.batch) {
      this.batch.lines.push(text);
      return this.batch.written;
    }
    const lines = [text];
    const written = (this.chain = this.chain.then(async () => {
      if (this.batch?.lines === lines) this.batch = undefined;
      if (!this.handle) return;
      try {
        await this.handle.appendFile(lines.join(''));
        this.failure = undefined;
      } catch (err) {
        this.report(`cannot write ${this.path}: ${(err as Error).message}`);
      }
    }));
    this.batch = { lines, written };
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
