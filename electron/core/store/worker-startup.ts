/**
 * The flow store worker's startup: open the datafile, repair what a crash or a full disk left, hand the main
 * side the stored flows' summaries, keep the stored flows' references, replay the journal the last run left,
 * settle flows that were live when it stopped, and count the body segments. Runs once, before the worker
 * answers any request (worker.ts holds requests back meanwhile).
 *
 * Kept apart from the steady state because it is a different kind of code: one pass that decides what the
 * files on disk mean, full of damage cases (torn tails, unreadable lines, an empty datafile beside bodies),
 * each of which must warn and lose nothing; the steady state is a loop that never sees any of them.
 *
 * Queryable first: one pass over the datafile gives the list its summaries and the worker its references.
 * nedb's own load (every document parsed and held, the file rewritten) runs only for a datafile with
 * unreadable lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import Datastore from 'nedb-promises';
import { toSummary, type Flow, type FlowSummary } from '../../common/flow';
import type { BodyStore } from './bodies';
import { keepCopy, moveAside, repairTornTail } from './datafile';
import { scanLines, type LineRange } from './datafile-lines';
import { isDeletion, isPin, journalFile, readJournal, type FlowDoc, type JournalRecord } from './journal';
import { blobsOf, type WorkerReply, type WorkerStart } from './protocol';
import { NEDB_PRIVATE_MODES, mkdirPrivate } from '../private-files';
import { keptBodies, type KeptBodies } from './kept-bodies';
import { StoredFlows, entryOf, refOf, type Entry, type RawDatastore, type StoredRef } from './worker-flows';

/**
 * nedb's file helpers (lib/storage.js), for the same startup check of the datafile that nedb's own load makes.
 * @seald-io/nedb is a dependency of its own, pinned, because the worker relies on these internals.
 */
const nedbStorage = require('@seald-io/nedb/lib/storage') as {
  ensureDatafileIntegrityAsync(filename: string, mode: number): Promise<void>;
};

/** nedb's own threshold: above this share of unreadable lines it refuses the datafile. */
const NEDB_CORRUPT_THRESHOLD = 0.1;

