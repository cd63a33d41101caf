/**
 * Keeps failures that happen before a request exists (a TLS handshake the client rejected, a request Node
 * could not parse) from flooding the store: at most one flow per client address and reason per window (one
 * second). The ones held back are counted and reported on the next flow recorded for the same key
 * (FlowError.repeats), and in `suppressed` overall.
 */
const WINDOW_MS = 1_000;
/** Keys kept at most; past it, keys idle longer than a window are dropped (their counts with them). */
const MAX_KEYS = 4_096;

interface Slot {
  lastAt: number;
  held: number;
}

export class FailureRateLimit {
  private readonly slots = new Map<string, Slot>();
  /** Failures held back since start, over every key. */
  suppressed = 0;

  constructor(private readonly windowMs = WINDOW_MS) {}

  /**
   * Whether a failure for `key` (client address and reason) is recorded now: the number held back since the
   * last recorded one (0 or more), or undefined when this one is held back.
   */
  admit(key: string, now = Date.now()): number | undefined {
    const slot = this.slots.get(key);
    if (slot && now - slot.lastAt < this.windowMs) {
      slot.held++;
      this.suppressed++;
      return undefined;
    }
    const held = slot?.held ?? 0;
    if (!slot && this.slots.size >= MAX_KEYS) this.prune(now);
    this.slots.set(key, { lastAt: now, held: 0 });
    return held;
  }

  private prune(now: number): void {
    for (const [key, slot] of this.slots) if (now - slot.lastAt >= this.windowMs) this.slots.delete(key);
    // Every key busy within the window (a flood from many addresses): start over rather than grow.
    if (this.slots.size >= MAX_KEYS) this.slots.clear();
  }
}
