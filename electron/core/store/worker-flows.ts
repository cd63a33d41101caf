/**
 * The stored flows as the flow store's worker holds them: a Map from flow id to a reference (StoredRef) into
 * the datafile, and the operations on them — append, read back, pin, remove, compact — with the count of
 * bodies per segment file. Its own module because both halves of the worker use it: the startup
 * (worker-startup.ts) replays the last run's journal through these same operations, and the steady state
 * (worker.ts) runs every request through them.
 *
 * Documents are flows with `_id` = flow id, one JSON line each in nedb's datafile format. No secondary index:
 * every list query is answered from the main side's in-memory summaries, and the references serve
 * get/pin/remove. They hold a small record per flow (StoredRef: where its line lies in the datafile, and its
 * body files), not the flow: 60,000 parsed flows would keep about 300 MB in this thread's heap. A `get` reads
 * the line back by offset (datafile-lines.ts), and a compaction copies the lines still in use instead of
 * serializing documents from memory.
 *
 * The references are a plain Map, not nedb's `_id` index (an AVL tree): under capture every flow is an insert
 * there and every trimmed one a delete, each a walk down and a rebalance up a 60,000-node tree, and nedb's
 * removal of a chunk of ids matched each candidate against the whole `$in` list (a million comparisons per
 * chunk of 1,000). A removal here appends nedb's own deletion lines (`{"$$deleted":true,"_id":…}`) through
 * the same handle as the writes. What is left of nedb: its executor (every operation on the datafile runs on
 * it, in arrival order), its datafile check and its load of a damaged file at startup (worker-startup.ts).
 *
 * Small bodies share segment files (segments.ts); the worker counts the stored flows' bodies per segment
 * and deletes a segment file once none is left.
 */
import fs from 'node:fs';
import type { Flow } from '../../common/flow';
import type { BodyStore } from './bodies';
import { readLine, rewriteLines } from './datafile-lines';
import type { FlowDoc } from './journal';
import { blobsOf, parseKeys, type DocKey, type WorkerStart } from './protocol';
import { SegmentRefs } from './segments';

/** What the worker holds per stored flow: where its line lies in the datafile, and its body files. */
export interface StoredRef {
  _id: string;
  at: number;
  len: number;
  /** Absent when the flow has no body file. */
  blobs?: string[];
}

/**
 * The parts of @seald-io/nedb (4.x) that nedb-promises does not wrap. The worker uses nedb's executor and its
 * datafile check directly; the nedb-promises wrapper would load the whole datafile into memory on first use,
 * so it serves only to open a damaged file (worker-startup.ts).
 */
export interface RawDatastore {
  compactDatafileAsync(): Promise<void>;
  executor: { ready: boolean; pushAsync<T>(task: () => Promise<T>): Promise<T>; processBuffer(): void };
  persistence: { modes: { fileMode: number }; persistCachedDatabaseAsync(): Promise<void> };
  filename: string;
  /** Empties nedb's own indexes (which hold every document after nedb loaded a damaged file). */
  _resetIndexes(docs?: StoredRef[]): void;
}

/** A datafile line to append, with its flow's id and body files. */
export interface Entry extends DocKey {
  line: string;
}

export function refOf(id: string, at: number, len: number, blobs: string[]): StoredRef {
  return blobs.length ? { _id: id, at, len, blobs } : { _id: id, at, len };
}

export function entryOf(doc: FlowDoc): Entry {
  return { id: doc._id, line: JSON.stringify(doc), blobs: blobsOf(doc) };
}

/** A write request's lines with their keys (the main side sends one key per line, in order: keyLine). */
export function entriesOf(lines: string[], keyText: string): Entry[] {
  const keys = parseKeys(keyText);
  if (lines.length !== keys.length) throw new Error(`a write of ${lines.length} lines came with ${keys.length} keys`);
  return lines.map((line, i) => ({ id: keys[i]!.id, line, blobs: keys[i]!.blobs }));
}

export function stripId(doc: FlowDoc): Flow {
  const { _id, ...flow } = doc;
  void _id;
  return flow as Flow;
}

/**
 * The datafile is rewritten only once as many of its bytes are dead (replaced or removed lines) as are in
 * use, and at least MIN_DEAD_BYTES: a compaction copies every line in use, so under sustained capture,
 * compacting after every trim would copy the whole datafile every few seconds; this way each compaction's
 * copying is paid for by at least as many bytes removed, and the file stays under about twice its content.
 */
