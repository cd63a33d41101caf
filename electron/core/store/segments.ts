/**
 * Body segments: small bodies are appended to shared, append-only segment files under
 * <data>/bodies/segments/ instead of a file each, because creating and later deleting a file per body cost
 * more than everything else the proxy does for a flow. A body in a segment is named `s<segment>-<offset>-<length>`.
 *
 * A segment file is deleted as a whole once no stored flow refers to it any more. The store's worker keeps
 * that count (SegmentRefs below): it recomputes it from the stored flows at startup and follows every write
 * and removal after that. Each run of the writer starts a new segment (numbered above every existing one),
 * so a torn tail left by a crash is never appended to.
 */

/** Where one small body lives inside its segment. */
export interface SegmentSlice {
  segment: number;
  offset: number;
  length: number;
}

const SLICE = /^s(\d+)-(\d+)-(\d+)$/;

export function sliceBlob(slice: SegmentSlice): string {
  return `s${slice.segment}-${slice.offset}-${slice.length}`;
}

/** The slice a body name stands for, or undefined for a body with a file of its own. */
export function parseSlice(blob: string): SegmentSlice | undefined {
  const m = SLICE.exec(blob);
  if (!m) return undefined;
  return { segment: Number(m[1]), offset: Number(m[2]), length: Number(m[3]) };
}

export function segmentFileName(segment: number): string {
  return `${segment}.seg`;
}

/** The segment number of a file in the segments folder, or undefined for anything else. */
export function segmentOfFile(name: string): number | undefined {
  const m = /^(\d+)\.seg$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * How many stored flows' bodies lie in each segment, as the worker sees the stored flows.
 *
 * A segment may go when its count is zero and the writer is done with it ("sealed"). The writer fills
 * segments in order and the recorder hands every finished body to the store at once (journaled and sent
 * to the worker in order), so once a body of a later segment has been counted, every body of the earlier
 * ones has been counted too. Segments of earlier runs (below `firstLive`) are sealed from the start.
 */
export class SegmentRefs {
  private readonly counts = new Map<number, number>();
  private newest = -1;

  constructor(private readonly firstLive: number) {}

  /** Counts a stored flow's bodies. */
  add(blobs: readonly string[]): void {
    for (const blob of blobs) {
      const slice = parseSlice(blob);
      if (!slice) continue;
      this.counts.set(slice.segment, (this.counts.get(slice.segment) ?? 0) + 1);
      if (slice.segment > this.newest) this.newest = slice.segment;
    }
  }

  /** Uncounts the bodies of a flow removed from the store. */
  drop(blobs: readonly string[]): void {
    for (const blob of blobs) {
      const slice = parseSlice(blob);
      const n = slice && this.counts.get(slice.segment);
      if (n) this.counts.set(slice!.segment, n - 1);
    }
  }

  /** Segments never deleted: those of a datafile that was moved aside or partly unreadable, which the user may recover. */
  private readonly kept = new Set<number>();

  /**
   * A segment file found on disk at startup: counted as empty unless a stored flow refers to it. With `keep`
   * it is never deleted.
   */
  known(segment: number, keep = false): void {
    if (keep) this.kept.add(segment);
    else if (!this.counts.has(segment)) this.counts.set(segment, 0);
  }

  /** Sealed segments no stored flow refers to; they are forgotten here, so the caller deletes them. */
  takeUnused(): number[] {
    const unused: number[] = [];
    for (const [segment, n] of this.counts) {
      if (n === 0 && !this.kept.has(segment) && (segment < this.firstLive || segment < this.newest)) unused.push(segment);
    }
    for (const segment of unused) this.counts.delete(segment);
    return unused;
  }

  /** Bodies counted per segment (for tests and diagnostics). */
  snapshot(): Record<number, number> {
    return Object.fromEntries(this.counts);
  }
}
