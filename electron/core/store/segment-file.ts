/**
 * One body segment file being appended to (segments.ts says why small bodies share files). A body gets its
 * place at once; its bytes are written behind the proxy's back, one write at a time, in file order.
 *
 * Two ways to write:
 * - Direct (Linux, O_DIRECT): the bytes are copied into reused, block-aligned staging pages
 *   (direct-pages.ts) and written past the page cache. Captured bodies are written once and seldom read,
 *   and on the benchmark machine (a VM) copying them into new page-cache pages cost the proxy's thread
 *   more than forwarding them: ~200 µs per 100 KB body, against ~25 µs for a direct write
 *   (docs/bench/capture.md). The socket's chunks are also let go at once instead of after the write.
 * - Buffered (other systems, or a file system that refuses direct writes): the chunks are queued and
 *   written with one positional writev per batch.
 *
 * A direct write covers whole blocks, so the block a write ended in is written again, with what came
 * after, by the next write of that page; the padding past the last body is cut off when the file is closed.
 * Writes of different pages cover different blocks and may run side by side; a page has one write at a time.
 *
 * A full page is written at once; the bytes of the partly filled last page (or the buffered queue, up to
 * WRITE_AT_BYTES) wait up to WRITE_DELAY_MS for more bodies, so one write carries every small body ended meanwhile.
 */
import fs from 'node:fs';
import { BLOCK, PAGE, openDirect, type DirectPages } from './direct-pages';
import { PRIVATE_FILE_MODE } from '../private-files';

/** Buffers per positional writev (under every system's IOV_MAX). */
const MAX_WRITE_BUFFERS = 512;
/**
 * Direct writes of one segment under way at once (of different pages). On a busy proxy a write's completion
 * waits for the thread pool and the event loop, so one at a time fell behind; more would hold up the thread
 * pool's other work (DNS lookups among it).
 */
const MAX_DIRECT_WRITES = 2;
/**
 * How long the bytes of small bodies wait for more before they are written: the store's own batch interval
 * (index.ts). Written as each body ended, every 1 KB body cost a write of its own (a trip through the thread
 * pool and back, two context switches on a busy core) and, on a direct segment, a rewrite of the whole block
 * it ended in: a 4 KB write per 1 KB body. Waiting costs no memory on a direct segment (the bytes are in the
 * staging page already; a full page is written at once) and at most WRITE_AT_BYTES on a buffered one. Bodies
 * still reach the disk well within the store's second; a reader (whenWritten) or a seal has them written at once.
 */
const WRITE_DELAY_MS = 50;
/** Buffered: queued bytes that are written at once, without waiting for the delay. */
const WRITE_AT_BYTES = 1024 * 1024;

export interface SegmentEvents {
  /** A write failed (the file stays open; what was not written reads back as missing). */
  onError(err: NodeJS.ErrnoException): void;
  /** A sealed file was written and closed. */
  onClosed(segment: SegmentFile): void;
}

/** A staging page of a direct segment: the file's bytes from index * PAGE on. */
interface StagedPage {
  index: number;
  buffer: Buffer;
  /** Bytes of the page written so far (the end of its last write). */
  flushed: number;
  /** A write of this page is under way. */
  busy: boolean;
}

