/**
 * Body files: each captured body goes to its own file under <data>/bodies/ while the proxy forwards it,
 * capped per body (default 10 MB kept; every byte is still counted and the body marked truncated). The
 * proxy never waits on the disk: a small body is held until it ends and written with one asynchronous call,
 * a larger one is queued on a WriteStream as it arrives; if the disk fails (full, read-only) body writing
 * stops with a visible warning while forwarding goes on.
 *
 * Files are named <flow id>-<side> and sharded by the first two characters of the id, so one folder
 * never holds 120,000 entries. Each shard folder is made once per run (a mkdir per body cost the proxy's
 * thread a sixth of its time).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BodyRef, BodySide } from '../../common/flow';
import type { BodyStoreLike, BodyWriter } from '../capture/sink';

export const DEFAULT_BODY_CAP = 10 * 1024 * 1024;
/**
 * Bodies up to this size are held in memory until they end and then written in one call (one trip to the
 * disk instead of a stream's open, writes and close); larger ones stream to their file as they arrive.
 */
export const SMALL_BODY = 128 * 1024;

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
  /** Shard folders known to exist: one mkdir per folder per run, not one per body. */
  private readonly shards = new Set<string>();

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
    /** A small body is held here until end(), then written with one call; a larger one streams. */
    let held: Buffer[] | undefined;
    let stream: fs.WriteStream | undefined;
    let broken = Date.now() - this.failedAt < 30_000;
    let ended = false;
    const fail = (err: NodeJS.ErrnoException) => {
      if (broken) return;
      broken = true;
      this.failed(err);
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
      if (!held && !stream) {
        // The shard folder is made here, synchronously, so a disk that refuses it is known before end().
        const error = this.ensureShard(blob);
        if (error) return fail(error);
        held = [];
      }
      ref.storedSize += part.length;
      if (held) {
        held.push(part);
        if (ref.storedSize <= SMALL_BODY) return;
        // Too big to hold: stream it. The stream buffers when the disk is slower than the network; the cap bounds that buffer.
        stream = fs.createWriteStream(this.pathOf(blob));
        stream.on('error', fail);
        for (const c of held) stream.write(c);
        held = undefined;
        return;
      }
      stream!.write(part);
    };
    const end = (): BodyRef => {
      if (ended) return { ...ref };
      ended = true;
      let done: Promise<void> | undefined;
      if (stream) {
        const s = stream;
        done = new Promise<void>((resolve) => {
          s.end(() => resolve());
          s.once('error', () => resolve());
        });
      } else if (held && !broken) {
        done = fs.promises.writeFile(this.pathOf(blob), held.length === 1 ? held[0] : Buffer.concat(held)).catch(fail);
      }
      held = undefined;
      if (done) {
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

  /** Makes the body's shard folder once per run; returns the error when the disk refuses it. */
  private ensureShard(blob: string): NodeJS.ErrnoException | undefined {
    const shard = blob.slice(0, 2);
    if (this.shards.has(shard)) return undefined;
    try {
      fs.mkdirSync(path.join(this.dir, shard), { recursive: true });
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
    this.shards.add(shard);
    return undefined;
  }

  /** Reports a failed write once per failure episode; new bodies are not written for 30 s. */
  private failed(err: NodeJS.ErrnoException): void {
    // A shard folder removed under us is made again on the next body.
    if (err.code === 'ENOENT') this.shards.clear();
    if (Date.now() - this.failedAt >= 30_000) {
      this.onWriteError(`Body files are not being written (${err.code ?? 'error'}: ${err.message}). Capture of metadata and forwarding continue.`);
    }
    this.failedAt = Date.now();
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
