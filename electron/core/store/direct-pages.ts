/**
 * Staging pages for direct (O_DIRECT) writes of body segments (segment-file.ts). A direct write must start
 * at a block-aligned address in memory, at a block-aligned file position, and be a whole number of blocks.
 * JavaScript cannot see a buffer's address, so each page is found by trying: a page is cut from a slightly
 * larger buffer at the first offset a direct write of one block accepts (allocations are 16-byte aligned,
 * so one of 256 offsets is 4096-aligned). The test writes go to a scratch file unlinked as soon as it is
 * opened, so nothing is left behind.
 *
 * Pages are reused: a few idle ones are kept, so steady capture allocates none and the pages stay in memory
 * the system has already given the process. When the idle ones run low (a disk slower than the capture holds
 * pages in writes), the next is made ahead with its test write on the thread pool: made by take(), the test
 * write is a synchronous direct write on the proxy's thread, which waited 30–40 ms for a busy disk in profiles
 * of http-100k capture (issue 16).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../private-files';

/** File positions and lengths of direct writes are multiples of this (every common block size divides it). */
export const BLOCK = 4096;
/** Bytes per staging page (a multiple of BLOCK). */
export const PAGE = 1024 * 1024;
/** Idle pages kept for reuse. */
const IDLE_PAGES = 8;
/** Idle pages below which take() makes the next one ahead, off the proxy's thread. */
const LOW_WATER = 2;
/** Malloc's alignment: where the offset search steps. */
const STEP = 16;

/** The O_DIRECT open flag, or undefined where the system has none (macOS, Windows). */
export const O_DIRECT: number | undefined = fs.constants.O_DIRECT;

export class DirectPages {
  private readonly idle: Buffer[] = [];
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

  constructor(private readonly dir: string) {}

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
    if (this.idle.length < IDLE_PAGES) this.idle.push(page);
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
   * Makes one idle page with its test writes on the thread pool. A failure makes none and reports nothing:
   * take() then searches on its own and throws what it meets.
   */
  private makeAhead(): void {
    if (this.making || this.closed || !this.usable || this.probeFd === undefined) return;
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
