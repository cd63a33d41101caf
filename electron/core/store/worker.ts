/**
 * The flow store's worker thread: owns the nedb datastore so that loading 60,000 documents, removing 10,000
 * and compacting the datafile (each a second or more of work) never run on the proxy's thread.
 *
 * Requests are handed to nedb in arrival order; nedb's executor runs them one at a time, so a write sent
 * before a removal lands before it. Multi-step work (a trim in chunks) submits its next chunk only when the
 * previous one finished, so writes that arrive meanwhile are appended between chunks instead of waiting for
 * the whole trim.
 *
 * Documents are flows with `_id` = flow id. No secondary index: every list query is answered from the
 * main side's in-memory summaries, and nedb's own `_id` index serves get/pin/remove.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Datastore from 'nedb-promises';
import { toSummary, type Flow, type FlowSummary } from '../../common/flow';
import { BodyStore } from './bodies';
import { keepCopy, moveAside, repairTornTail } from './datafile';
import { blobsOf, type WorkerReply, type WorkerRequest, type WorkerStart } from './protocol';

type FlowDoc = Flow & { _id: string };

/** The parts of @seald-io/nedb that nedb-promises does not wrap with promises. */
interface RawDatastore {
  getAllData(): FlowDoc[];
  compactDatafileAsync(): Promise<void>;
  indexes: { _id: { getMatching(value: string): FlowDoc[] } };
}

/** nedb's own threshold: above this share of unreadable lines it refuses the datafile. */
const NEDB_CORRUPT_THRESHOLD = 0.1;

const start = workerData as WorkerStart;
const port = parentPort!;
const bodies = new BodyStore({ dir: start.bodiesDir });
let db: Datastore<FlowDoc>;
let loaded = false;
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
 * Opens the datafile. Unreadable lines are never dropped silently: nedb first loads with a threshold of 0, so
 * any damage is seen; damage nedb would tolerate is loaded after keeping a copy of the file as it was;
 * damage nedb refuses moves the file aside and starts a fresh store.
 */
async function open(warnings: string[]): Promise<void> {
  const torn = repairTornTail(start.flowsDb);
  if (torn) warnings.push(torn);
  try {
    db = await loadDatastore(start.flowsDb, 0);
    return;
  } catch (err) {
    if (!isCorruptError(err)) throw err;
    if (err.corruptionRate <= NEDB_CORRUPT_THRESHOLD) {
      const copy = keepCopy(start.flowsDb);
      db = await loadDatastore(start.flowsDb, NEDB_CORRUPT_THRESHOLD);
      warnings.push(
        `${err.corruptItems} of ${err.dataLength} records in the flow datafile could not be read and were skipped. The file as it was is kept at ${copy}.`,
      );
      return;
    }
    const aside = moveAside(start.flowsDb);
    db = await loadDatastore(start.flowsDb, NEDB_CORRUPT_THRESHOLD);
    warnings.push(
      `The flow datafile could not be read (${Math.round(err.corruptionRate * 100)}% of its records are corrupt). ` +
        `It was moved to ${aside} and a new, empty flow store was started. Nothing was deleted.`,
    );
  }
}

/**
 * A flow that was live when Hindsight stopped will never finish: it is marked failed, so the list does not
 * show it in progress forever.
 */
async function settleUnfinished(docs: FlowDoc[]): Promise<void> {
  for (const doc of docs) {
    if (doc.state !== 'live' && doc.state !== 'intercepted') continue;
    const settled: FlowDoc = { ...doc, state: 'failed', error: doc.error ?? { phase: 'store', message: 'Hindsight stopped before this flow finished' } };
    await db.update({ _id: doc._id }, settled, {});
    Object.assign(doc, settled);
  }
}

async function load(): Promise<void> {
  const warnings: string[] = [];
  try {
    await open(warnings);
  } catch (err) {
    send({ type: 'open-failed', message: `The flow datafile ${start.flowsDb} could not be opened: ${message(err)}` });
    port.close();
    return;
  }
  const docs = [...raw().getAllData()].sort((a, b) => a.seq - b.seq);
  await settleUnfinished(docs);
  let maxSeq = 0;
  for (let i = 0; i < docs.length; i += start.loadChunk) {
    const summaries: FlowSummary[] = [];
    for (const doc of docs.slice(i, i + start.loadChunk)) {
      summaries.push(toSummary(doc));
      if (doc.seq > maxSeq) maxSeq = doc.seq;
    }
    send({ type: 'loaded', summaries });
  }
  loaded = true;
  send({ type: 'ready', maxSeq, warnings });
  for (const request of early.splice(0)) handle(request);
}

async function write(inserts: Flow[], updates: Flow[]): Promise<void> {
  try {
    if (inserts.length) {
      try {
        await db.insert(inserts.map(withId));
      } catch {
        // One id already stored (a flow started twice) fails the whole bulk insert: fall back to one by one.
        for (const flow of inserts) await db.update({ _id: flow.id }, withId(flow), { upsert: true });
      }
    }
    for (const flow of updates) await db.update({ _id: flow.id }, withId(flow), { upsert: true });
  } catch (err) {
    send({ type: 'warning', message: `Captured flows could not be saved to ${start.flowsDb} (${message(err)}).` });
  }
}

async function remove(flowIds: string[], compact: boolean): Promise<number> {
  let removed = 0;
  for (let i = 0; i < flowIds.length; i += start.removeChunk) {
    const chunk = flowIds.slice(i, i + start.removeChunk);
    const blobs: string[] = [];
    for (const id of chunk) for (const doc of raw().indexes._id.getMatching(id)) blobs.push(...blobsOf(doc));
    removed += await db.remove({ _id: { $in: chunk } }, { multi: true });
    await bodies.remove(blobs);
  }
  if (compact) await raw().compactDatafileAsync();
  return removed;
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

async function settled(): Promise<void> {
  while (inFlight.size) await Promise.allSettled([...inFlight]);
}

function handle(request: WorkerRequest): void {
  if (!loaded) {
    early.push(request);
    return;
  }
  switch (request.type) {
    case 'write':
      void track(write(request.inserts, request.updates));
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
  }
}

port.on('message', (request: WorkerRequest) => handle(request));
void load();
