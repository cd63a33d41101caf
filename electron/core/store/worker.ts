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
 * Documents are flows with `_id` = flow id. No secondary index: every list query is answered from the
 * main side's in-memory summaries, and nedb's own `_id` index serves get/pin/remove.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parentPort, workerData } from 'node:worker_threads';
import Datastore from 'nedb-promises';
import { toSummary, type Flow, type FlowSummary } from '../../common/flow';
import { BodyStore } from './bodies';
import { keepCopy, moveAside, repairTornTail } from './datafile';
import { isDeletion, isPin, journalFile, linesOf, readJournal, type FlowDoc, type JournalRecord } from './journal';
import { blobsOf, type WorkerReply, type WorkerRequest, type WorkerStart } from './protocol';
import { SegmentRefs } from './segments';

/**
 * The parts of @seald-io/nedb (4.x) that nedb-promises does not wrap. Captured flows bypass nedb's insert
 * and update (appendDocs says why) through its executor, its in-memory index calls and its datafile's name.
 */
interface RawDatastore {
  getAllData(): FlowDoc[];
  compactDatafileAsync(): Promise<void>;
  indexes: { _id: { getMatching(value: string): FlowDoc[] } };
  executor: { pushAsync<T>(task: () => Promise<T>): Promise<T> };
  filename: string;
  _addToIndexes(doc: FlowDoc): void;
  _updateIndexes(oldDoc: FlowDoc, newDoc: FlowDoc): void;
}

/** nedb's own threshold: above this share of unreadable lines it refuses the datafile. */
const NEDB_CORRUPT_THRESHOLD = 0.1;

const start = workerData as WorkerStart;
const port = parentPort!;
const bodies = new BodyStore({ dir: start.bodiesDir });
let db: Datastore<FlowDoc>;
let loaded = false;
/** Stored bodies per segment file; counted once nedb has loaded, and kept from then on. */
let segments: SegmentRefs | undefined;
/** Requests that arrived before nedb finished loading (already journaled by the main side). */
const early: WorkerRequest[] = [];
/** Work that `sync` and `close` must wait for. */
const inFlight = new Set<Promise<unknown>>();

function send(reply: WorkerReply): void {
  port.postMessage(reply);
}

function raw(): RawDatastore {
  return (db as unknown as { __original: RawDatastore }).__original;
}

function stripId(doc: FlowDoc): Flow {
  const { _id, ...flow } = doc;
  void _id;
  return flow as Flow;
}

function withId(flow: Flow): FlowDoc {
  return { ...flow, _id: flow.id };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function loadDatastore(file: string, corruptAlertThreshold: number): Promise<Datastore<FlowDoc>> {
  const store = Datastore.create({ filename: file, autoload: false, corruptAlertThreshold }) as Datastore<FlowDoc>;
  await store.load();
  return store;
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
 * Opens the datafile; true when it was damaged. Unreadable lines are never dropped silently: nedb first loads with a threshold of 0, so
 * any damage is seen; damage nedb would tolerate is loaded after keeping a copy of the file as it was;
 * damage nedb refuses moves the file aside and starts a fresh store.
 */
async function open(warnings: string[]): Promise<boolean> {
  try {
    db = await loadDatastore(start.flowsDb, 0);
    return false;
  } catch (err) {
    if (!isCorruptError(err)) throw err;
    if (err.corruptionRate <= NEDB_CORRUPT_THRESHOLD) {
      const copy = keepCopy(start.flowsDb);
      db = await loadDatastore(start.flowsDb, NEDB_CORRUPT_THRESHOLD);
      warnings.push(
        `${err.corruptItems} of ${err.dataLength} records in the flow datafile could not be read and were skipped. The file as it was is kept at ${copy}.`,
      );
      return true;
    }
    const aside = moveAside(start.flowsDb);
    db = await loadDatastore(start.flowsDb, NEDB_CORRUPT_THRESHOLD);
    warnings.push(
      `The flow datafile could not be read (${Math.round(err.corruptionRate * 100)}% of its records are corrupt). ` +
        `It was moved to ${aside} and a new, empty flow store was started. Nothing was deleted.`,
    );
    return true;
  }
}

const UNFINISHED_ERROR: Flow['error'] = { phase: 'store', message: 'Hindsight stopped before this flow finished' };

/**
 * A flow that was live when Hindsight stopped will never finish: it is shown and stored as failed, so the
 * list does not show it in progress forever.
 */
function settle<T extends Flow>(flow: T): T {
  if (flow.state !== 'live' && flow.state !== 'intercepted') return flow;
  return { ...flow, state: 'failed', error: flow.error ?? { ...UNFINISHED_ERROR! } };
}

/**
 * Reads the datafile the way nedb does (one JSON document per line; a later line replaces an earlier one
 * with the same _id; `$$deleted` removes it), then the journal's records on top, and returns every flow's
 * summary in seq order. This is several times faster than nedb's own load, which also rewrites the whole
 * file, so the list is queryable seconds sooner. Returns undefined when a datafile line does not parse:
 * then nedb decides what the damage means.
 */
async function readSummaries(file: string, records: JournalRecord[]): Promise<{ summaries: FlowSummary[]; unfinished: string[] } | undefined> {
  const byId = new Map<string, FlowSummary>();
  const unfinished = new Set<string>();
  const apply = (record: JournalRecord) => {
    if (isPin(record)) {
      for (const id of record.$$pin) {
        const s = byId.get(id);
        if (s) byId.set(id, { ...s, pinned: record.pinned });
      }
      return;
    }
    if (typeof record._id !== 'string') return; // nedb's index bookkeeping lines
    unfinished.delete(record._id);
    if (isDeletion(record)) {
      byId.delete(record._id);
      return;
    }
    if (record.state === 'live' || record.state === 'intercepted') unfinished.add(record._id);
    byId.set(record._id, toSummary(settle(record)));
  };
  if (fs.existsSync(file)) {
    const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        lines.close();
        return undefined;
      }
      apply(record);
    }
  }
  for (const record of records) apply(record);
  return { summaries: [...byId.values()].sort((a, b) => a.seq - b.seq), unfinished: [...unfinished] };
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
async function persistSettled(ids: string[]): Promise<void> {
  for (const id of ids) {
    const doc = raw().indexes._id.getMatching(id)[0];
    if (doc && (doc.state === 'live' || doc.state === 'intercepted')) await db.update({ _id: id }, settle(doc), {});
  }
}

/** Applies the journal left by the last run to nedb, in order (consecutive records of a kind together). */
async function replay(records: JournalRecord[]): Promise<void> {
  let docs: DocLine[] = [];
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
      docs.push({ record, line: JSON.stringify(record) });
    }
  }
  await flush();
}

