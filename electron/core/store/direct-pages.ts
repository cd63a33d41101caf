/**
 * Staging pages for direct (O_DIRECT) writes of body segments (segment-file.ts). A direct write must start
 * at a block-aligned address in memory, at a block-aligned file position, and be a whole number of blocks.
 *
 * Where the pages' memory comes from: blocks of WebAssembly memory, 16 pages each. Their buffers start on
 * a boundary of the system's memory pages (V8 maps them with mmap), so every page cut at a multiple of 1 MB
 * is 4 KB-aligned. That matters more than the kernel's own check says: it refuses (EINVAL) only memory not
 * aligned to the device's logical block (512 bytes on the benchmark VM), but a 1 MB direct write from
 * memory that is 512- and not 4096-aligned took 4–14 ms there, against 0.67 ms from page-aligned memory
 * (the block layer splits it into many small requests). JavaScript cannot see an address, and malloc puts
 * a large buffer 16 bytes past a page boundary, so the first offset a test write accepted was almost never
 * page-aligned: body segments were written at ~100 MB/s, and at 100 KB bodies the store shed capture past
 * ~1,200 flows a second (issue 16). A WebAssembly memory reserves address space for its guard regions
 * (about 10 GB per memory in V8, none of it memory), hence few of them, each shared by 16 pages; its pages
 * take memory only once used, and pages are reused most recently given first, so the ones in use stay few.
 *
 * Where WebAssembly memory cannot be had (or after MAX_CHUNKS of it), a page is cut from a slightly larger
 * heap buffer at the first offset a direct write of one block accepts, found by trying (allocations are
 * 16-byte aligned, so one of 256 offsets is 4096-aligned); test writes go to a scratch file unlinked as soon
 * as it is opened, so nothing is left behind.
 *
 * Pages are reused: those of WebAssembly blocks always, and a few idle heap ones, so steady capture
 * allocates none and the pages stay in memory the system has already given the process. When the idle ones
 * run low (a disk slower than the capture holds pages in writes), the next are made ahead: a WebAssembly
 * block needs no test write once one was accepted; a heap page has its test write on the thread pool (made
 * by take(), the test write is a synchronous direct write on the proxy's thread, which waited 30–40 ms for a
 * busy disk in profiles of http-100k capture, issue 16).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../private-files';

/** File positions and lengths of direct writes are multiples of this (every common block size divides it). */
export const BLOCK = 4096;
/** Bytes per staging page (a multiple of BLOCK). */
export const PAGE = 1024 * 1024;
/** Idle heap pages kept for reuse (pages of WebAssembly blocks are all kept). */
const IDLE_PAGES = 8;
/** Pages per WebAssembly block. */
export const CHUNK_PAGES = 16;
/** WebAssembly blocks made at most (each reserves address space, see above); pages beyond come from the heap. */
export const MAX_CHUNKS = 2;
/** A WebAssembly memory page (the unit of WebAssembly.Memory sizes). */
const WASM_PAGE = 64 * 1024;
/** Idle pages below which take() makes the next one ahead, off the proxy's thread. */
const LOW_WATER = 2;
/** Malloc's alignment: where the offset search steps. */
const STEP = 16;

/** The one part of the WebAssembly API used here (Node has it all; its types come with the DOM library, not Node's). */
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer } };

/** The O_DIRECT open flag, or undefined where the system has none (macOS, Windows). */
export const O_DIRECT: number | undefined = fs.constants.O_DIRECT;

export class DirectPages {
  private readonly idle: Buffer[] = [];
  /** The memory of WebAssembly blocks: their pages are always kept for reuse. */
  private readonly chunkMemory = new WeakSet<ArrayBufferLike>();
  /** WebAssembly blocks made so far. */
  private chunks = 0;
  /** undefined until a direct write from a WebAssembly block was tried; false once one could not be had or was refused. */
  private chunksWork: boolean | undefined;
  private probeFd: number | undefined;
  /** Where the last page was found aligned: the next allocation usually aligns there too. */
  private lastOffset = 0;
  /** False once this folder's file system refused direct writes: segments are then written through the page cache. */
  usable = O_DIRECT !== undefined;
  /** Pages made so far (for tests and diagnostics: steady capture reuses pages instead of making new ones). */
  allocated = 0;
  private closed = false;
  /** A page being made ahead (makeAhead): its test write is under way on the probe file. */
  private making: Promise<void> | undefined;

  /** `maxChunks`: WebAssembly blocks made at most (tests of heap pages set 0). */
  constructor(
    private readonly dir: string,
    private readonly maxChunks = MAX_CHUNKS,
  ) {}

  /** A page whose contents are stale bytes of an earlier segment (writers zero what they pad with). */
  take(): Buffer {
    const page = this.idle.pop() ?? this.allocate();
    if (this.idle.length < LOW_WATER) this.makeAhead();
    return page;
  }

  /** Resolves once no page is being made ahead (for tests, and close). */
  async ahead(): Promise<void> {
    while (this.making) await this.making;
  }

  give(page: Buffer): void {
    if (this.chunkMemory.has(page.buffer) || this.idle.length < IDLE_PAGES) this.idle.push(page);
  }

