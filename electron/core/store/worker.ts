/**
 * The flow store's worker thread: owns the nedb datastore so that loading 60,000 documents, removing 10,000
 * and compacting the datafile (each a second or more of work) never run on the proxy's thread.
 *
 * This file is the worker's steady state: the message loop that answers the main side's requests. The work
 * before the first answer — opening and repairing the datafile, loading, replaying the journal, counting
 * segments — is worker-startup.ts; the operations on the stored flows both use are worker-flows.ts. Split so
 * the loop a request passes through every few milliseconds reads on its own, apart from the damage cases a
 * start must handle once.
 *
 * Requests are handed to nedb in arrival order; nedb's executor runs them one at a time, so a write sent
 * before a removal lands before it. Multi-step work (a trim in chunks) submits its next chunk only when the
 * previous one finished, so writes that arrive meanwhile are appended between chunks instead of waiting for
 * the whole trim. Requests that arrive while the startup runs (already journaled by the main side) wait in
 * `early` and are handled in order once it is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BodyStore } from './bodies';
import type { WorkerReply, WorkerRequest, WorkerStart } from './protocol';
import { entriesOf, stripId, type StoredFlows } from './worker-flows';
import { errorMessage, openStoredFlows } from './worker-startup';

const start = workerData as WorkerStart;
const port = parentPort!;
const bodies = new BodyStore({ dir: start.bodiesDir });
/** Set once the startup is done; requests before that wait in `early`. */
let opened: StoredFlows | undefined;
/** Requests that arrived before the startup finished (already journaled by the main side). */
const early: WorkerRequest[] = [];
/** Work that `sync` and `close` must wait for. */
const inFlight = new Set<Promise<unknown>>();
/** Resolves the startup's wait for the main side's acknowledgement of the last `loaded` chunk. */
let chunkTaken: (() => void) | undefined;

function send(reply: WorkerReply): void {
  port.postMessage(reply);
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
    (err: unknown) => send({ type: 'error', id, message: errorMessage(err) }),
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
  if (!opened) early.push(request);
  else handle(opened, request);
}

function handle(flows: StoredFlows, request: WorkerRequest): void {
  switch (request.type) {
    case 'write':
      answer(
        request.id,
        Promise.resolve(request)
          .then(({ lines, keys }) => flows.persistDocs(entriesOf(lines, keys)))
          .catch((err: unknown) => {
            // The journal keeps these flows (the main side empties it only on success): the next start replays them.
            send({ type: 'warning', message: `Captured flows could not be saved to ${start.flowsDb} (${errorMessage(err)}).` });
            throw err;
          }),
      );
      return;
    case 'get':
      answer(
        request.id,
        flows.store.executor.pushAsync(async () => {
          const doc = flows.readDoc(request.flowId);
          return doc ? stripId(doc) : null;
        }),
      );
      return;
    case 'pin':
      answer(request.id, flows.pin(request.flowIds, request.pinned));
      return;
    case 'remove':
      answer(request.id, flows.remove(request.flowIds, request.compact));
      return;
    case 'remove-bodies':
      void track(bodies.remove(request.blobs));
      return;
    case 'sync':
      // The answer carries how many flows the index holds once that work is done (FlowStore.storedOnDisk).
      answer(request.id, settled().then(() => flows.indexSize()), false);
      return;
    case 'close':
      answer(
        request.id,
        settled().then(async () => {
          await flows.closeDatafile();
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
void openStoredFlows(start, bodies, { send, nextAck: () => new Promise<void>((resolve) => (chunkTaken = resolve)), track }).then((flows) => {
  // The datafile could not be opened (`open-failed` was sent): the thread ends.
  if (!flows) {
    port.close();
    return;
  }
  opened = flows;
  for (const request of early.splice(0)) handle(flows, request);
});
