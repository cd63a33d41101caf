/**
 * Messages between the flow store's main side (index.ts, on the proxy's thread) and its nedb worker
 * (worker.ts). Plain data only: they cross a worker_threads port by structured clone.
 *
 * The worker runs requests one at a time in arrival order, so a write sent before a removal lands before it.
 */
import type { Flow, FlowSummary } from '../../common/flow';
import { messageLogName } from './message-log';

export interface WorkerStart {
  /** The nedb datafile (dataPaths(dataDir).flowsDb). */
  flowsDb: string;
  bodiesDir: string;
  /** The first body segment the main side writes this run: every segment below it is sealed (segments.ts). */
  firstSegment: number;
  /** Summaries per `loaded` message: small enough that the main thread clones each in a few ms. */
  loadChunk: number;
  /** Dead datafile bytes that make a trim compact (StoreOptions.compactDeadBytes); absent: the default rule. */
  compactDeadBytes?: number;
  /** Documents removed per worker step during trims and clears, so writes queued meanwhile wait little. */
  removeChunk: number;
}

export type WorkerRequest =
  /**
   * Persist the newest value of each flow: one JSON line (a flow document, without its newline) per flow,
   * exactly as journaled, with each line's flow id and body names, in order (so the worker need not parse the
   * lines to index them), as `keys` text (keyLine).
   */
  | { type: 'write'; id: number; lines: string[]; keys: string }
  | { type: 'get'; id: number; flowId: string }
  | { type: 'pin'; id: number; flowIds: string[]; pinned: boolean }
  /** Removes flows and their body files in chunks; compacts the datafile afterwards when asked. */
  | { type: 'remove'; id: number; flowIds: string[]; compact: boolean }
  /** Body files of flows the worker does not hold (updated after they were removed). */
  | { type: 'remove-bodies'; blobs: string[] }
  /** The main side took a `loaded` chunk: the next one may come. */
  | { type: 'loaded-ack' }
  /** Answered once every earlier request is done, with the number of flows the worker's index then holds. */
  | { type: 'sync'; id: number }
  | { type: 'close'; id: number };

export type WorkerReply =
  /** Stored flows in seq order, in chunks (each acknowledged with `loaded-ack`), before `ready`. */
  | { type: 'loaded'; summaries: FlowSummary[] }
  | { type: 'ready'; maxSeq: number; warnings: string[] }
  | { type: 'open-failed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string }
  /** A problem the user must see that no request asked about (a failed append, a failed compaction). */
  | { type: 'warning'; message: string };

/** What the worker indexes a datafile line by: its flow's id and the body files the flow refers to. */
export interface DocKey {
  id: string;
  blobs: string[];
}

/** Body file names a flow refers to. */
export function blobsOf(flow: Flow): string[] {
  const blobs: string[] = [];
  if (flow.request.body.blob) blobs.push(flow.request.body.blob);
  if (flow.response?.body.blob) blobs.push(flow.response.body.blob);
  if (flow.messages) blobs.push(flow.messages.log ?? messageLogName(flow.id));
  return blobs;
}

/**
 * A line's DocKey as one line of a write request's `keys` text: its id and body names, space-separated. One
 * string per batch instead of an object and an array per flow: cloning those for the worker and collecting
 * them afterwards cost more of the proxy's thread than anything else in the message (issue 16). A name with
 * white space or `%` (never one the proxy makes) is percent-encoded, so the text splits back unambiguously.
 */
export function keyLine(flow: Flow): string {
  let line = keyField(flow.id);
  if (flow.request.body.blob) line += ' ' + keyField(flow.request.body.blob);
  if (flow.response?.body.blob) line += ' ' + keyField(flow.response.body.blob);
  if (flow.messages) line += ' ' + keyField(flow.messages.log ?? messageLogName(flow.id));
  return line + '\n';
}

/** The keys of a write request's `keys` text, in order (keyLine). */
export function parseKeys(text: string): DocKey[] {
  const keys: DocKey[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ').map(unkeyField);
    keys.push({ id: fields[0]!, blobs: fields.slice(1) });
  }
  return keys;
}

const NEEDS_ESCAPE = /[\s%]/;

function keyField(name: string): string {
  return NEEDS_ESCAPE.test(name) ? encodeURIComponent(name) : name;
}

/** V8 keeps a substring this long or longer as a view of its parent string (SlicedString::kMinLength). */
const SLICED_MIN = 13;

/**
 * A long field is decoded even without a `%`: decoding makes a copy. The field is a substring of the whole
 * write request's key text, and a view of it (a segment body's name; ids are 12 characters) kept in the
 * worker's index held the batch's whole text alive (about 2 MB of the worker's heap at 58,000 stored
 * flows, docs/BENCHMARKS.md).
 */
function unkeyField(field: string): string {
  return field.length >= SLICED_MIN || field.includes('%') ? decodeURIComponent(field) : field;
}
