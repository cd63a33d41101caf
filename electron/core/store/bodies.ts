/**
 * Body files: each captured body is streamed to its own file under <data>/bodies/ while the proxy
 * forwards it, capped per body (default 10 MB kept; every byte is still counted and the body marked
 * truncated). The proxy never waits on the disk: writes are queued on a WriteStream, and if the disk
 * fails (full, read-only) body writing stops with a visible warning while forwarding goes on.
 *
 * Files are named <flow id>-<side> and sharded by the first two characters of the id, so one folder
 * never holds 120,000 entries.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BodyRef, BodySide } from '../../common/flow';
import type { BodyStoreLike, BodyWriter } from '../capture/sink';

export const DEFAULT_BODY_CAP = 10 * 1024 * 1024;

export interface BodyStoreOptions {
  dir: string;
  /** Bytes kept per body. */
  cap?: number;
  /** Called once per failure episode (e.g. ENOSPC) with a message for the user. */
  onWriteError?: (message: string) => void;
}

export class BodyStore implements BodyStoreLike {
  readonly dir: string;
  private readonly cap: number;
  private readonly onWriteError: (message: string) => void;
  /** Set after a write failed: no new body files until a write succeeds again (retried every 30 s). */
  private failedAt = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(options: BodyStoreOptions) {
    this.dir = options.dir;
    this.cap = options.cap ?? DEFAULT_BODY_CAP;
    this.onWriteError = options.onWriteError ?? (() => {});
    fs.mkdirSync(this.dir, { recursive: true });
  }

  pathOf(blob: string): string {
    // Blob names come from our own ids; refuse anything that could leave the folder.
    if (!/^[A-Za-z0-9_-]+$/.test(blob)) throw new Error(`invalid body name: ${JSON.stringify(blob)}`);
    return path.join(this.dir, blob.slice(0, 2), blob);
  }

  open(flowId: string, side: BodySide, info: { contentType?: string; encoding?: string }): BodyWriter {
    const blob = `${flowId}-${side}`;
    const ref: BodyRef = { size: 0, storedSize: 0, truncated: false };
    if (info.contentType) ref.contentType = info.contentType;
    if (info.encoding) ref.encoding = info.encoding;
    let stream: fs.WriteStream | undefined;
    let broken = Date.now() - this.failedAt < 30_000;
    let ended = false;
    const fail = (err: NodeJS.ErrnoException) => {
      if (broken) return;
      broken = true;
      if (Date.now() - this.failedAt >= 30_000) {
        this.onWriteError(`Body files are not being written (${err.code ?? 'error'}: ${err.message}). Capture of metadata and forwarding continue.`);
      }
      this.failedAt = Date.now();
    };
    const write = (chunk: Buffer) => {
      if (ended) return;
      ref.size += chunk.length;
      const room = this.cap - ref.storedSize;
      if (room <= 0 || broken) {
        if (room <= 0) ref.truncated = true;
        return;
      }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (part.length < chunk.length) ref.truncated = true;
      if (!stream) {
        const file = this.pathOf(blob);
        try {
          fs.mkdirSync(path.dirname(file), { recursive: true });
        } catch (err) {
          fail(err as NodeJS.ErrnoException);
          return;
        }
        stream = fs.createWriteStream(file);
        stream.on('error', fail);
      }
      // The stream buffers when the disk is slower than the network; the cap bounds that buffer.
      stream.write(part);
      ref.storedSize += part.length;
    };
    const end = (): BodyRef => {
      if (ended) return { ...ref };
      ended = true;
      if (stream) {
        const s = stream;
        const done = new Promise<void>((resolve) => {
          s.end(() => resolve());
          s.once('error', () => resolve());
        });
        this.pending.add(done);
        void done.then(() => this.pending.delete(done));
        if (!broken) ref.blob = blob;
      }
      if (broken) ref.storedSize = 0;
      ref.truncated = ref.size > ref.storedSize;
      return { ...ref };
    };
    return { write, end };
  }

  async read(ref: BodyRef): Promise<Buffer> {
    if (!ref.blob) return Buffer.alloc(0);
    try {
      return await fs.promises.readFile(this.pathOf(ref.blob));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    }
  }

  async remove(blobs: string[]): Promise<void> {
    await Promise.all(
      blobs.map((b) =>
        fs.promises.rm(this.pathOf(b), { force: true }).catch(() => {
          // A body file that cannot be removed now is left for the next clear; never fail a trim over it.
        }),
      ),
    );
  }

  /** Resolves when every body file ended so far is flushed to disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
