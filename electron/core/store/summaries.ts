/**
 * The in-memory list of every stored flow's summary: what the flow list, filters, counts and the trim read,
 * on the proxy's thread, without touching nedb.
 *
 * Kept as records in buffers, not as objects (summary-codec.ts; issues 16 and 17): 60,000 summaries as objects
 * were 20–25 MB of live heap, which V8 multiplies into its heap limit under load. Each summary is a slot: its
 * seq, startedAt and pinned flag in typed-array columns (what the orders, cursors, counts and the trim read),
 * its other fields a record in a 1 MB slab. A reader gets a new object decoded from the record: a page or a
 * filter's scan makes young garbage, the list itself none.
 *
 * Two orders of the same slots: by seq (the order the store recorded them: the trim drops the oldest
 * recorded first) and by the time the exchange happened (electron/common/flow-order.ts), which is what pages list.
 * The two differ for imported flows, which are recorded now but happened earlier (issue 13).
 */
import type { FlowSummary } from '../../common/flow';
import { decodeSummary, encodeSummary, recordId, releaseTexts, type RecordSpace } from './summary-codec';
import { StringTable } from './string-table';
import { IdIndex } from './id-index';

export interface SummaryPage {
  flows: FlowSummary[];
  matched: number;
  /** The last flow's seq and startedAt: where the next (older) page starts. */
  nextCursor?: number;
  nextCursorTime?: number;
}

/** Where a page starts: flows listed after this one (older in time order). */
export interface PageCursor {
  seq: number;
  /** The cursor flow's startedAt; when absent it is looked up by seq. */
  startedAt?: number;
}

/** Records are written into slabs of this size; a record larger than a quarter of one gets a slab of its own. */
const SLAB_BYTES = 1 << 20;
const OWN_SLAB = SLAB_BYTES / 4;
/** The slabs are rewritten (compact) when they hold more than twice the live records' bytes, and 4 MB more. */
const COMPACT_SLACK = 4 << 20;
const LIVE = 1;
const PINNED = 2;

export class SummaryList {
  private readonly table = new StringTable();
  private slabs: (Buffer | undefined)[] = [];
  /** Bytes of live records in each slab: a slab with none left is let go. */
  private slabLive: number[] = [];
  private readonly freeSlabs: number[] = [];
  /** The slab records are being appended to, and where the next goes in it. */
  private current = -1;
  private currentPos = SLAB_BYTES;
  private slabBytes = 0;
  private liveBytes = 0;

  // Columns, one entry per slot.
  private seqs: Float64Array = new Float64Array(1024);
  private times: Float64Array = new Float64Array(1024);
  private slabOf: Uint32Array = new Uint32Array(1024);
  private offsets: Uint32Array = new Uint32Array(1024);
  private lengths: Uint32Array = new Uint32Array(1024);
  private flags: Uint8Array = new Uint8Array(1024);
  private slotCount = 0;
  private readonly freeSlots: number[] = [];

  /** Slots ascending by seq (seqs are unique), and ascending by compareByTime. */
  private bySeq: Int32Array = new Int32Array(1024);
  private seqLength = 0;
  private byTime: Int32Array = new Int32Array(1024);
  private timeLength = 0;

  /** Slot by id (id-index.ts: no id string per flow on the heap). */
  private readonly ids = new IdIndex((slot) => this.idOf(slot));
  private unpinned = 0;

  get size(): number {
    return this.seqLength;
  }

  /** Flows that count against the trim cap (pinned flows are exempt). */
  get unpinnedCount(): number {
    return this.unpinned;
  }

  get maxSeq(): number {
    return this.seqLength ? this.seqs[this.bySeq[this.seqLength - 1]] : 0;
  }

  /** Texts held in the string table, and bytes of slabs (tests and the memory bench). */
  get memory(): { texts: number; slabBytes: number; liveBytes: number } {
    return { texts: this.table.size, slabBytes: this.slabBytes, liveBytes: this.liveBytes };
  }

