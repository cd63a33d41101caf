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
 *
 * With `segmentBytes` set (the flow store sets it), small bodies go instead into shared append-only segment
 * files (segments.ts): one open file and a few large writes for many bodies, no file to create or delete
 * per body; on Linux those writes go past the page cache (segment-file.ts). Large bodies keep a file of
 * their own.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BodyRef, BodySide } from '../../common/flow';
import type { BodyStoreLike, BodyWriter } from './sink';
import { parseSlice, segmentFileName, segmentOfFile, sliceBlob, type SegmentSlice } from './segments';
import { SegmentFile, type SegmentEvents } from './segment-file';
import { DirectPages } from './direct-pages';
import { PRIVATE_FILE_MODE, mkdirPrivate } from '../private-files';

export const DEFAULT_BODY_CAP = 10 * 1024 * 1024;
/**
 * Bodies up to this size are held in memory until they end and then written in one call (one trip to the
 * disk instead of a stream's open, writes and close); larger ones stream to their file as they arrive.
 */
export const SMALL_BODY = 128 * 1024;
/** A segment file is closed and a new one started once it holds this much (see segments.ts). */
export const DEFAULT_SEGMENT_BYTES = 32 * 1024 * 1024;
const SEGMENTS = 'segments';
const ZEROS = Buffer.alloc(64 * 1024);

export interface BodyStoreOptions {
  dir: string;
  /** Bytes kept per body. */
  cap?: number;
  /** Called once per failure episode (e.g. ENOSPC) with a message for the user. */
  onWriteError?: (message: string) => void;
  /** Append small bodies to segment files of about this size; without it every body gets its own file. */
  segmentBytes?: number;
  /** Write segments past the page cache where the system can (default true; segment-file.ts says why). */
  directWrites?: boolean;
}

export class BodyStore implements BodyStoreLike {
  readonly dir: string;
  private readonly cap: number;
  private readonly onWriteError: (message: string) => void;
  /** Set after a write failed: no new body files until a write succeeds again (retried every 30 s). */
  private failedAt = 0;
  private readonly pending = new Set<Promise<void>>();
  /** Body files still being written, by blob: a read of a body that just ended waits for its last bytes. */
  private readonly pendingFiles = new Map<string, Promise<void>>();
  /** Shard folders known to exist: one mkdir per folder per run, not one per body. */
  private readonly shards = new Set<string>();
  private segmentBytes: number;
  /** The first segment this store writes: above every segment on disk when it was opened. */
  readonly firstSegment: number;
  private segment: SegmentFile | undefined;
  private nextSegment: number;
  /** Segments whose file is open: the current one, and sealed ones until their queue is written. */
  private readonly openSegments = new Set<SegmentFile>();
  /** keepRecent(): the newest small bodies by name, and their bytes in all. */
  private recent: Map<string, Buffer> | undefined;
  /**
   * The names kept, oldest first from `recentHead` (removed ones included; they are skipped). Not the Map's
   * own order: taking a Map's oldest entry iterates past every entry deleted since its last rehash, which
   * made each body cost ~4 µs with 16 MB of 1 KB bodies kept.
   */
  private recentOrder: string[] = [];
  private recentHead = 0;
  private recentBytes = 0;
  private recentMax = 0;
  /** Staging pages for direct segment writes; undefined when they are not wanted. */
  private readonly pages: DirectPages | undefined;
  /** The first staging page, made at start off the proxy's thread (DirectPages.prepare); close waits for it. */
  private readonly pagesPrepared: Promise<void> = Promise.resolve();
  private readonly segmentEvents: SegmentEvents = {
    onError: (err) => this.failed(err),
    onClosed: (segment) => this.openSegments.delete(segment),
  };