async function load(): Promise<void> {
  const warnings: string[] = [];
  /** The datafile had unreadable records (kept as a copy or moved aside). */
  let damaged = false;
  const journal = journalFile(start.flowsDb);
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
    // Queryable first (from a plain read of the files), then nedb loads for get, writes and removals:
    // requests that arrive meanwhile are journaled and wait in `early`.
    const quick = await readSummaries(start.flowsDb, left.records);
    if (quick) await sendSummaries(quick.summaries, warnings);
    const late: string[] = [];
    damaged = await open(quick ? late : warnings);
    for (const w of late) send({ type: 'warning', message: w });
    await replay(left.records);
    if (quick) {
      await persistSettled(quick.unfinished);
    } else {
      const unfinished = raw()
        .getAllData()
        .filter((d) => d.state === 'live' || d.state === 'intercepted')
        .map((d) => d._id);
      await persistSettled(unfinished);
      await sendSummaries(raw().getAllData().map(toSummary).sort((a, b) => a.seq - b.seq), warnings);
    }
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

/** A flow document with its JSON text, one datafile line. */
interface DocLine {
  record: FlowDoc;
  line: string;
}

/**
 * Stores flows, new or replacing stored ones; the last value per id wins, so a flow started and finished
 * in one batch is one line. Each flow's line is appended to the datafile as it came (nedb's format: one
 * JSON document per line, a later line replacing an earlier one with the same _id) and the parsed document
 * goes into nedb's `_id` index as it is: nedb's own insert and update would copy, check and serialize each
 * document again, most of this worker's time per captured flow. Runs on nedb's executor, so it stays in
 * order with nedb's removals and compactions (a compaction rewrites the file from memory).
 */
async function persistDocs(docs: DocLine[]): Promise<void> {
  if (docs.length === 0) return;
  const latest = new Map<string, DocLine>();
  for (const d of docs) latest.set(d.record._id, d);
  if (segments) {
    // Counted now, in arrival order, before anything is awaited (segments.ts says why order matters).
    for (const { record: doc } of latest.values()) {
      const old = raw().indexes._id.getMatching(doc._id)[0];
      if (old) segments.drop(blobsOf(old));
      segments.add(blobsOf(doc));
    }
    sweepSegments();
  }
  const store = raw();
  await store.executor.pushAsync(async () => {
    let text = '';
    for (const { record: doc, line } of latest.values()) {
      const old = store.indexes._id.getMatching(doc._id)[0];
      if (old) store._updateIndexes(old, doc);
      else store._addToIndexes(doc);
      text += line + '\n';
    }
    await fs.promises.appendFile(store.filename, text, 'utf8');
  });
}

async function remove(flowIds: string[], compact: boolean): Promise<number> {
  let removed = 0;
  for (let i = 0; i < flowIds.length; i += start.removeChunk) {
    const chunk = flowIds.slice(i, i + start.removeChunk);
    const blobs: string[] = [];
    for (const id of chunk) for (const doc of raw().indexes._id.getMatching(id)) blobs.push(...blobsOf(doc));
    removed += await db.remove({ _id: { $in: chunk } }, { multi: true });
    segments?.drop(blobs);
    await Promise.all([bodies.remove(blobs), sweepSegments()]);
  }
  if (compact) await raw().compactDatafileAsync();
  return removed;
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
  for (const doc of raw().getAllData()) refs.add(blobsOf(doc));
  // Set only when complete: a partial count could delete a segment still in use.
  segments = refs;
  void sweepSegments();
}

async function pin(flowIds: string[], pinned: boolean): Promise<number> {
  const change = pinned ? { $set: { pinned: true } } : { $unset: { pinned: true } };
  return db.update({ _id: { $in: flowIds } }, change, { multi: true });
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
        persistDocs(linesOf(request.lines).entries as DocLine[]).catch((err: unknown) => {
          // The journal keeps these flows (the main side empties it only on success): the next start replays them.
          send({ type: 'warning', message: `Captured flows could not be saved to ${start.flowsDb} (${message(err)}).` });
          throw err;
        }),
      );
      return;
    case 'get':
      answer(
        request.id,
        db.findOne({ _id: request.flowId }).then((doc) => (doc ? stripId(doc) : null)),
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
        settled().then(() => {
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