/** What the startup needs from the worker around it (worker.ts). */
export interface StartupPort {
  send(reply: WorkerReply): void;
  /** Resolves at the main side's next `loaded-ack`: call before sending the chunk it acknowledges. */
  nextAck(): Promise<void>;
  /** Registers work that `sync` and `close` wait for. */
  track<T>(work: Promise<T>): Promise<T>;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function raw(db: Datastore<FlowDoc>): RawDatastore {
  return (db as unknown as { __original: RawDatastore }).__original;
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
async function openDamaged(flowsDb: string, warnings: string[]): Promise<RawDatastore> {
  try {
    // Our own scan found a line it could not parse, which nedb tolerates only as a blank one.
    return await loadDatastore(flowsDb, 0);
  } catch (err) {
    if (!isCorruptError(err)) throw err;
    if (err.corruptionRate <= NEDB_CORRUPT_THRESHOLD) {
      const copy = keepCopy(flowsDb);
      const store = await loadDatastore(flowsDb, NEDB_CORRUPT_THRESHOLD);
      warnings.push(
        `${err.corruptItems} of ${err.dataLength} records in the flow datafile could not be read and were skipped. The file as it was is kept at ${copy}.`,
      );
      return store;
    }
    const aside = moveAside(flowsDb);
    const store = await loadDatastore(flowsDb, NEDB_CORRUPT_THRESHOLD);
    warnings.push(
      `The flow datafile could not be read (${Math.round(err.corruptionRate * 100)}% of its records are corrupt). ` +
        `It was moved to ${aside} and a new, empty flow store was started. Nothing was deleted.`,
    );
    return store;
  }
}

/**
 * An empty or missing datafile beside bodies that flows pointed to is damage, not an empty store: the bodies
 * are kept (countSegments keeps every older segment), the empty file is moved aside, and a fresh datafile
 * starts beside them, as for a datafile nedb refuses.
 */
function emptyDatafileWarning(start: WorkerStart, kept: KeptBodies): string {
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

/**
 * Sends summaries one chunk at a time, each after the main side took the previous one: messages queued on
 * a port are all delivered in one turn of the receiving event loop, which for 60,000 summaries would stall
 * the proxy's thread for hundreds of milliseconds.
 */
async function sendSummaries(start: WorkerStart, port: StartupPort, summaries: FlowSummary[], warnings: string[]): Promise<void> {
  let maxSeq = 0;
  for (let i = 0; i < summaries.length; i += start.loadChunk) {
    const chunk = summaries.slice(i, i + start.loadChunk);
    for (const s of chunk) if (s.seq > maxSeq) maxSeq = s.seq;
    const taken = port.nextAck();
    port.send({ type: 'loaded', summaries: chunk });
    await taken;
  }
  port.send({ type: 'ready', maxSeq, warnings });
}

/** Persists the settled state of flows that were unfinished when Hindsight stopped. */
async function persistSettled(flows: StoredFlows, ids: Iterable<string>): Promise<void> {
  const docs: Entry[] = [];
  for (const id of ids) {
    const doc = await flows.store.executor.pushAsync(async () => flows.readDoc(id));
    if (doc && isUnfinished(doc)) docs.push(entryOf(settle(doc)));
  }
  await flows.persistDocs(docs);
}

/** Applies the journal left by the last run, in order (consecutive records of a kind together). */
async function replay(flows: StoredFlows, records: JournalRecord[]): Promise<void> {
  let docs: Entry[] = [];
  let deleted: string[] = [];
  const flush = async () => {
    await flows.persistDocs(docs);
    // With their body files: a trim cut short by a crash finishes here.
    if (deleted.length) await flows.remove(deleted, false);
    docs = [];
    deleted = [];
  };
  for (const record of records) {
    if (isPin(record)) {
      await flush();
      await flows.pin(record.$$pin, record.pinned);
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
 * Opens the stored flows. Undefined when the datafile could not be opened: `open-failed` was sent and the
 * worker should end. Requests that arrive meanwhile are journaled by the main side and wait in worker.ts.
 */
export async function openStoredFlows(start: WorkerStart, bodies: BodyStore, port: StartupPort): Promise<StoredFlows | undefined> {
  const warnings: string[] = [];
  /** The datafile had unreadable records (kept as a copy or moved aside). */
  let damaged = false;
  const journal = journalFile(start.flowsDb);
  let flows: StoredFlows;
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
    let store = raw(createDatastore(start.flowsDb, 0));
    // As nedb's load does: a crash during a compaction may have left only `<file>~`.
    mkdirPrivate(path.dirname(start.flowsDb));
    await nedbStorage.ensureDatafileIntegrityAsync(store.filename, store.persistence.modes.fileMode);
    let scan = scanDatafile(start.flowsDb);
    if (!scan) {
      damaged = true;
      store = await openDamaged(start.flowsDb, warnings);
      scan = scanDatafile(start.flowsDb);
      if (!scan) throw new Error('it is still unreadable after nedb rewrote it');
    }
    for (const record of left.records) applyRecord(scan, record);
    if (!damaged && scan.refs.size === 0 && scan.summaries.size === 0) {
      const kept = keptBodies(start.bodiesDir, bodies.segments(), (n) => bodies.segmentPath(n), start.firstSegment);
      if (kept.segments + kept.files > 0) {
        damaged = true;
        warnings.push(emptyDatafileWarning(start, kept));
      }
    }
    await sendSummaries(start, port, [...scan.summaries.values()].sort((a, b) => a.seq - b.seq), warnings);
    scan.summaries.clear();
    // References only from here on: nedb's full documents (after openDamaged) are let go.
    store._resetIndexes();
    flows = new StoredFlows(store, scan.refs, start, bodies, port.track);
    if (!store.executor.ready) store.executor.processBuffer();
    await replay(flows, left.records);
    await persistSettled(flows, scan.unfinished);
    if (scan.lines > scan.refs.size) await store.compactDatafileAsync();
  } catch (err) {
    port.send({ type: 'open-failed', message: `The flow datafile ${start.flowsDb} could not be opened: ${errorMessage(err)}` });
    return undefined;
  }
  try {
    flows.countSegments(damaged);
  } catch (err) {
    // Without counts no segment is ever deleted: disk space only, never a body lost.
    port.send({ type: 'warning', message: `Body segments could not be counted (${errorMessage(err)}); unused ones stay on disk until the next start.` });
  }
  return flows;
}