  constructor(options: BodyStoreOptions) {
    this.dir = options.dir;
    this.cap = options.cap ?? DEFAULT_BODY_CAP;
    this.onWriteError = options.onWriteError ?? (() => {});
    this.segmentBytes = options.segmentBytes ?? 0;
    mkdirPrivate(this.dir);
    this.firstSegment = this.segmentBytes > 0 ? Math.max(0, ...this.segments()) + 1 : 0;
    this.nextSegment = this.firstSegment;
    if (this.segmentBytes > 0 && options.directWrites !== false) {
      // The probe file (direct-pages.ts) goes in the bodies folder, made above: the segments folder appears with the first segment.
      this.pages = new DirectPages(this.dir);
      this.pagesPrepared = this.pages.prepare();
    }
  }

  pathOf(blob: string): string {
    // Blob names come from our own ids; refuse anything that could leave the folder.
    if (!/^[A-Za-z0-9_-]+$/.test(blob)) throw new Error(`invalid body name: ${JSON.stringify(blob)}`);
    const slice = parseSlice(blob);
    if (slice) return this.segmentPath(slice.segment);
    return path.join(this.dir, blob.slice(0, 2), blob);
  }

  segmentPath(segment: number): string {
    return path.join(this.dir, SEGMENTS, segmentFileName(segment));
  }

  /** Bytes of small bodies queued for their segment files and not yet written (a disk slower than the capture). */
  unwrittenBytes(): number {
    let bytes = 0;
    for (const segment of this.openSegments) bytes += segment.unwritten;
    return bytes;
  }

