/**
 * The flow store's worker thread: owns the nedb datastore so that loading 60,000 documents, removing 10,000
 * and compacting the datafile (each a second or more of work) never run on the proxy's thread.
 *
 * Requests are handed to nedb in arrival order; nedb's executor runs them one at a time, so a write sent
 * before a removal lands before it. Multi-step work (a trim in chunks) submits its next chunk only when the
 * previous one finished, so writes that arrive meanwhile are appended between chunks instead of waiting for
 * the whole trim.
 *
 * The main side journals every change before sending it (journal.ts); at startup this worker replays what
 * the last run left there, so changes that waited behind nedb's load or a compaction survive a kill -9.
 *
 * Small bodies share segment files (segments.ts); this worker counts the stored flows' bodies per segment
 * and deletes a segment file once none is left.
 *
 * Documents are flows with `_id` = flow id, one JSON line each in nedb's datafile format. No secondary index:
 * every list query is answered from the main side's in-memory summaries, and nedb's own `_id` index serves
 * get/pin/remove. That index holds a small reference per flow (StoredRef: where its line lies in the
 * datafile, and its body files), not the flow: 60,000 parsed flows would keep about 300 MB in this thread's
 * heap. A `get` reads the line back by offset (datafile-lines.ts), and a compaction copies the lines still in
 * use instead of serializing documents from memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import Datastore from 'nedb-promises';
import { toSummary, type Flow, type FlowSummary } from '../../common/flow';
import { BodyStore } from './bodies';
import { keepCopy, moveAside, repairTornTail } from './datafile';
import { readLine, rewriteLines, scanLines, type LineRange } from './datafile-lines';
import { isDeletion, isPin, journalFile, readJournal, type FlowDoc, type JournalRecord } from './journal';
import { blobsOf, type DocKey, type WorkerReply, type WorkerRequest, type WorkerStart } from './protocol';
import { SegmentRefs } from './segments';
import { NEDB_PRIVATE_MODES, mkdirPrivate } from '../private-files';
import { keptBodies, type KeptBodies } from './kept-bodies';

/** What nedb's `_id` index holds per stored flow: where its line lies in the datafile, and its body files. */
interface StoredRef {
  _id: string;
  at: number;
  len: number;
  /** Absent when the flow has no body file. */
  blobs?: string[];
}

/**
 * The parts of @seald-io/nedb (4.x) that nedb-promises does not wrap. The worker uses nedb's executor, its
 * `_id` index, its removal and its datafile check directly; the nedb-promises wrapper would load the whole
 * datafile into memory on first use, so it serves only to open a damaged file (`open`).
 */
interface RawDatastore {
  getAllData(): StoredRef[];
  compactDatafileAsync(): Promise<void>;
  removeAsync(query: object, options: { multi: boolean }): Promise<number>;
  indexes: { _id: { getMatching(value: string): StoredRef[] } };
  executor: { ready: boolean; pushAsync<T>(task: () => Promise<T>): Promise<T>; processBuffer(): void };
  persistence: { modes: { fileMode: number }; persistCachedDatabaseAsync(): Promise<void> };
  filename: string;
  _addToIndexes(doc: StoredRef): void;
  _updateIndexes(oldDoc: StoredRef, newDoc: StoredRef): void;
  _resetIndexes(docs?: StoredRef[]): void;
}

/**
 * nedb's file helpers (lib/storage.js), for the same startup check of the datafile that nedb's own load makes.
 * @seald-io/nedb is a dependency of its own, pinned, because the worker relies on these internals.
 */
const nedbStorage = require('@seald-io/nedb/lib/storage') as {
  ensureDatafileIntegrityAsync(filename: string, mode: number): Promise<void>;
};

/** nedb's own threshold: above this share of unreadable lines it refuses the datafile. */
const NEDB_CORRUPT_THRESHOLD = 0.1;

const start = workerData as WorkerStart;
const port = parentPort!;
const bodies = new BodyStore({ dir: start.bodiesDir });
let store: RawDatastore;
/** Open for `get` between compactions (closed before one replaces the file: Windows refuses to rename an open file). */
let readFd: number | undefined;
/**
 * The datafile open for appending, between compactions likewise: opening and closing it around every batch's
 * append were two of its four trips through the thread pool.
 */
