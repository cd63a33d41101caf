/**
 * The summary list's slots by flow id (summaries.ts), outside the JavaScript heap: an open-addressing table
 * of slot numbers in an Int32Array, probed linearly from a 31-bit FNV-1a hash of the id. The ids themselves
 * are not kept here (a `Map` keyed by id held 60,000 id strings and their entries on the heap): a probe that
 * meets the id's hash asks the list for the slot's id and compares.
 */

/** Table entries: no slot here yet, a slot removed (probes go on past it), else slot + 1. */
const EMPTY = 0;
const REMOVED = -1;
const MIN_CAPACITY = 1024;

export class IdIndex {
  private table = new Int32Array(MIN_CAPACITY);
  /** Each slot's hash (by slot number), so growing the table needs no id. */
  private hashes = new Int32Array(MIN_CAPACITY);
  private used = 0;
  private removed = 0;

  constructor(private readonly idOf: (slot: number) => string) {}

  /** The slot holding `id`, or -1. */
  find(id: string): number {
    const at = this.position(id, hashOf(id));
    return at < 0 ? -1 : this.table[at] - 1;
  }

  /** Indexes a slot under `id` (not already indexed). */
  add(id: string, slot: number): void {
    if ((this.used + this.removed + 1) * 2 > this.table.length) this.rehash(Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2((this.used + 1) * 4))));
    if (slot >= this.hashes.length) {
      const hashes = new Int32Array(2 ** Math.ceil(Math.log2(slot + 1)));
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    const hash = hashOf(id);
    this.hashes[slot] = hash;
    const mask = this.table.length - 1;
    let i = hash & mask;
    while (this.table[i] > 0) i = (i + 1) & mask;
    if (this.table[i] === REMOVED) this.removed--;
    this.table[i] = slot + 1;
    this.used++;
  }

  /** Removes `id`; returns its slot, or -1 when it was not indexed. */
  remove(id: string): number {
    const at = this.position(id, hashOf(id));
    if (at < 0) return -1;
    const slot = this.table[at] - 1;
    this.table[at] = REMOVED;
    this.used--;
    this.removed++;
    return slot;
  }

  clear(): void {
    this.table = new Int32Array(MIN_CAPACITY);
    this.used = 0;
    this.removed = 0;
  }

  /** Where in the table `id` is, or -1. */
  private position(id: string, hash: number): number {
    const mask = this.table.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = this.table[i];
      if (entry === EMPTY) return -1;
      if (entry > 0 && this.hashes[entry - 1] === hash && this.idOf(entry - 1) === id) return i;
    }
  }

  /** A new table of `capacity` entries with every indexed slot, the removed ones' places freed. */
  private rehash(capacity: number): void {
    const old = this.table;
    this.table = new Int32Array(capacity);
    this.removed = 0;
    const mask = capacity - 1;
    for (const entry of old) {
      if (entry <= 0) continue;
      let i = this.hashes[entry - 1] & mask;
      while (this.table[i] !== EMPTY) i = (i + 1) & mask;
      this.table[i] = entry;
    }
  }
}

/** FNV-1a over the id's UTF-16 code units, as a 31-bit integer. Exported for tests. */
export function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 1;
}