export class SegmentFile {
  /** Bytes handed out (the next body's offset). */
  size = 0;
  /** Writes started so far (for tests and diagnostics: small bodies ended together share one). */
  writes = 0;
  /** Writes under way. */
  private writing = 0;
  /** No more bodies come: close the file once everything is written. */
  private sealed = false;
  private closing = false;
  private isClosed = false;
  private markClosed!: () => void;
  /** Resolves once the file is sealed, written and closed. */
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));
  /** Called once `written` reaches `until` (or the file is closed). */
  private waiters: { until: number; wake: () => void }[] = [];
  /** Buffered: chunks not yet written, and the bytes written before them. */
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private queuedFrom = 0;
  /** Direct: the pages not yet wholly written, in file order. */
  private readonly pages: StagedPage[] = [];
  /** What was handed out is to be written at the next chance, not held for more bodies (WRITE_DELAY_MS). */
  private due = false;
  private delay: NodeJS.Timeout | undefined;

  /**
   * Creates the segment's file ('wx': a segment is never shared, not even with a file another writer left),
   * for direct writes when `pages` is given and still usable. Throws what open throws (EEXIST included).
   */
  static create(file: string, n: number, pages: DirectPages | undefined, events: SegmentEvents): SegmentFile {
    if (pages?.usable) {
      try {
        const fd = openDirect(file, fs.constants.O_CREAT | fs.constants.O_EXCL);
        const segment = new SegmentFile(n, fd, pages, events);
        // A first page now: a file system that accepts the flag but not the writes is found out here.
        try {
          segment.pages.push({ index: 0, buffer: pages.take(), flushed: 0, busy: false });
        } catch (err) {
          fs.closeSync(fd);
          fs.rmSync(file, { force: true });
          throw err;
        }
        return segment;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
        pages.usable = false;
      }
    }
    return new SegmentFile(n, fs.openSync(file, 'wx', PRIVATE_FILE_MODE), undefined, events);
  }

  private constructor(
    readonly n: number,
    private readonly fd: number,
    /** Set when the file takes direct writes. */
    private readonly direct: DirectPages | undefined,
    private readonly events: SegmentEvents,
  ) {}

  get isDirect(): boolean {
    return this.direct !== undefined;
  }

  /** Bytes handed out but not yet on disk: the store counts them in its backlog (index.ts, admit). */
  get unwritten(): number {
    return this.size - this.written;
  }

  /** Bytes written: every body that ends at or before this offset is on disk. */
  get written(): number {
    if (!this.direct) return this.queuedFrom;
    const first = this.pages[0];
    return first ? Math.min(this.size, first.index * PAGE + first.flushed) : this.size;
  }

  /**
   * Hands out the place of a body of `length` bytes and queues its bytes; returns its offset. Throws (and
   * hands out nothing) when no staging page can be had.
   */
  append(chunks: readonly Buffer[], length: number): number {
    const offset = this.size;
    if (this.direct) this.stage(chunks, offset);
    else {
      for (const c of chunks) this.queue.push(c);
      this.queuedBytes += length;
    }
    this.size += length;
    this.drain();
    this.delay ??= setTimeout(() => {
      this.delay = undefined;
      this.writeNow();
    }, WRITE_DELAY_MS);
    return offset;
  }

  /** Writes what was handed out so far without waiting for more bodies. */
  private writeNow(): void {
    this.due = true;
    this.drain();
  }

  /** Copies a body into the staging pages (the last one, then new ones). */
  private stage(chunks: readonly Buffer[], offset: number): void {
    let at = offset;
    for (const chunk of chunks) {
      let from = 0;
      while (from < chunk.length) {
        const index = Math.floor(at / PAGE);
        let page = this.pages[this.pages.length - 1];
        if (page?.index !== index) {
          page = { index, buffer: this.direct!.take(), flushed: 0, busy: false };
          this.pages.push(page);
        }
        const inPage = at - index * PAGE;
        const n = Math.min(chunk.length - from, PAGE - inPage);
        chunk.copy(page.buffer, inPage, from, from + n);
        from += n;
        at += n;
      }
    }
  }

  /** No more bodies: the file is closed once what is queued is written. */
  seal(): void {
    this.sealed = true;
    this.drain();
  }

  /** Resolves once every body handed out so far is written (not those handed out meanwhile), or the file is closed. */
  whenWritten(): Promise<void> {
    if (this.written >= this.size || this.isClosed) return Promise.resolve();
    const written = new Promise<void>((wake) => this.waiters.push({ until: this.size, wake }));
    this.writeNow();
    return written;
  }

  /**
   * Starts the writes that can start: full pages at once, the rest once due (or sealed); closes a sealed file
   * once everything is written.
   */
  private drain(): void {
    const now = this.due || this.sealed;
    if (this.direct) {
      const last = this.pages[this.pages.length - 1];
      for (const page of this.pages) {
        if (this.writing >= MAX_DIRECT_WRITES) break;
        const end = Math.min(this.size - page.index * PAGE, PAGE);
        if (page.busy || end <= page.flushed || (end < PAGE && !now)) continue;
        // This write takes every byte handed out so far: bodies from now on wait for the next delay.
        if (page === last) this.due = false;
        this.writePage(page, end);
      }
    } else if (this.writing === 0 && this.queue.length > 0 && (now || this.queuedBytes >= WRITE_AT_BYTES)) {
      this.writeQueued();
      if (this.queue.length === 0) this.due = false;
    }
    if (this.sealed && !this.closing && this.writing === 0 && this.written >= this.size) {
      this.closing = true;
      void this.close();
    }
  }

  private writeQueued(): void {
    const buffers = this.queue.splice(0, MAX_WRITE_BUFFERS);
    let bytes = 0;
    for (const b of buffers) bytes += b.length;
    this.queuedBytes -= bytes;
    const position = this.queuedFrom;
    this.writing++;
    this.writes++;
    fs.writev(this.fd, buffers, position, (err, written) => {
      this.queuedFrom = position + bytes;
      this.wrote(err, written < bytes);
    });
  }

  /** Writes a page's bytes up to `end`, from the start of the block its last write ended in. */
  private writePage(page: StagedPage, end: number): void {
    const from = page.flushed - (page.flushed % BLOCK);
    const padded = Math.ceil(end / BLOCK) * BLOCK;
    // Zeros after the last body, never stale bytes of the page's earlier use.
    page.buffer.fill(0, end, padded);
    const length = padded - from;
    page.busy = true;
    this.writing++;
    this.writes++;
    fs.write(this.fd, page.buffer, from, length, page.index * PAGE + from, (err, written) => {
      page.busy = false;
      page.flushed = end;
      if (end === PAGE) {
        this.pages.splice(this.pages.indexOf(page), 1);
        this.direct!.give(page.buffer);
      }
      this.wrote(err, written < length);
    });
  }

  private wrote(err: NodeJS.ErrnoException | null, short: boolean): void {
    this.writing--;
    // A short write means the disk is full: what did not fit reads back as missing.
    if (err || short) this.events.onError(err ?? Object.assign(new Error('the disk took only part of a write'), { code: 'ENOSPC' }));
    const written = this.written;
    this.waiters = this.waiters.filter((w) => (w.until <= written ? (w.wake(), false) : true));
    this.drain();
  }

  private async close(): Promise<void> {
    if (this.delay) clearTimeout(this.delay);
    this.delay = undefined;
    // Direct writes padded the last block: cut the file back to its bodies.
    if (this.direct) await new Promise<void>((resolve) => fs.ftruncate(this.fd, this.size, () => resolve()));
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
    for (const page of this.pages.splice(0)) this.direct!.give(page.buffer);
    this.isClosed = true;
    this.events.onClosed(this);
    for (const w of this.waiters.splice(0)) w.wake();
    this.markClosed();
  }
}