  get(id: string): FlowSummary | undefined {
    const slot = this.find(id);
    return slot < 0 ? undefined : this.decode(slot);
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** Oldest first: every summary decoded (tests and tools; pages and scans visit only what they need). */
  all(): FlowSummary[] {
    const out: FlowSummary[] = new Array(this.seqLength);
    for (let i = 0; i < this.seqLength; i++) out[i] = this.decode(this.bySeq[i]);
    return out;
  }

  /** Adds or replaces a summary (its fields are copied); returns true when it was new. */
  upsert(summary: FlowSummary): boolean {
    const old = this.find(summary.id);
    if (old >= 0) {
      if (this.seqs[old] === summary.seq && this.times[old] === summary.startedAt) {
        const wasPinned = (this.flags[old] & PINNED) !== 0;
        const [slab, offset, length] = [this.slabOf[old], this.offsets[old], this.lengths[old]];
        // Written before the old record is dropped: a summary that cannot be encoded leaves the old one as it was.
        this.write(old, summary);
        this.dropRecord(slab, offset, length);
        this.unpinned += Number(!summary.pinned) - Number(!wasPinned);
        this.compactIfSparse();
        return false;
      }
      // A flow whose seq or start changed moves: drop the old entry and insert anew.
      this.remove([summary.id]);
    }
    const slot = this.add(summary);
    const n = this.seqLength;
    if (n === 0 || this.seqs[this.bySeq[n - 1]] < summary.seq) this.bySeq = push(this.bySeq, n, slot);
    else this.bySeq = insertAt(this.bySeq, n, this.seqPoint(summary.seq), slot);
    this.seqLength++;
    const t = this.timeLength;
    if (t === 0 || this.compareSlots(this.byTime[t - 1], slot) < 0) this.byTime = push(this.byTime, t, slot);
    else this.byTime = insertAt(this.byTime, t, this.timePoint(summary.startedAt, summary.seq), slot);
    this.timeLength++;
    return old < 0;
  }

  /**
   * Adds summaries (ascending seq) that are not in the list yet, in one merge: used at startup, when flows
   * captured meanwhile may already be in the list. Ids already present keep their (newer) summary.
   */
  addSorted(chunk: FlowSummary[]): void {
    const fresh: number[] = [];
    for (const s of chunk) if (!this.has(s.id)) fresh.push(this.add(s));
    if (fresh.length === 0) return;
    this.addByTime(fresh);
    const n = this.seqLength;
    if (n === 0 || this.seqs[this.bySeq[n - 1]] < this.seqs[fresh[0]]) {
      for (const slot of fresh) this.bySeq = push(this.bySeq, this.seqLength++, slot);
      return;
    }
    const merged = new Int32Array(Math.max(1024, capacityFor(n + fresh.length)));
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < n && j < fresh.length) merged[k++] = this.seqs[this.bySeq[i]] <= this.seqs[fresh[j]] ? this.bySeq[i++] : fresh[j++];
    while (i < n) merged[k++] = this.bySeq[i++];
    while (j < fresh.length) merged[k++] = fresh[j++];
    this.bySeq = merged;
    this.seqLength = k;
  }

  /** Removes the given ids; returns those that were present. */
  remove(ids: Iterable<string>): string[] {
    const goneIds: string[] = [];
    const goneSlots: number[] = [];
    for (const id of ids) {
      const slot = this.ids.remove(id);
      if (slot < 0) continue;
      goneIds.push(id);
      goneSlots.push(slot);
      if (!(this.flags[slot] & PINNED)) this.unpinned--;
      this.flags[slot] = 0;
    }
    if (goneSlots.length === 0) return [];
    if (goneSlots.length <= 16) {
      for (const slot of goneSlots) {
        const at = this.seqPoint(this.seqs[slot]);
        this.bySeq.copyWithin(at, at + 1, this.seqLength--);
        const t = this.timePoint(this.times[slot], this.seqs[slot]);
        this.byTime.copyWithin(t, t + 1, this.timeLength--);
      }
    } else {
      this.seqLength = keepLive(this.bySeq, this.seqLength, this.flags);
      this.timeLength = keepLive(this.byTime, this.timeLength, this.flags);
    }
    for (const slot of goneSlots) {
      this.dropRecord(this.slabOf[slot], this.offsets[slot], this.lengths[slot]);
      this.freeSlots.push(slot);
    }
    this.compactIfSparse();
    return goneIds;
  }