const MIN_DEAD_BYTES = 16 * 1024 * 1024;

export class StoredFlows {
  /** Open for `get` between compactions (closed before one replaces the file: Windows refuses to rename an open file). */
  private readFd: number | undefined;
  /**
   * The datafile open for appending, between compactions likewise: opening and closing it around every batch's
   * append were two of its four trips through the thread pool.
   */
  private appendFile: fs.promises.FileHandle | undefined;
  /**
   * The datafile's size after this worker's last append, while nothing else has written it since: each
   * batch's append then needs no stat first (one trip through the thread pool fewer per batch). Forgotten
   * when the file is closed (a compaction replaces it) or an append fails.
   */
  private appendAt: number | undefined;
  /**
   * Body files of flows whose write has arrived but not yet reached the index: a later write or a removal of
   * the same flow must uncount these, not the older ones the index still holds.
   */
  private readonly pendingBlobs = new Map<string, string[]>();
  /** Stored bodies per segment file; counted once the startup is done (countSegments), and kept from then on. */
  private segments: SegmentRefs | undefined;

  /**
   * `store`: nedb's datastore (its executor, and its file); `refs`: the stored flows' references, by id.
   * `track`: registers work that `sync` and `close` must wait for (worker.ts).
   */
  constructor(
    readonly store: RawDatastore,
    private readonly refs: Map<string, StoredRef>,
    private readonly start: WorkerStart,
    private readonly bodies: BodyStore,
    private readonly track: <T>(work: Promise<T>) => Promise<T>,
  ) {
    // nedb's compaction (its persistCachedDatabaseAsync, run on its executor) would write the documents its own
    // index holds, which is none: compactNow copies the referenced lines instead.
    store.persistence.persistCachedDatabaseAsync = () => this.compactNow();
  }

  /** The body files a flow has as far as this worker has been told (pending writes included). */
  private currentBlobs(id: string): string[] {
    return this.pendingBlobs.get(id) ?? this.refs.get(id)?.blobs ?? [];
  }

  /**
   * Stores flows, new or replacing stored ones; the last value per id wins, so a flow started and finished
   * in one batch is one line. Each flow's line is appended to the datafile as it came (nedb's format: one
   * JSON document per line, a later line replacing an earlier one with the same _id) and the flow's reference
   * gets the line's position: nedb's own insert and update would copy, check and serialize each document
   * again, most of this worker's time per captured flow, and keep it in memory. Runs on nedb's executor, so
   * it stays in order with removals and compactions.
   */
  async persistDocs(docs: Entry[]): Promise<void> {
    if (docs.length === 0) return;
    const latest = new Map<string, Entry>();
    for (const d of docs) latest.set(d.id, d);
    const entries = [...latest.values()];
    // Counted now, in arrival order, before anything is awaited (segments.ts says why order matters).
    for (const e of entries) {
      this.segments?.drop(this.currentBlobs(e.id));
      this.segments?.add(e.blobs);
      this.pendingBlobs.set(e.id, e.blobs);
    }
    void this.sweepSegments();
    try {
      await this.store.executor.pushAsync(() => this.appendNow(entries));
    } finally {
      for (const e of entries) if (this.pendingBlobs.get(e.id) === e.blobs) this.pendingBlobs.delete(e.id);
    }
  }

  /** Appends the entries' lines in one write and points the references at them. Only on nedb's executor. */
  private async appendNow(entries: Entry[]): Promise<void> {
    let at = await this.appendText(entries.map((e) => e.line).join('\n') + '\n');
    for (const e of entries) {
      const len = Buffer.byteLength(e.line, 'utf8');
      this.refs.set(e.id, refOf(e.id, at, len, e.blobs));
      at += len + 1;
    }
  }

  /** Appends whole lines to the datafile; returns the offset they start at. Only on nedb's executor. */
  private async appendText(lines: string): Promise<number> {
    const text = Buffer.from(lines, 'utf8');
    const file = (this.appendFile ??= await fs.promises.open(this.store.filename, 'a', this.store.persistence.modes.fileMode));
    // Nothing else writes the file while this task runs, so its size now is where the append lands.
    const at = this.appendAt ?? (await file.stat()).size;
    this.appendAt = undefined;
    await file.writeFile(text);
    this.appendAt = at + text.length;
    return at;
  }

