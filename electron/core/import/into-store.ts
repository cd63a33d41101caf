/**
 * Puts HAR flows into the flow store: each gets the store's next seq, its bodies are written as body files
 * (capped like captured ones), and the flow is recorded as a finished one. importHar streams: the file is
 * checked in a first pass (all or nothing), then read again and stored entry by entry, so memory does not
 * grow with the number of entries or the size of a body. A file with more entries than the store keeps
 * stores only the newest it keeps, by startedDateTime (a HAR's order need not be the time order, and the
 * store's trim drops the first recorded); importHar says truthfully what was not kept and what the store's
 * trim removed.
 */
import type { BodyRef, BodySide, Flow } from '../../common/flow';
import type { FlowStore } from '../store/types';
import { scanHar, type EntryTimes, type HarImport, type HarScan, type ImportedBodies } from './har';
import type { BodyBytes } from './har-body-text';
import type { ImportedMessage } from './har-messages';
import type { MessageStats } from '../../common/message';

function storeBody(store: Pick<FlowStore, 'bodies'>, flow: Flow, side: BodySide, ref: BodyRef, bytes: BodyBytes | null): BodyRef {
  if (!bytes || bytes.length === 0) return ref;
  const writer = store.bodies.open(flow.id, side, ref.contentType ? { contentType: ref.contentType } : {});
  // A streamed body goes in pieces: past the store's cap per body they are only counted, so a body of any size costs its cap at most.
  if (Buffer.isBuffer(bytes)) writer.write(bytes);
  else bytes.copyTo((piece) => writer.write(piece));
  const written = writer.end();
  // The HAR's own size and truncation stand when the file already held only part of the body.
  return { ...written, size: Math.max(ref.size, written.size), truncated: ref.truncated || written.truncated };
}

type ImportStore = Pick<FlowStore, 'bodies' | 'messages' | 'nextSeq' | 'flowStarted' | 'flush'> & Partial<Pick<FlowStore, 'keepLimit'>>;

/** Writes a flow's imported messages to its message log (capped like captured ones); returns the totals. */
function storeMessages(store: Pick<FlowStore, 'messages'>, flowId: string, messages: ImportedMessage[]): MessageStats {
  const writer = store.messages.open(flowId);
  for (const { message, payload } of messages) writer.append(message, payload);
  writer.end();
  return { ...writer.stats };
}

function storeOne(store: ImportStore, flow: Flow, bodies: ImportedBodies | undefined): void {
  const stored: Flow = { ...flow, seq: store.nextSeq(), request: { ...flow.request, body: storeBody(store, flow, 'request', flow.request.body, bodies?.request ?? null) } };
  if (flow.response) stored.response = { ...flow.response, body: storeBody(store, flow, 'response', flow.response.body, bodies?.response ?? null) };
  if (bodies?.messages?.length) stored.messages = storeMessages(store, flow.id, bodies.messages);
  store.flowStarted(stored);
}

/** Stores every imported flow; resolves once flows and body files are on disk. */
export async function importIntoStore(store: ImportStore, imported: HarImport): Promise<number> {
  for (const flow of imported.flows) storeOne(store, flow, imported.bodies.get(flow.id));
  await store.flush();
  return imported.flows.length;
}

export interface ImportOutcome extends HarScan {
  /** Imported flows still stored once the store's trim ran, by id. */
  kept: string[];
  /** Entries not stored because the store keeps fewer (the oldest by startedDateTime). */
  notKept: number;
  /** The store's limit on unpinned flows, when it left entries out (notKept > 0). */
  keeps?: number;
  /** Imported flows the trim removed at once (the first stored). */
  trimmed: number;
  /** Flows stored before the import that its trim removed. */
  trimmedOther: number;
}

export interface ImportOptions {
  /** Where body texts too large to hold wait while read (default: the system's temp folder); the data folder when there is one. */
  spoolDir?: string;
}

/**
 * Which entries to store when the file has more unpinned entries than the store keeps (undefined: all): the
 * newest `limit` by start time (among equal times, the later in the file), and every pinned one.
 */
export function newestEntries(times: EntryTimes, limit: number): Uint8Array | undefined {
  const unpinned: number[] = [];
  times.pinned.forEach((pinned, i) => {
    if (!pinned) unpinned.push(i);
  });
  if (unpinned.length <= limit) return undefined;
  unpinned.sort((a, b) => times.startedAt[b] - times.startedAt[a] || b - a);
  const chosen = new Uint8Array(times.pinned.length);
  times.pinned.forEach((pinned, i) => {
    if (pinned) chosen[i] = 1;
  });
  for (let i = 0; i < limit; i++) chosen[unpinned[i]] = 1;
  return chosen;
}

/**
 * Checks the HAR (throws HarImportError: nothing stored), then stores it entry by entry: all of it, or the
 * newest entries the store keeps. `open` is called once per pass: a file opens a fresh stream each time; a
 * string is simply read twice.
 */
export async function importHar(
  store: ImportStore & Pick<FlowStore, 'onDidRemove'>,
  open: () => string | Buffer | AsyncIterable<Buffer | string>,
  options: ImportOptions = {},
): Promise<ImportOutcome> {
  const check = await scanHar(open(), undefined, { times: true });
  const limit = store.keepLimit?.() ?? Infinity;
  const chosen = newestEntries(check.times!, limit);
  const ids = new Set<string>();
  let stored = 0;
  let trimmed = 0;
  let trimmedOther = 0;
  const sub = store.onDidRemove(({ ids: removed }) => {
    for (const id of removed) {
      if (ids.delete(id)) trimmed++;
      else trimmedOther++;
    }
  });
  try {
    const scan = await scanHar(
      open(),
      (flow, bodies) => {
        ids.add(flow.id);
        stored++;
        storeOne(store, flow, bodies);
      },
      { ...(options.spoolDir ? { spoolDir: options.spoolDir } : {}), ...(chosen ? { select: (entry: number) => chosen[entry] === 1 } : {}) },
    );
    await store.flush();
    const notKept = scan.count - stored;
    return { ...scan, kept: [...ids], notKept, ...(notKept ? { keeps: limit } : {}), trimmed, trimmedOther };
  } finally {
    sub.dispose();
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** The CLI's sentence about entries an import left out for the store's limit; empty when none were. */
export function describeImportLimit(outcome: { notKept: number; keeps?: number }): string {
  if (outcome.notKept === 0 || outcome.keeps === undefined) return '';
  return `The store keeps the newest ${count(outcome.keeps)} — ${count(outcome.notKept)} older ${outcome.notKept === 1 ? 'one was' : 'ones were'} not kept.`;
}

/** The CLI's and the UI's sentence about a trim an import caused; empty when nothing was trimmed. */
export function describeImportTrim(outcome: Pick<ImportOutcome, 'count' | 'trimmed' | 'trimmedOther'> & { kept: string[] | number }): string {
  const kept = typeof outcome.kept === 'number' ? outcome.kept : outcome.kept.length;
  if (outcome.trimmed === 0 && outcome.trimmedOther === 0) return '';
  const parts = [outcome.trimmed ? `${count(outcome.trimmed)} of the imported flows (those stored first)` : '', outcome.trimmedOther ? `${count(outcome.trimmedOther)} flows stored before` : ''].filter(Boolean);
  return `The store went over its limit and trimmed at once ${parts.join(' and ')}; ${count(kept)} of the ${count(outcome.count)} imported flows are kept.`;
}
