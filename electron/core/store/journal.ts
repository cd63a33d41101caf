/**
 * The store's write-ahead journal (`flows.db.journal`, beside the datafile).
 *
 * nedb appends each write to its datafile promptly, except while it is busy: its load at startup and the
 * compaction after each trim hold every write back for seconds with 60,000 flows, and the compaction's
 * serialization even blocks the worker's thread. So the main side appends every change here first, with
 * asynchronous writes that depend on neither nedb nor the worker, and empties the file whenever the worker has
 * applied everything journaled so far. A restart replays what is left on top of the datafile, so a kill -9
 * loses no change the main side had handed on (every 50 ms).
 *
 * Captured flows are journaled only when the worker is slow to apply them (appendUnlessApplied): while it
 * keeps up, it appends each batch to the datafile within milliseconds, and writing the same text to the
 * journal as well was a second write of every flow, paid for on the proxy's thread. A batch the worker has
 * not applied within a quarter of a second is written here as before, so a change waiting behind a load or a
 * compaction is still on disk well within a second.
 *
 * Records, one JSON object per line:
 * - a flow document (`_id` = flow id): insert or replace;
 * - `{ "$$deleted": true, "_id": id }`: remove, with the flow's body files (nedb's own deletion marker);
 * - `{ "$$pin": [ids], "pinned": bool }`: pin or unpin.
 */
import fs from 'node:fs';
import type { Flow } from '../../common/flow';
import { PRIVATE_FILE_MODE } from '../private-files';

/**
 * The journal is emptied only once it holds this much: emptying it after every batch the worker applied
 * cost a truncation (and the file system's block freeing and reallocation) every 50 ms under load. Keeping
 * applied records is harmless: the journal holds every change since it was last emptied, in order, so
 * replaying records already applied ends in the same state.
 */
const TRUNCATE_AT_CHARS = 8 * 1024 * 1024;
/**
 * ...or once this long has passed since it was last emptied: a journal holding anything makes every batch
 * after it be written too (appendUnlessApplied), so after a slow spell it is emptied again soon, not only
 * once TRUNCATE_AT_CHARS more has come.
 */
const TRUNCATE_AFTER_MS = 1_000;

export type FlowDoc = Flow & { _id: string };

/** Lines without their newlines as journal text (every line ended). */
function joinLines(lines: string[]): string {
  return lines.join('\n') + '\n';
}

export type JournalRecord = FlowDoc | { $$deleted: true; _id: string } | { $$pin: string[]; pinned: boolean };

export function isDeletion(r: JournalRecord): r is { $$deleted: true; _id: string } {
  return (r as { $$deleted?: unknown }).$$deleted === true;
}

export function isPin(r: JournalRecord): r is { $$pin: string[]; pinned: boolean } {
  return Array.isArray((r as { $$pin?: unknown }).$$pin);
}

export function journalFile(flowsDb: string): string {
  return `${flowsDb}.journal`;
}

export function toLines(records: JournalRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export function fromLines(text: string): { records: JournalRecord[]; unreadable: number } {
  const records: JournalRecord[] = [];
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      unreadable++;
    }
  }
  return { records, unreadable };
}

/** What the last run left in the journal (its torn last line already cut off). */
export function readJournal(file: string): { records: JournalRecord[]; unreadable: number } {
  try {
    return fromLines(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], unreadable: 0 };
    throw err;
  }
}

/**
 * The main side's writer. Appends and truncations run one after another on a promise chain (libuv's thread
 * pool does the I/O; the caller's thread never waits). A journal that cannot be written (full disk) reports
 * once and then stands aside: the worker's nedb appends go on.
 */
/** A batch held back by appendUnlessApplied: written only if not applied by `due`. */
interface Deferred {
  /** Whole JSON lines without their newlines. */
  lines: string[];
  chars: number;
  due: number;
  applied: boolean;
  /** Handed to the file (the deadline passed, or a change after it had to be journaled). */
  written: boolean;
}

export class JournalWriter {
  private chain: Promise<void> = Promise.resolve();
  /** Batches held back, oldest first. */
  private deferred: Deferred[] = [];
  private deferTimer: NodeJS.Timeout | undefined;
  private fd: Promise<fs.promises.FileHandle> | undefined;
  /** Journaled changes the worker has not applied yet. */
  private outstanding = 0;
  private failed = false;
  private closed = false;
  /** Characters appended but not yet written: the store counts them in its backlog (index.ts, admit). */
  queuedChars = 0;
  /** Characters appended since the file was last emptied; unknown (so: emptied at the first chance) at start. */
  private sinceEmptied = Number.POSITIVE_INFINITY;
  /** Characters handed to write() ever: what came while a truncation ran is told from what it removed. */
  private appended = 0;
  private emptiedAt = 0;