  /**
   * Makes one idle page ahead of the first segment, in the event-loop turn after the store opens, while the
   * start still waits on other I/O. Left to take(), the search (a test write per 16-byte offset until one is
   * accepted, then that write reaching the disk) ran inside the first request after a start: 9–30 ms of
   * it in profiles of that request on this machine (issue 16, the new-host tail). Done on the thread pool
   * instead, it was often still queued behind the start's other file work when that request came. Later
   * pages align where this one did (lastOffset), so they cost one write. Never rejects: a failure leaves
   * the search, and its report, to take().
   */
  prepare(): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        try {
          if (!this.closed && this.usable && this.idle.length === 0) this.give(this.allocate());
        } catch {
          // take() searches again and throws what it meets.
        }
        resolve();
      }),
    );
  }

  /**
   * Makes idle pages ahead: a WebAssembly block at once (no test write once one was accepted), else one heap
   * page with its test writes on the thread pool. A failure makes none and reports nothing: take() then
   * searches on its own and throws what it meets.
   */
  private makeAhead(): void {
    if (this.making || this.closed || !this.usable || this.probeFd === undefined) return;
    if (this.chunksWork) {
      const page = this.makeChunk();
      if (page) return this.give(page);
    }
    const fd = this.probeFd;
    const raw = Buffer.allocUnsafeSlow(PAGE + BLOCK);
    const offsets = this.offsetsToTry();
    this.making = new Promise<void>((done) => {
      const tryAt = (i: number) =>
        fs.write(fd, raw, offsets[i], BLOCK, 0, (err) => {
          if (err?.code === 'EINVAL' && i + 1 < offsets.length && !this.closed) return tryAt(i + 1);
          this.making = undefined;
          if (!err && !this.closed) {
            this.lastOffset = offsets[i];
            this.allocated++;
            this.give(raw.subarray(offsets[i], offsets[i] + PAGE));
          }
          // close() left the probe file to this write: a number closed under it could be a new file's by the time it runs.
          if (this.closed) this.closeProbe();
          done();
          if (!err && this.idle.length < LOW_WATER) this.makeAhead();
        });
      tryAt(0);
    });
  }

  /** Throws when no aligned page can be made (a failed test write: a full disk, or no direct I/O here). */
  private allocate(): Buffer {
    const fd = (this.probeFd ??= openProbe(this.dir));
    const chunkPage = this.makeChunk();
    if (chunkPage) return chunkPage;
    // Unset bytes never reach a segment: writers copy bodies in and zero what they pad with.
    const raw = Buffer.allocUnsafeSlow(PAGE + BLOCK);
    for (const k of this.offsetsToTry()) {
      try {
        fs.writeSync(fd, raw, k, BLOCK, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EINVAL') continue;
        throw err;
      }
      this.lastOffset = k;
      this.allocated++;
      return raw.subarray(k, k + PAGE);
    }
    throw Object.assign(new Error('no block-aligned buffer accepted by a direct write'), { code: 'EINVAL' });
  }

  /**
   * Makes a WebAssembly block: returns its first page and keeps the others idle. Undefined when no more may be
   * made or none can be had (the caller then makes a heap page). The first block's first page is tried with a
   * synchronous direct write (every later block is aligned alike); a refusal other than EINVAL is thrown.
   */
  private makeChunk(): Buffer | undefined {
    if (this.chunksWork === false || this.chunks >= this.maxChunks) return undefined;
    let memory: Buffer;
    try {
      const pages = (CHUNK_PAGES * PAGE) / WASM_PAGE;
      memory = Buffer.from(new WebAssembly.Memory({ initial: pages, maximum: pages }).buffer);
    } catch {
      // No address space left for another memory (a ulimit -v), or no WebAssembly: heap pages from now on.
      this.chunksWork = false;
      return undefined;
    }
    if (this.chunksWork === undefined) {
      try {
        fs.writeSync(this.probeFd!, memory, 0, BLOCK, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
        this.chunksWork = false;
        return undefined;
      }
      this.chunksWork = true;
    }
    this.chunks++;
    this.chunkMemory.add(memory.buffer);
    this.allocated += CHUNK_PAGES;
    for (let i = CHUNK_PAGES - 1; i >= 1; i--) this.idle.push(memory.subarray(i * PAGE, (i + 1) * PAGE));
    return memory.subarray(0, PAGE);
  }

  /** Offsets into a new buffer where a page may start aligned: where the last one did first. */
  private offsetsToTry(): number[] {
    const offsets = [this.lastOffset];
    for (let k = 0; k < BLOCK; k += STEP) if (k !== this.lastOffset) offsets.push(k);
    return offsets;
  }

  /** A prepare() still waiting for its turn then makes no page; a page being made ahead is let go when its write ends. */
  close(): void {
    this.closed = true;
    if (!this.making) this.closeProbe();
    this.idle.length = 0;
  }

  private closeProbe(): void {
    if (this.probeFd !== undefined) fs.closeSync(this.probeFd);
    this.probeFd = undefined;
  }
}

/** Opens a file for direct writes; EINVAL when the file system does not do direct I/O. */
export function openDirect(file: string, flags: number): number {
  if (O_DIRECT === undefined) throw Object.assign(new Error('no direct I/O on this system'), { code: 'EINVAL' });
  return fs.openSync(file, flags | O_DIRECT | fs.constants.O_WRONLY, PRIVATE_FILE_MODE);
}

function openProbe(dir: string): number {
  const file = path.join(dir, `.direct-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const fd = openDirect(file, fs.constants.O_CREAT | fs.constants.O_EXCL);
  fs.rmSync(file, { force: true });
  return fd;
}
