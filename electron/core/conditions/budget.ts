/**
 * One device's bandwidth in one direction: a link that carries `bytesPerSecond` and is shared by every
 * connection that reserves time on it. Each reservation books the link for n bytes after everything booked
 * before (a virtual clock), so six connections that take turns get a sixth each, and their total stays at
 * the rate, whatever the number of connections.
 *
 * Timers fire late on a busy machine; an idle link therefore keeps up to CREDIT_MS of unused time, so a late
 * timer does not lower the rate achieved. That credit is also the largest burst a fresh or idle link allows.
 */
import { performance } from 'node:perf_hooks';

export const CREDIT_MS = 50;

export class Budget {
  /** When the link is free again (performance.now() time). */
  private freeAt = 0;

  constructor(public bytesPerSecond: number) {}

  /** Books the link for `bytes`; returns how many ms to wait until they have gone through it. */
  reserve(bytes: number, now = performance.now()): number {
    const start = Math.max(this.freeAt, now - CREDIT_MS);
    this.freeAt = start + (bytes / this.bytesPerSecond) * 1000;
    return Math.max(0, this.freeAt - now);
  }

  /** True when nothing is booked past `now - idleMs` (the budget can be dropped). */
  idleSince(now: number, idleMs: number): boolean {
    return this.freeAt < now - idleMs;
  }

  /** Bytes per slice: small enough that connections sharing the link take turns every ~50 ms. */
  sliceBytes(): number {
    return Math.min(64 * 1024, Math.max(512, Math.floor(this.bytesPerSecond / 20)));
  }
}

/** kbit/s (1,000 bits) to bytes per second. */
export const kbpsToBytes = (kbps: number): number => (kbps * 1000) / 8;