  constructor(
    readonly file: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** Queues the text (whole JSON lines) for appending; returns the function to call once the worker applied it. */
  append(lines: string): () => void {
    if (this.failed || this.closed) return () => {};
    // Journaled in order: what was held back before this goes first.
    this.writeDeferred();
    this.queuedChars += lines.length;
    this.write(lines);
    return this.hold();
  }

  /**
   * Holds flow lines (whole JSON lines without their newlines, one string each: the same strings the worker is
   * sent, joined into one text only if they are written) back for up to `withinMs`: if the returned function is
   * called by then (the worker applied them), they are never written; else they are appended as `append`
   * does. Only while the file is empty: a record already in the file would be replayed over the newer state
   * the worker applied, had the newer record not been journaled after it. Counted in `queuedChars` meanwhile.
   */
  appendUnlessApplied(lines: string[], withinMs: number): () => void {
    if (this.failed || this.closed) return () => {};
    let chars = 0;
    for (const line of lines) chars += line.length + 1;
    if (this.sinceEmptied !== 0) {
      this.writeDeferred();
      this.queuedChars += chars;
      this.write(joinLines(lines));
      return this.hold();
    }
    const entry: Deferred = { lines, chars, due: Date.now() + withinMs, applied: false, written: false };
    this.deferred.push(entry);
    this.queuedChars += chars;
    this.deferTimer ??= setTimeout(() => this.writeDeferred(), withinMs);
    const release = this.hold();
    return () => {
      if (entry.applied) return;
      entry.applied = true;
      if (!entry.written) this.dropApplied();
      release();
    };
  }

  /**
   * Lets go of held-back batches the worker applied, from the oldest on: one applied after an older one that
   * is not stays, so the journal never holds an older record without the newer ones after it.
   */
  private dropApplied(): void {
    let n = 0;
    while (n < this.deferred.length && this.deferred[n].applied) this.queuedChars -= this.deferred[n++].chars;
    if (n === 0) return;
    this.deferred.splice(0, n);
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = undefined;
    const next = this.deferred[0];
    if (next) this.deferTimer = setTimeout(() => this.writeDeferred(), Math.max(0, next.due - Date.now()));
  }

  /** Appends every held-back batch, in order (their deadline passed, or a change after them is journaled). */
  private writeDeferred(): void {
    if (this.deferTimer) clearTimeout(this.deferTimer);
    this.deferTimer = undefined;
    if (this.deferred.length === 0) return;
    for (const entry of this.deferred.splice(0)) {
      entry.written = true;
      this.write(joinLines(entry.lines));
    }
  }

  /** Appends text already counted in queuedChars. */
  private write(lines: string): void {
    this.sinceEmptied += lines.length;
    this.appended += lines.length;
    this.enqueue(async () => {
      try {
        this.fd ??= fs.promises.open(this.file, 'a', PRIVATE_FILE_MODE);
        await (await this.fd).write(lines);
      } finally {
        this.queuedChars -= lines.length;
      }
    });
  }

  /**
   * Keeps the journal's lines until the returned function is called: for each change until the worker applied
   * it, and at startup until the worker replayed what the last run left.
   */
  hold(): () => void {
    this.outstanding++;
    let applied = false;
    return () => {
      if (applied) return;
      applied = true;
      if (--this.outstanding === 0) this.enqueue(() => this.truncateIfApplied());
    };
  }

  /** Resolves when everything queued so far is written (held-back batches not applied yet included). */
  async flush(): Promise<void> {
    this.writeDeferred();
    await this.chain;
  }

  /** Writes what is queued and closes the file; changes after this are not journaled. */
  async close(): Promise<void> {
    this.writeDeferred();
    // Emptied whatever its size when everything in it was applied: the next start need not replay it.
    this.enqueue(() => this.truncateIfApplied(true));
    await this.chain;
    this.closed = true;
    const fd = this.fd;
    this.fd = undefined;
    // A file that never opened (the failure was reported) has nothing to close.
    if (fd) await fd.then((handle) => handle.close()).catch(() => {});
  }

  private async truncateIfApplied(whateverSize = false): Promise<void> {
    // Checked when it runs, not when it was queued: a change journaled meanwhile keeps the lines.
    const due = whateverSize || this.sinceEmptied >= TRUNCATE_AT_CHARS || Date.now() - this.emptiedAt >= TRUNCATE_AFTER_MS;
    if (this.outstanding > 0 || this.closed || !due) return;
    if (this.sinceEmptied === 0) return;
    this.fd ??= fs.promises.open(this.file, 'a', PRIVATE_FILE_MODE);
    const before = this.appended;
    await (await this.fd).truncate(0);
    // Lines journaled while the truncation ran are written after it (the chain keeps the order): the file is
    // not empty then, and must not be taken for empty — a newer batch held back on that belief and never
    // written would leave an older record of its flow in the file, replayed over the newer state at the next start.
    this.sinceEmptied = this.appended - before;
    this.emptiedAt = Date.now();
  }

  private enqueue(op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch((err: Error) => {
      if (this.failed) return;
      this.failed = true;
      this.onError(`The flow journal ${this.file} cannot be written (${err.message}); flows captured while the store is busy may be lost in a crash.`);
    });
  }
}