  /** A stored flow read back from the datafile. Only on nedb's executor (a compaction moves lines). */
  readDoc(id: string): FlowDoc | null {
    const ref = this.refs.get(id);
    if (!ref) return null;
    this.readFd ??= fs.openSync(this.store.filename, 'r');
    return JSON.parse(readLine(this.readFd, ref)) as FlowDoc;
  }

  /** Closes the datafile's handles (before a compaction replaces the file, and at the end). */
  async closeDatafile(): Promise<void> {
    if (this.readFd !== undefined) fs.closeSync(this.readFd);
    this.readFd = undefined;
    const file = this.appendFile;
    this.appendFile = undefined;
    this.appendAt = undefined;
    await file?.close();
  }

  /** Copies the lines still in use into a new datafile and moves the references to where they now lie. */
  private async compactNow(): Promise<void> {
    const refs = [...this.refs.values()];
    await this.closeDatafile();
    const newAt = rewriteLines(this.store.filename, refs, this.store.persistence.modes.fileMode);
    refs.forEach((ref, i) => (ref.at = newAt[i]!));
  }

  async remove(flowIds: string[], compact: boolean): Promise<number> {
    let removed = 0;
    for (let i = 0; i < flowIds.length; i += this.start.removeChunk) {
      const chunk = flowIds.slice(i, i + this.start.removeChunk);
      const blobs: string[] = [];
      for (const id of chunk) blobs.push(...this.currentBlobs(id));
      removed += await this.store.executor.pushAsync(() => this.removeNow(chunk));
      this.segments?.drop(blobs);
      await Promise.all([this.bodies.remove(blobs), this.sweepSegments()]);
    }
    if (compact) await this.store.compactDatafileAsync();
    else await this.compactIfWorthIt();
    return removed;
  }

  /**
   * Forgets the stored flows among `ids` and appends a deletion line for each, as nedb's removal does (so a
   * restart's scan, and nedb's own load of a damaged file, read the same file); returns how many were stored.
   * Only on nedb's executor.
   */
  private async removeNow(ids: string[]): Promise<number> {
    let lines = '';
    let removed = 0;
    for (const id of ids) {
      if (!this.refs.delete(id)) continue;
      lines += JSON.stringify({ $$deleted: true, _id: id }) + '\n';
      removed++;
    }
    if (removed > 0) await this.appendText(lines);
    return removed;
  }

  private async compactIfWorthIt(): Promise<void> {
    await this.store.executor.pushAsync(async () => {
      let live = 0;
      for (const ref of this.refs.values()) live += ref.len + 1;
      let size: number;
      try {
        size = fs.statSync(this.store.filename).size;
      } catch {
        return;
      }
      const dead = size - live;
      if (dead > 0 && dead >= (this.start.compactDeadBytes ?? Math.max(MIN_DEAD_BYTES, live))) await this.compactNow();
    });
  }

  /** Flows referenced here: the stored ones, and trimmed ones whose removal has not reached here yet. */
  indexSize(): number {
    return this.refs.size;
  }

  /** Deletes segment files no stored flow refers to any more. */
  private sweepSegments(): Promise<void> {
    const unused = this.segments?.takeUnused() ?? [];
    return unused.length ? this.track(this.bodies.removeSegments(unused)) : Promise.resolve();
  }

  /**
   * Counts the stored bodies per segment file (after the load, before any new write is applied). `keepOld`:
   * the datafile was moved aside or partly unreadable, so segments of earlier runs may hold bodies of flows
   * the user can still recover; they are never deleted.
   */
  countSegments(keepOld: boolean): void {
    const refs = new SegmentRefs(this.start.firstSegment);
    for (const n of this.bodies.segments()) refs.known(n, keepOld && n < this.start.firstSegment);
    for (const ref of this.refs.values()) refs.add(ref.blobs ?? []);
    // Set only when complete: a partial count could delete a segment still in use.
    this.segments = refs;
    void this.sweepSegments();
  }

  /** Sets or clears `pinned` on stored flows (a new line each); returns how many were found. */
  async pin(flowIds: string[], pinned: boolean): Promise<number> {
    return this.store.executor.pushAsync(async () => {
      const entries: Entry[] = [];
      for (const id of new Set(flowIds)) {
        const doc = this.readDoc(id);
        if (!doc) continue;
        if (pinned) doc.pinned = true;
        else delete doc.pinned;
        entries.push({ id, line: JSON.stringify(doc), blobs: blobsOf(doc) });
      }
      if (entries.length) await this.appendNow(entries);
      return entries.length;
    });
  }
}