let appendFile: fs.promises.FileHandle | undefined;
let loaded = false;
/**
 * Body files of flows whose write has arrived but not yet reached the index: a later write or a removal of
 * the same flow must uncount these, not the older ones the index still holds.
 */
const pendingBlobs = new Map<string, string[]>();
/** Stored bodies per segment file; counted once nedb has loaded, and kept from then on. */
let segments: SegmentRefs | undefined;
/** Requests that arrived before nedb finished loading (already journaled by the main side). */
const early: WorkerRequest[] = [];
/** Work that `sync` and `close` must wait for. */
const inFlight = new Set<Promise<unknown>>();

function send(reply: WorkerReply): void {
  port.postMessage(reply);
}

function raw(db: Datastore<FlowDoc>): RawDatastore {
  return (db as unknown as { __original: RawDatastore }).__original;
}

function stripId(doc: FlowDoc): Flow {
  const { _id, ...flow } = doc;
  void _id;
  return flow as Flow;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function createDatastore(file: string, corruptAlertThreshold: number): Datastore<FlowDoc> {
  // `modes` reaches @seald-io/nedb (nedb-promises passes options through; its typings leave it out).
  const options = { filename: file, autoload: false, corruptAlertThreshold, modes: NEDB_PRIVATE_MODES };
  return Datastore.create(options) as Datastore<FlowDoc>;
}

async function loadDatastore(file: string, corruptAlertThreshold: number): Promise<RawDatastore> {
  const db = createDatastore(file, corruptAlertThreshold);
  await db.load();
  return raw(db);
}

interface CorruptError extends Error {
  corruptionRate: number;
  corruptItems: number;
  dataLength: number;
}

function isCorruptError(err: unknown): err is CorruptError {
  return err instanceof Error && typeof (err as Partial<CorruptError>).corruptionRate === 'number';
}

/**
 * Has nedb load a datafile with unreadable lines and rewrite it without them; never silently: damage nedb
 * would tolerate is loaded after keeping a copy of the file as it was; damage nedb refuses moves the file
 * aside and starts a fresh store. (nedb loads with a threshold of 0 first, so it reports any damage.)
 */
async function openDamaged(warnings: string[]): Promise<void> {
  try {
    store = await loadDatastore(start.flowsDb, 0);
    // Our own scan found a line it could not parse, which nedb tolerates only as a blank one.
  } catch (err) {
    if (!isCorruptError(err)) throw err;
    if (err.corruptionRate <= NEDB_CORRUPT_THRESHOLD) {
      const copy = keepCopy(start.flowsDb);
      store = await loadDatastore(start.flowsDb, NEDB_CORRUPT_THRESHOLD);
      warnings.push(
        `${err.corruptItems} of ${err.dataLength} records in the flow datafile could not be read and were skipped. The file as it was is kept at ${copy}.`,
      );
      return;
    }
    const aside = moveAside(start.flowsDb);
    store = await loadDatastore(start.flowsDb, NEDB_CORRUPT_THRESHOLD);
    warnings.push(
      `The flow datafile could not be read (${Math.round(err.corruptionRate * 100)}% of its records are corrupt). ` +
        `It was moved to ${aside} and a new, empty flow store was started. Nothing was deleted.`,
    );
  }
}

/**
 * An empty or missing datafile beside bodies that flows pointed to is damage, not an empty store: the bodies
 * are kept (countSegments keeps every older segment), the empty file is moved aside, and a fresh datafile
 * starts beside them, as for a datafile nedb refuses.
 */
function emptyDatafileWarning(kept: KeptBodies): string {
  const aside = fs.existsSync(start.flowsDb) ? moveAside(start.flowsDb) : undefined;
  const what = [kept.segments ? `${kept.segments} body segment${kept.segments === 1 ? '' : 's'}` : '', kept.files ? `${kept.files} body file${kept.files === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
  return (
    `The flow datafile ${start.flowsDb} is ${aside ? 'empty' : 'missing'} although ${what} of stored flows exist (a full disk or a crash during a rewrite can do this). ` +
    `Nothing was deleted: the bodies are kept in ${start.bodiesDir}${aside ? `, the empty file was moved to ${aside}` : ''}, and a new flow datafile was started.`
  );
}

const UNFINISHED_ERROR: Flow['error'] = { phase: 'store', message: 'Hindsight stopped before this flow finished' };

/**
 * A flow that was live when Hindsight stopped will never finish: it is shown and stored as failed, so the
 * list does not show it in progress forever.
 */
function settle<T extends Flow>(flow: T): T {
  if (!isUnfinished(flow)) return flow;
  return { ...flow, state: 'failed', error: flow.error ?? { ...UNFINISHED_ERROR! } };
}

function isUnfinished(flow: Flow): boolean {
  return flow.state === 'live' || flow.state === 'intercepted';
}

function refOf(id: string, at: number, len: number, blobs: string[]): StoredRef {
  return blobs.length ? { _id: id, at, len, blobs } : { _id: id, at, len };
}

/** What one pass over the datafile found: the stored flows' references and summaries. */
interface Scan {
  refs: Map<string, StoredRef>;
  summaries: Map<string, FlowSummary>;
  /** Flows stored while live or intercepted. */
  unfinished: Set<string>;
  /** Lines read; more than `refs.size` means the file holds replaced or removed records (worth compacting). */
  lines: number;
}

/**
 * One record on top of what was read so far, with nedb's semantics (a later record replaces an earlier one
 * with the same _id; `$$deleted` removes it). A datafile line comes with its range and updates the
 * references; a journal record changes only the summaries (the replay indexes it once it is appended).
 */
function applyRecord(scan: Scan, record: JournalRecord, range?: LineRange): void {
  if (isPin(record)) {
    for (const id of record.$$pin) {
      const s = scan.summaries.get(id);
      if (s) scan.summaries.set(id, { ...s, pinned: record.pinned });
    }
    return;
  }
  if (typeof record._id !== 'string') return; // nedb's index bookkeeping lines
  const id = record._id;
  scan.unfinished.delete(id);
  if (isDeletion(record)) {
    if (range) scan.refs.delete(id);
    scan.summaries.delete(id);
    return;
  }
  if (range) scan.refs.set(id, refOf(id, range.at, range.len, blobsOf(record)));
  scan.summaries.set(id, toSummary(settle(record)));
  if (isUnfinished(record)) scan.unfinished.add(id);
}

/**
 * Reads the datafile the way nedb does, keeping each flow's line position and summary, not the flow.
 * Returns undefined when a line does not parse: then nedb decides what the damage means (openDamaged).
 */
function scanDatafile(file: string): Scan | undefined {
  const scan: Scan = { refs: new Map(), summaries: new Map(), unfinished: new Set(), lines: 0 };
  const whole = scanLines(file, (line, range) => {
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      return false;
    }
    scan.lines++;
    applyRecord(scan, record, range);
  });
  return whole ? scan : undefined;
}

/** Resolves the wait for the main side's acknowledgement of the last `loaded` chunk. */
let chunkTaken: (() => void) | undefined;

/**
 * Sends summaries one chunk at a time, each after the main side took the previous one: messages queued on
 * a port are all delivered in one turn of the receiving event loop, which for 60,000 summaries would stall
 * the proxy's thread for hundreds of milliseconds.
 */
async function sendSummaries(summaries: FlowSummary[], warnings: string[]): Promise<void> {
  let maxSeq = 0;
  for (let i = 0; i < summaries.length; i += start.loadChunk) {
    const chunk = summaries.slice(i, i + start.loadChunk);
    for (const s of chunk) if (s.seq > maxSeq) maxSeq = s.seq;
    const taken = new Promise<void>((resolve) => (chunkTaken = resolve));
    send({ type: 'loaded', summaries: chunk });
    await taken;
  }
  send({ type: 'ready', maxSeq, warnings });
}

/** Persists the settled state of flows that were unfinished when Hindsight stopped. */
async function persistSettled(ids: Iterable<string>): Promise<void> {
  const docs: Entry[] = [];
  for (const id of ids) {
    const doc = await store.executor.pushAsync(async () => readDoc(id));
    if (doc && isUnfinished(doc)) docs.push(entryOf(settle(doc)));
  }
  await persistDocs(docs);
}

/** Applies the journal left by the last run, in order (consecutive records of a kind together). */
async function replay(records: JournalRecord[]): Promise<void> {
  let docs: Entry[] = [];
  let deleted: string[] = [];
  const flush = async () => {
    await persistDocs(docs);
    // With their body files: a trim cut short by a crash finishes here.
    if (deleted.length) await remove(deleted, false);
    docs = [];
    deleted = [];
  };
  for (const record of records) {
    if (isPin(record)) {
      await flush();
      await pin(record.$$pin, record.pinned);
    } else if (isDeletion(record)) {
      if (docs.length) await flush();
      deleted.push(record._id);
    } else {
      if (deleted.length) await flush();
      docs.push(entryOf(record));
    }
  }
  await flush();
}

/**
 * Queryable first: one pass over the datafile gives the list its summaries and nedb's index its references.
 * nedb's own load (every document parsed and held, the file rewritten) runs only for a datafile with
 * unreadable lines. Requests that arrive meanwhile are journaled by the main side and wait in `early`.
 */
async function load(): Promise<void> {
  const warnings: string[] = [];
  /** The datafile had unreadable records (kept as a copy or moved aside). */
  let damaged = false;
  const journal = journalFile(start.flowsDb);
  let scan: Scan | undefined;
  try {
    for (const [file, what] of [
      [start.flowsDb, 'flow datafile'],
      [journal, 'flow journal'],
    ]) {
      const torn = repairTornTail(file, what);
      if (torn) warnings.push(torn);
    }
    // The main side empties the journal only after this worker acknowledged everything it journaled, which
    // happens after the replay below: these records stay until they are applied.
    const left = readJournal(journal);
    if (left.unreadable) warnings.push(`${left.unreadable} unreadable records in the flow journal ${journal} were skipped.`);
    store = raw(createDatastore(start.flowsDb, 0));
    // As nedb's load does: a crash during a compaction may have left only `<file>~`.
    mkdirPrivate(path.dirname(start.flowsDb));
    await nedbStorage.ensureDatafileIntegrityAsync(store.filename, store.persistence.modes.fileMode);
    scan = scanDatafile(start.flowsDb);
    if (!scan) {
      damaged = true;
      await openDamaged(warnings);
      scan = scanDatafile(start.flowsDb);
      if (!scan) throw new Error('it is still unreadable after nedb rewrote it');
    }
    for (const record of left.records) applyRecord(scan, record);
    if (!damaged && scan.refs.size === 0 && scan.summaries.size === 0) {
      const kept = keptBodies(start.bodiesDir, bodies.segments(), (n) => bodies.segmentPath(n), start.firstSegment);
      if (kept.segments + kept.files > 0) {
        damaged = true;
        warnings.push(emptyDatafileWarning(kept));
      }
    }
    await sendSummaries([...scan.summaries.values()].sort((a, b) => a.seq - b.seq), warnings);
    scan.summaries.clear();
    // References only from here on: nedb's full documents (after openDamaged) are let go.
    store._resetIndexes([...scan.refs.values()]);
    store.persistence.persistCachedDatabaseAsync = compactNow;
    if (!store.executor.ready) store.executor.processBuffer();
    await replay(left.records);
    await persistSettled(scan.unfinished);
    if (scan.lines > scan.refs.size) await store.compactDatafileAsync();
  } catch (err) {
    send({ type: 'open-failed', message: `The flow datafile ${start.flowsDb} could not be opened: ${message(err)}` });
    port.close();
    return;
  }
  try {
    countSegments(damaged);
  } catch (err) {
    // Without counts no segment is ever deleted: disk space only, never a body lost.
    send({ type: 'warning', message: `Body segments could not be counted (${message(err)}); unused ones stay on disk until the next start.` });
  }
  loaded = true;
  for (const request of early.splice(0)) handle(request);
}

/** A datafile line to append, with its flow's id and body files. */
interface Entry extends DocKey {
  line: string;
}

function entryOf(doc: FlowDoc): Entry {
  return { id: doc._id, line: JSON.stringify(doc), blobs: blobsOf(doc) };
}

/** A write request's lines with their keys (the main side sends one key per line, in order). */
function entriesOf(chunks: string[], keys: DocKey[]): Entry[] {
  const lines: string[] = [];
  for (const chunk of chunks) {
    const split = chunk.split('\n');
    if (split[split.length - 1] === '') split.pop();
    for (const line of split) lines.push(line);
  }
  if (lines.length !== keys.length) throw new Error(`a write of ${lines.length} lines came with ${keys.length} keys`);
  return lines.map((line, i) => ({ id: keys[i]!.id, line, blobs: keys[i]!.blobs }));
}

/** The body files a flow has as far as this worker has been told (pending writes included). */
function currentBlobs(id: string): string[] {
  return pendingBlobs.get(id) ?? store.indexes._id.getMatching(id)[0]?.blobs ?? [];
}

/**
 * Stores flows, new or replacing stored ones; the last value per id wins, so a flow started and finished
 * in one batch is one line. Each flow's line is appended to the datafile as it came (nedb's format: one
 * JSON document per line, a later line replacing an earlier one with the same _id) and nedb's `_id` index
 * gets the line's position: nedb's own insert and update would copy, check and serialize each document
 * again, most of this worker's time per captured flow, and keep it in memory. Runs on nedb's executor, so
 * it stays in order with nedb's removals and compactions.
 */
async function persistDocs(docs: Entry[]): Promise<void> {
  if (docs.length === 0) return;
  const latest = new Map<string, Entry>();
  for (const d of docs) latest.set(d.id, d);
  const entries = [...latest.values()];
  // Counted now, in arrival order, before anything is awaited (segments.ts says why order matters).
  for (const e of entries) {
    segments?.drop(currentBlobs(e.id));
    segments?.add(e.blobs);
    pendingBlobs.set(e.id, e.blobs);
  }
  void sweepSegments();
  try {
    await store.executor.pushAsync(() => appendNow(entries));
  } finally {
    for (const e of entries) if (pendingBlobs.get(e.id) === e.blobs) pendingBlobs.delete(e.id);
  }
}

/** Appends the entries' lines in one write and points the index at them. Only on nedb's executor. */
async function appendNow(entries: Entry[]): Promise<void> {
  const text = Buffer.from(entries.map((e) => e.line).join('\n') + '\n', 'utf8');
  const file = (appendFile ??= await fs.promises.open(store.filename, 'a', store.persistence.modes.fileMode));
  // Nothing else writes the file while this task runs, so its size now is where the append lands (nedb's own
  // appends, of removals, go through their own handle: the size is asked each time).
  let at = (await file.stat()).size;
  await file.writeFile(text);
  for (const e of entries) {
    const len = Buffer.byteLength(e.line, 'utf8');
    const ref = refOf(e.id, at, len, e.blobs);
    const old = store.indexes._id.getMatching(e.id)[0];
    if (old) store._updateIndexes(old, ref);
    else store._addToIndexes(ref);
    at += len + 1;
  }
}

/** A stored flow read back from the datafile. Only on nedb's executor (a compaction moves lines). */
function readDoc(id: string): FlowDoc | null {
  const ref = store.indexes._id.getMatching(id)[0];
  if (!ref) return null;
  readFd ??= fs.openSync(store.filename, 'r');
  return JSON.parse(readLine(readFd, ref)) as FlowDoc;
}

/** Closes the datafile's handles (before a compaction replaces the file, and at the end). */
async function closeDatafile(): Promise<void> {
  if (readFd !== undefined) fs.closeSync(readFd);
  readFd = undefined;
  const file = appendFile;
  appendFile = undefined;
  await file?.close();
}

/**
 * nedb's compaction (its persistCachedDatabaseAsync, run on its executor after a trim) serializes every
 * document it holds; this worker's index holds references, so it copies their lines into the new file
 * instead (rewriteLines) and moves the references to where the lines now lie.
 */
async function compactNow(): Promise<void> {
  const refs = store.getAllData();
  await closeDatafile();
  const newAt = rewriteLines(store.filename, refs, store.persistence.modes.fileMode);
  refs.forEach((ref, i) => (ref.at = newAt[i]!));
}

async function remove(flowIds: string[], compact: boolean): Promise<number> {
  let removed = 0;
  for (let i = 0; i < flowIds.length; i += start.removeChunk) {
    const chunk = flowIds.slice(i, i + start.removeChunk);
    const blobs: string[] = [];
    for (const id of chunk) blobs.push(...currentBlobs(id));
    removed += await store.removeAsync({ _id: { $in: chunk } }, { multi: true });
    segments?.drop(blobs);
    await Promise.all([bodies.remove(blobs), sweepSegments()]);
  }
  if (compact) await store.compactDatafileAsync();
  else await compactIfWorthIt();
  return removed;
}

/**
 * The datafile is rewritten only once as many of its bytes are dead (replaced or removed lines) as are in
 * use, and at least MIN_DEAD_BYTES: a compaction copies every line in use, so under sustained capture,
 * compacting after every trim would copy the whole datafile every few seconds; this way each compaction's
 * copying is paid for by at least as many bytes removed, and the file stays under about twice its content.
 */
const MIN_DEAD_BYTES = 16 * 1024 * 1024;

async function compactIfWorthIt(): Promise<void> {
  await store.executor.pushAsync(async () => {
    let live = 0;
    for (const ref of store.getAllData()) live += ref.len + 1;
    let size: number;
    try {
      size = fs.statSync(store.filename).size;
    } catch {
      return;
    }
    const dead = size - live;
    if (dead > 0 && dead >= (start.compactDeadBytes ?? Math.max(MIN_DEAD_BYTES, live))) await compactNow();
  });
}

/** Deletes segment files no stored flow refers to any more. */
function sweepSegments(): Promise<void> {
  const unused = segments?.takeUnused() ?? [];
  return unused.length ? track(bodies.removeSegments(unused)) : Promise.resolve();
}

/**
 * Counts the stored bodies per segment file (after the load, before any new write is applied). `keepOld`:
 * the datafile was moved aside or partly unreadable, so segments of earlier runs may hold bodies of flows
 * the user can still recover; they are never deleted.
 */
function countSegments(keepOld: boolean): void {
  const refs = new SegmentRefs(start.firstSegment);
  for (const n of bodies.segments()) refs.known(n, keepOld && n < start.firstSegment);
  for (const ref of store.getAllData()) refs.add(ref.blobs ?? []);
  // Set only when complete: a partial count could delete a segment still in use.
  segments = refs;
  void sweepSegments();
}

/** Sets or clears `pinned` on stored flows (a new line each); returns how many were found. */
async function pin(flowIds: string[], pinned: boolean): Promise<number> {
  return store.executor.pushAsync(async () => {
    const entries: Entry[] = [];
    for (const id of new Set(flowIds)) {
      const doc = readDoc(id);
      if (!doc) continue;
      if (pinned) doc.pinned = true;
      else delete doc.pinned;
      entries.push({ id, line: JSON.stringify(doc), blobs: blobsOf(doc) });
    }
    if (entries.length) await appendNow(entries);
    return entries.length;
  });
}

function track<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  void work.then(
    () => inFlight.delete(work),
    () => inFlight.delete(work),
  );
  return work;
}

/** Replies when the work is done; `sync` and `close` wait for tracked work, so they are not tracked themselves. */
function answer(id: number, work: Promise<unknown>, tracked = true): void {
  (tracked ? track(work) : work).then(
    (value) => send({ type: 'result', id, value }),
    (err: unknown) => send({ type: 'error', id, message: message(err) }),
  );
}

/** Resolves when the work received so far is done (not work that arrives meanwhile: capture never stops). */
async function settled(): Promise<void> {
  await Promise.allSettled([...inFlight]);
}

function receive(request: WorkerRequest): void {
  if (request.type === 'loaded-ack') {
    chunkTaken?.();
    return;
  }
  if (!loaded) early.push(request);
  else handle(request);
}

function handle(request: WorkerRequest): void {
  switch (request.type) {
    case 'write':
      answer(
        request.id,
        Promise.resolve(request)
          .then(({ lines, keys }) => persistDocs(entriesOf(lines, keys)))
          .catch((err: unknown) => {
            // The journal keeps these flows (the main side empties it only on success): the next start replays them.
            send({ type: 'warning', message: `Captured flows could not be saved to ${start.flowsDb} (${message(err)}).` });
            throw err;
          }),
      );
      return;
    case 'get':
      answer(
        request.id,
        store.executor.pushAsync(async () => {
          const doc = readDoc(request.flowId);
          return doc ? stripId(doc) : null;
        }),
      );
      return;
    case 'pin':
      answer(request.id, pin(request.flowIds, request.pinned));
      return;
    case 'remove':
      answer(request.id, remove(request.flowIds, request.compact));
      return;
    case 'remove-bodies':
      void track(bodies.remove(request.blobs));
      return;
    case 'sync':
      answer(request.id, settled(), false);
      return;
    case 'close':
      answer(
        request.id,
        settled().then(async () => {
          await closeDatafile();
          // Nothing else will come: let the thread end once this answer is sent.
          setImmediate(() => port.close());
        }),
        false,
      );
      return;
    case 'loaded-ack':
      return;
  }
}

port.on('message', (request: WorkerRequest) => receive(request));
void load();