  /** Segment files on disk (none when the folder cannot be read: opening a segment then reports why). */
  segments(): number[] {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.dir, SEGMENTS));
    } catch {
      return [];
    }
    return names.map(segmentOfFile).filter((n): n is number => n !== undefined);
  }

  /** Deletes whole segment files (the worker, once no stored flow refers to them). */
  async removeSegments(segments: number[]): Promise<void> {
    await Promise.all(segments.map((n) => fs.promises.rm(this.segmentPath(n), { force: true }).catch(() => {})));
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
        // A body with a file of its own: its shard folder is made now, synchronously, so a disk that refuses it
        // is known before end(). Small bodies in segments learn it when their segment is opened at end().
        const error = this.segmentBytes > 0 ? undefined : this.ensureShard(blob);
        if (error) return fail(error);
        held = [];
      }
      ref.storedSize += part.length;
      if (held) {
        held.push(part);
        if (ref.storedSize <= SMALL_BODY) return;
        // Too big to hold: stream it. The stream buffers when the disk is slower than the network; the cap bounds that buffer.
        const error = this.ensureShard(blob);
        if (error) {
          held = undefined;
          return fail(error);
        }
        stream = fs.createWriteStream(this.pathOf(blob), { mode: PRIVATE_FILE_MODE });
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
      } else if (held && !broken && this.segmentBytes > 0) {
        const appended = this.append(held, ref.storedSize);
        if (typeof appended === 'string') {
          ref.blob = appended;
          if (this.recent) this.remember(appended, held);
        } else fail(appended);
      } else if (held && !broken) {
        done = fs.promises.writeFile(this.pathOf(blob), held.length === 1 ? held[0] : Buffer.concat(held), { mode: PRIVATE_FILE_MODE }).catch(fail);
      }
      held = undefined;
      if (done) {
        const written = done;
        this.pending.add(written);
        this.pendingFiles.set(blob, written);
        void written.then(() => {
          this.pending.delete(written);
          if (this.pendingFiles.get(blob) === written) this.pendingFiles.delete(blob);
        });
        if (!broken) ref.blob = blob;
      }
      if (broken) ref.storedSize = 0;
      ref.truncated = ref.size > ref.storedSize;
      return { ...ref };
    };
    return { write, end };
  }

  /**
   * Appends bytes that are not a body (a short message log, message-log.ts) to the current segment, as a small
   * body is: the slice's name, or undefined without segments, after a recent write failure, or when it fails.
   */
  appendSlice(chunks: Buffer[], length: number): string | undefined {
    if (this.segmentBytes <= 0 || length > SMALL_BODY || Date.now() - this.failedAt < 30_000) return undefined;
    const appended = this.append(chunks, length);
    if (typeof appended === 'string') return appended;
    this.failed(appended);
    return undefined;
  }

  /**
   * Appends a small body to the current segment: its place is handed out now, the bytes are queued and
   * written with the bodies queued after them in one positional write. Returns the body's name, or the
   * error when no segment file can be opened.
   */
  private append(chunks: Buffer[], length: number): string | NodeJS.ErrnoException {
    let segment = this.segment;
    if (!segment || segment.size >= this.segmentBytes) {
      segment?.seal();
      this.segment = undefined;
      try {
        segment = this.openSegment();
      } catch (err) {
        return err as NodeJS.ErrnoException;
      }
      this.segment = segment;
      this.openSegments.add(segment);
    }
    let offset: number;
    try {
      offset = segment.append(chunks, length);
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
    return sliceBlob({ segment: segment.n, offset, length });
  }

  private openSegment(): SegmentFile {
    mkdirPrivate(path.join(this.dir, SEGMENTS));
    for (;;) {
      const n = this.nextSegment++;
      try {
        return SegmentFile.create(this.segmentPath(n), n, this.pages, this.segmentEvents);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
  }

  /**
   * Overwrites removed bodies in segments with zeros, so what the user deleted is not left readable on disk;
   * the space comes back when the whole segment is deleted. Adjacent bodies are zeroed in one write.
   */
  private async scrub(slices: SegmentSlice[]): Promise<void> {
    const bySegment = new Map<number, SegmentSlice[]>();
    for (const s of slices) bySegment.set(s.segment, [...(bySegment.get(s.segment) ?? []), s]);
    for (const [n, list] of bySegment) {
      let handle: fs.promises.FileHandle;
      try {
        handle = await fs.promises.open(this.segmentPath(n), 'r+');
      } catch {
        continue; // Deleted already: nothing left to scrub.
      }
      try {
        list.sort((a, b) => a.offset - b.offset);
        let start = list[0].offset;
        let end = start + list[0].length;
        const ranges: [number, number][] = [];
        for (const s of list.slice(1)) {
          if (s.offset > end) {
            ranges.push([start, end]);
            start = s.offset;
          }
          end = Math.max(end, s.offset + s.length);
        }
        ranges.push([start, end]);
        const size = (await handle.stat()).size;
        for (const [from, to] of ranges) {
          // Never past the end: a body that was never written stays unwritten.
          for (let at = from; at < Math.min(to, size); at += ZEROS.length) await handle.write(ZEROS, 0, Math.min(ZEROS.length, Math.min(to, size) - at), at);
        }
      } finally {
        await handle.close();
      }
    }
  }

  /** Makes the body's shard folder once per run; returns the error when the disk refuses it. */
  private ensureShard(blob: string): NodeJS.ErrnoException | undefined {
    const shard = blob.slice(0, 2);
    if (this.shards.has(shard)) return undefined;
    try {
      mkdirPrivate(path.join(this.dir, shard));
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

  keepRecent(maxBytes: number): void {
    this.recentMax = maxBytes;
    this.recent ??= new Map();
  }

  private remember(blob: string, chunks: Buffer[]): void {
    const recent = this.recent!;
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    recent.set(blob, bytes);
    this.recentOrder.push(blob);
    this.recentBytes += bytes.length;
    while (this.recentBytes > this.recentMax && this.recentHead < this.recentOrder.length) {
      const name = this.recentOrder[this.recentHead++];
      const old = recent.get(name);
      if (!old) continue;
      recent.delete(name);
      this.recentBytes -= old.length;
    }
    // Drop the names already let go from time to time rather than shifting the array at every body.
    if (this.recentHead > 4096) {
      this.recentOrder.splice(0, this.recentHead);
      this.recentHead = 0;
    }
    // Names of bodies remove()d before they were let go would pile up while the bytes kept stay under the limit.
    if (this.recentOrder.length - this.recentHead > 2 * recent.size + 4096) {
      this.recentOrder = this.recentOrder.slice(this.recentHead).filter((name) => recent.has(name));
      this.recentHead = 0;
    }
  }

  readKept(ref: BodyRef): Buffer | undefined {
    return ref.blob ? this.recent?.get(ref.blob) : undefined;
  }

  async read(ref: BodyRef): Promise<Buffer> {
    if (!ref.blob) return Buffer.alloc(0);
    const kept = this.recent?.get(ref.blob);
    if (kept) return Buffer.from(kept);
    const slice = parseSlice(ref.blob);
    if (slice) return this.readSlice(slice.segment, slice.offset, slice.length);
    await this.pendingFiles.get(ref.blob);
    try {
      return await fs.promises.readFile(this.pathOf(ref.blob));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    }
  }

  /** A body in a segment; missing (segment deleted, or cut short by a crash or a full disk) reads as empty. */
  private async readSlice(segment: number, offset: number, length: number): Promise<Buffer> {
    // A body handed out moments ago may still be queued.
    for (const s of this.openSegments) if (s.n === segment && s.written < offset + length) await s.whenWritten();
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.segmentPath(segment), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    }
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return bytesRead === length ? buffer : Buffer.alloc(0);
    } finally {
      await handle.close();
    }
  }

  /**
   * Deletes body files. A body in a segment is zeroed instead; the segment file goes as a whole once no
   * stored flow refers to it (the store's worker counts that, segments.ts).
   */
  async remove(blobs: string[]): Promise<void> {
    if (this.recent) {
      for (const b of blobs) {
        const kept = this.recent.get(b);
        if (!kept) continue;
        this.recent.delete(b);
        this.recentBytes -= kept.length;
      }
    }
    const slices: SegmentSlice[] = [];
    for (const b of blobs) {
      const slice = parseSlice(b);
      if (slice) slices.push(slice);
    }
    await Promise.all([
      this.scrub(slices).catch(() => {}),
      ...blobs.filter((b) => !parseSlice(b)).map((b) =>
        fs.promises.rm(this.pathOf(b), { force: true }).catch(() => {
          // A body file that cannot be removed now is left for the next clear; never fail a trim over it.
        }),
      ),
    ]);
  }

  /**
   * True when removed bodies may be zeroed now: every body handed out is written, and no open segment will
   * write over them again. A segment written past the page cache writes the block its last write ended in
   * again with the next (segment-file.ts), which would undo a zeroing there or race with it; `settle` seals it.
   */
  segmentsSettled(): boolean {
    for (const s of this.openSegments) if (s.isDirect || s.written < s.size) return false;
    return true;
  }

  /** Seals an open segment written past the page cache; resolves once every body handed out so far is written and such segments are closed. */
  async settle(): Promise<void> {
    if (this.segment?.isDirect) {
      this.segment.seal();
      this.segment = undefined;
    }
    // Only the segments open now: one opened while this waits holds only bodies handed out after the call.
    // Under sustained capture it stays open until it fills, so waiting for it too held every trim's removal
    // for a whole segment's worth of bodies, and once capture stopped (a shutdown) for ever (issue 16).
    const sealed = [...this.openSegments].filter((s) => s.isDirect).map((s) => s.closed);
    await this.flush();
    await Promise.all(sealed);
  }

  /** Resolves when every body ended so far is written. */
  async flush(): Promise<void> {
    await Promise.all([...this.pending, ...[...this.openSegments].map((s) => s.whenWritten())]);
  }

  /** Writes what is queued and closes the segment file (bodies ended after this get files of their own). */
  async close(): Promise<void> {
    this.segment?.seal();
    this.segment = undefined;
    this.segmentBytes = 0;
    await this.flush();
    await Promise.all([...this.openSegments].map((s) => s.closed));
    await this.pagesPrepared;
    this.pages?.close();
  }
}