  /** Ids of the oldest `count` unpinned flows, oldest first. */
  oldestUnpinned(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.seqLength && ids.length < count; i++) {
      const slot = this.bySeq[i];
      if (!(this.flags[slot] & PINNED)) ids.push(this.idOf(slot));
    }
    return ids;
  }

  /** Ids of every flow (or every unpinned one) that started before `time` (all when `time` is undefined), oldest first. */
  idsStartedBefore(time: number | undefined, includePinned: boolean): string[] {
    const ids: string[] = [];
    for (let i = 0; i < this.seqLength; i++) {
      const slot = this.bySeq[i];
      if ((includePinned || !(this.flags[slot] & PINNED)) && (time === undefined || this.times[slot] < time)) ids.push(this.idOf(slot));
    }
    return ids;
  }

  /**
   * Newest first in time order (compareByTime): up to `limit` summaries listed after the cursor that match,
   * the number matching overall, and the cursor for the next (older) page when there is one.
   */
  page(match: ((s: FlowSummary) => boolean) | undefined, cursor: PageCursor | undefined, limit: number): SummaryPage {
    const flows: FlowSummary[] = [];
    const list = this.byTime;
    const after = cursor && this.cursorPosition(cursor);
    const listed = (slot: number) => !after || after(slot);
    if (!match) {
      // Unfiltered: every flow matches, so only the page itself needs visiting.
      let i = this.timeLength - 1;
      if (cursor?.startedAt !== undefined) i = this.timePoint(cursor.startedAt, cursor.seq) - 1;
      else while (i >= 0 && !listed(list[i])) i--;
      for (; i >= 0 && flows.length < limit; i--) if (listed(list[i])) flows.push(this.decode(list[i]));
      return withCursor({ flows, matched: this.timeLength }, i >= 0 && flows.length > 0);
    }
    let matched = 0;
    let more = false;
    for (let i = this.timeLength - 1; i >= 0; i--) {
      const s = this.decode(list[i]);
      if (!match(s)) continue;
      matched++;
      if (!listed(list[i])) continue;
      if (flows.length < limit) flows.push(s);
      else more = true;
    }
    return withCursor({ flows, matched }, more);
  }

  /**
   * Every summary after the cursor (older) that passes `keep`, newest first in time order: a snapshot, so a
   * caller that reads message logs for them (message-filter.ts) is not disturbed by flows added or trimmed meanwhile.
   */
  listed(cursor: PageCursor | undefined, keep: (s: FlowSummary) => boolean): FlowSummary[] {
    const after = cursor && this.cursorPosition(cursor);
    const out: FlowSummary[] = [];
    for (let i = this.timeLength - 1; i >= 0; i--) {
      const slot = this.byTime[i];
      if (after && !after(slot)) continue;
      const s = this.decode(slot);
      if (keep(s)) out.push(s);
    }
    return out;
  }

  clear(): void {
    this.table.clear();
    this.resetSlabs();
    this.liveBytes = 0;
    this.slotCount = 0;
    this.freeSlots.length = 0;
    this.seqLength = 0;
    this.timeLength = 0;
    this.ids.clear();
    this.unpinned = 0;
  }

  /** A new slot holding `summary`, indexed by id; the orders are the caller's. */
  private add(summary: FlowSummary): number {
    const slot = this.freeSlots.length ? this.freeSlots.pop()! : this.newSlot();
    this.seqs[slot] = summary.seq;
    this.times[slot] = summary.startedAt;
    this.write(slot, summary);
    this.ids.add(summary.id, slot);
    if (!summary.pinned) this.unpinned++;
    return slot;
  }

  private newSlot(): number {
    const slot = this.slotCount++;
    if (slot === this.seqs.length) {
      const size = this.seqs.length * 2;
      this.seqs = grow(this.seqs, new Float64Array(size));
      this.times = grow(this.times, new Float64Array(size));
      this.slabOf = grow(this.slabOf, new Uint32Array(size));
      this.offsets = grow(this.offsets, new Uint32Array(size));
      this.lengths = grow(this.lengths, new Uint32Array(size));
      this.flags = grow(this.flags, new Uint8Array(size));
    }
    return slot;
  }

  /** Writes the slot's record (its columns for seq and startedAt are the caller's). */
  private write(slot: number, summary: FlowSummary): void {
    let slab = -1;
    const length = encodeSummary(summary, this.table, (bytes): RecordSpace => {
      slab = this.reserve(bytes);
      return { buf: this.slabs[slab]!, pos: slab === this.current ? this.currentPos : 0 };
    });
    const pos = slab === this.current ? this.currentPos : 0;
    if (slab === this.current) this.currentPos += length;
    this.slabOf[slot] = slab;
    this.offsets[slot] = pos;
    this.lengths[slot] = length;
    this.flags[slot] = LIVE | (summary.pinned ? PINNED : 0);
    this.slabLive[slab] += length;
    this.liveBytes += length;
  }

  /** A slab with room for `bytes` at its write position: the current one, a new one, or one of the record's own. */
  private reserve(bytes: number): number {
    if (bytes > OWN_SLAB) return this.newSlab(bytes);
    if (this.currentPos + bytes > SLAB_BYTES) {
      const old = this.current;
      this.current = this.newSlab(SLAB_BYTES);
      this.currentPos = 0;
      if (old >= 0 && this.slabLive[old] === 0) this.freeSlab(old);
    }
    return this.current;
  }

  private newSlab(bytes: number): number {
    const slab = this.freeSlabs.length ? this.freeSlabs.pop()! : this.slabs.length;
    // Not zero-filled: only the bytes records are written to are read, and untouched pages cost no memory.
    this.slabs[slab] = Buffer.allocUnsafeSlow(bytes);
    this.slabLive[slab] = 0;
    this.slabBytes += bytes;
    return slab;
  }

  private freeSlab(slab: number): void {
    this.slabBytes -= this.slabs[slab]!.length;
    this.slabs[slab] = undefined;
    this.freeSlabs.push(slab);
  }

  /** Releases a record: its texts, and its slab when no live record is left in it. */
  private dropRecord(slab: number, offset: number, length: number): void {
    releaseTexts(this.slabs[slab]!, offset, this.table);
    this.liveBytes -= length;
    if ((this.slabLive[slab] -= length) === 0 && slab !== this.current) this.freeSlab(slab);
  }

  /**
   * Slabs mostly let go of themselves (the trim drops the oldest records, and a changed summary is written
   * anew at the end); a few records kept in many slabs (pinned flows among trimmed ones) would keep them all.
   * When the slabs hold twice the live bytes and more, the live records are copied into new slabs.
   */
  private compactIfSparse(): void {
    if (this.slabBytes <= 2 * this.liveBytes + COMPACT_SLACK) return;
    const old = this.slabs;
    this.resetSlabs();
    for (let i = 0; i < this.seqLength; i++) {
      const slot = this.bySeq[i];
      const length = this.lengths[slot];
      const slab = this.reserve(length);
      const pos = slab === this.current ? this.currentPos : 0;
      old[this.slabOf[slot]]!.copy(this.slabs[slab]!, pos, this.offsets[slot], this.offsets[slot] + length);
      if (slab === this.current) this.currentPos += length;
      this.slabOf[slot] = slab;
      this.offsets[slot] = pos;
      this.slabLive[slab] += length;
    }
  }

  /** No slabs (the records they held are the caller's to drop or copy). */
  private resetSlabs(): void {
    this.slabs = [];
    this.slabLive = [];
    this.freeSlabs.length = 0;
    this.current = -1;
    this.currentPos = SLAB_BYTES;
    this.slabBytes = 0;
  }

  private decode(slot: number): FlowSummary {
    return decodeSummary(this.slabs[this.slabOf[slot]]!, this.offsets[slot], this.seqs[slot], this.times[slot], this.table);
  }

  private idOf(slot: number): string {
    return recordId(this.slabs[this.slabOf[slot]]!, this.offsets[slot]);
  }

  private find(id: string): number {
    return this.ids.find(id);
  }

  /**
   * Which flows a cursor lists: those before it in time order. A cursor without its time (a caller that
   * kept only `nextCursor`) is found by seq; if that flow is gone meanwhile, seq alone decides.
   */
  private cursorPosition(cursor: PageCursor): (slot: number) => boolean {
    const at = this.seqPoint(cursor.seq);
    const found = at < this.seqLength && this.seqs[this.bySeq[at]] === cursor.seq;
    const startedAt = cursor.startedAt ?? (at < this.seqLength ? this.times[this.bySeq[at]] : undefined);
    if ((cursor.startedAt === undefined && !found) || startedAt === undefined) return (slot) => this.seqs[slot] < cursor.seq;
    return (slot) => (this.times[slot] - startedAt || this.seqs[slot] - cursor.seq) < 0;
  }

  /** Adds slots to the time order: appended when they are all newer (captured traffic), else merged. */
  private addByTime(fresh: number[]): void {
    const sorted = fresh.every((slot, i) => i === 0 || this.compareSlots(fresh[i - 1], slot) < 0);
    const t = this.timeLength;
    if (sorted && (t === 0 || this.compareSlots(this.byTime[t - 1], fresh[0]) < 0)) {
      for (const slot of fresh) this.byTime = push(this.byTime, this.timeLength++, slot);
      return;
    }
    const all = new Int32Array(Math.max(1024, capacityFor(t + fresh.length)));
    all.set(this.byTime.subarray(0, t));
    all.set(fresh, t);
    all.subarray(0, t + fresh.length).sort((a, b) => this.compareSlots(a, b));
    this.byTime = all;
    this.timeLength = t + fresh.length;
  }

  /** compareByTime (electron/common/flow-order.ts) on the columns. */
  private compareSlots(a: number, b: number): number {
    return this.times[a] - this.times[b] || this.seqs[a] - this.seqs[b];
  }

  /** First index in time order at or after (startedAt, seq). */
  private timePoint(startedAt: number, seq: number): number {
    let lo = 0;
    let hi = this.timeLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const slot = this.byTime[mid];
      if ((this.times[slot] - startedAt || this.seqs[slot] - seq) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index in seq order whose seq is >= seq. */
  private seqPoint(seq: number): number {
    let lo = 0;
    let hi = this.seqLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[this.bySeq[mid]] < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Sets the cursor of the next (older) page from the page's last flow, when there are more (also pg/pg-query.ts). */
export function withCursor<P extends SummaryPage>(page: P, more: boolean): P {
  const last = page.flows[page.flows.length - 1];
  if (more && last) {
    page.nextCursor = last.seq;
    page.nextCursorTime = last.startedAt;
  }
  return page;
}

function capacityFor(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

function grow<T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/** The order with `slot` appended at `length` (grown when full). */
function push(order: Int32Array, length: number, slot: number): Int32Array {
  if (length === order.length) order = grow(order, new Int32Array(order.length * 2));
  order[length] = slot;
  return order;
}

/** The order with `slot` inserted at `at` (of `length` entries). */
function insertAt(order: Int32Array, length: number, at: number, slot: number): Int32Array {
  if (length === order.length) order = grow(order, new Int32Array(order.length * 2));
  order.copyWithin(at + 1, at, length);
  order[at] = slot;
  return order;
}

/** Keeps the live slots of an order in place; returns the new length. */
function keepLive(order: Int32Array, length: number, flags: Uint8Array): number {
  let k = 0;
  for (let i = 0; i < length; i++) if (flags[order[i]] & LIVE) order[k++] = order[i];
  return k;
}
