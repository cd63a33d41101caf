/**
 * Where an export reads flows from: the store's files (nobody else holds the data dir) or the API of the
 * running instance that does. Either way the matching flows come oldest first, one at a time, each with
 * the bodies the format needs, so the export never holds more than one flow.
 */
import fs from 'node:fs';
import type { ApiClient, FlowPage, FlowQuery } from '../../common/api';
import type { BodySide, Flow } from '../../common/flow';
import { readFlowBody } from '../store/body-read';
import { connectToRunning, readLock } from '../instance/lock';
import { dataPaths } from '../paths';
import { openFlowStore } from '../store';
import { redactUrl } from '../store/pg/pg-db';
import { openPgStore } from '../store/pg/pg-store';
import type { AnyFlowStore } from '../store/types';
import type { ExportRecord } from './records';
import type { FlowMessage } from '../../common/message';
import { collectFlows } from '../../common/flow-pages';
import { toFlowMessage } from '../store/flow-message';
import { queryStore } from '../store/message-filter';

export interface FlowSource {
  query(q: FlowQuery): Promise<FlowPage>;
  get(id: string): Promise<Flow | null>;
  body(flow: Flow, side: BodySide): Promise<Buffer | null>;
  /** The body with its Content-Encoding undone (as the UI shows it); the raw bytes and why when that fails. */
  decodedBody(flow: Flow, side: BodySide): Promise<{ bytes: Buffer; decodeError?: string } | null>;
  /** Every message in the flow's log, oldest first (HAR's `_webSocketMessages`). */
  messages(flow: Flow): Promise<FlowMessage[]>;
}

/** A flow's whole message log, page by page (the log keeps at most 10,000 per flow by default). */
async function allMessages(page: (after: number) => Promise<{ messages: FlowMessage[]; next?: number } | null>): Promise<FlowMessage[]> {
  const all: FlowMessage[] = [];
  let after = 0;
  for (;;) {
    const result = await page(after);
    if (!result) return all;
    all.push(...result.messages);
    if (result.next === undefined) return all;
    after = result.next;
  }
}

export function storeSource(store: AnyFlowStore): FlowSource {
  return {
    query: (q) => queryStore(store, q),
    get: (id) => store.get(id),
    body: async (flow, side) => {
      const ref = side === 'request' ? flow.request.body : flow.response?.body;
      return ref?.blob ? store.bodies.read(ref) : null;
    },
    decodedBody: (flow, side) => readFlowBody(store, flow.id, side, true),
    messages: (flow) =>
      allMessages(async (after) => {
        const page = await store.messages.read(flow.id, { after, limit: 1000 });
        return { messages: page.messages.map(toFlowMessage), next: page.next };
      }),
  };
}

export function apiSource(client: ApiClient): FlowSource {
  return {
    query: (q) => client.call('flows.query', q),
    get: (id) => client.call('flows.get', { id }),
    body: async (flow, side) => {
      const ref = side === 'request' ? flow.request.body : flow.response?.body;
      if (!ref?.blob) return null;
      const result = await client.call('flows.body', { id: flow.id, side, decode: false });
      return result ? Buffer.from(result.base64, 'base64') : null;
    },
    decodedBody: async (flow, side) => {
      const result = await client.call('flows.body', { id: flow.id, side, decode: true });
      if (!result) return null;
      const bytes = Buffer.from(result.base64, 'base64');
      return result.decodeError ? { bytes, decodeError: result.decodeError } : { bytes };
    },
    messages: (flow) => allMessages((after) => client.call('flows.messages', { id: flow.id, after, limit: 1000 })),
  };
}

/** Ids of the flows matching `filter`, oldest first (pages come newest first). */
export async function matchingIds(source: FlowSource, filter: string): Promise<string[]> {
  return (await collectFlows((q) => source.query(q), { filter })).map((s) => s.id);
}

/** The matching flows with the asked-for bodies, oldest first; flows removed meanwhile are skipped. */
export async function* sourceRecords(source: FlowSource, filter: string, sides: { request: boolean; response: boolean }): AsyncGenerator<ExportRecord> {
  yield* idRecords(source, await matchingIds(source, filter), sides);
}

/** The flows named by `ids`, in that order, with the asked-for bodies; ids no longer stored are skipped. */
export async function* idRecords(source: FlowSource, ids: readonly string[], sides: { request: boolean; response: boolean }): AsyncGenerator<ExportRecord> {
  for (const id of ids) {
    const flow = await source.get(id);
    if (!flow) continue;
    const record: ExportRecord = {
      flow,
      request: sides.request ? await source.body(flow, 'request') : null,
      response: sides.response ? await source.body(flow, 'response') : null,
    };
    // Formats that carry responses (HAR) carry a WebSocket's messages too.
    if (sides.response && flow.websocket && flow.messages) record.messages = await source.messages(flow);
    yield record;
  }
}

export interface OpenedSource {
  source: FlowSource;
  /** The store read, when this process opened one (not a running instance's API): reports aggregate in it. */
  store?: AnyFlowStore;
  /** Store warnings the user should see (a datafile moved aside, …). */
  warnings: string[];
  close(): Promise<void>;
}

/** A sentence when `dataDir` exists but is not a folder (a mistyped --data naming a file). */
export function notAFolder(dataDir: string): string | undefined {
  return fs.statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() === false ? `the data folder ${dataDir} is a file, not a folder` : undefined;
}

/**
 * The flows of a data dir for reading: through the API of the running instance that holds it, else from
 * its files (opened without trimming: the cap is the capturing instance's setting). Returns a sentence for
 * the user instead when neither is possible; never creates a store where none is.
 */
export async function openFlowSource(dataDir: string, storeUrl?: string): Promise<OpenedSource | { problem: string; nothingStored?: true }> {
  if (storeUrl) return openPgSource(storeUrl);
  const notFolder = notAFolder(dataDir);
  if (notFolder) return { problem: notFolder };
  const holder = readLock(dataDir);
  if (holder) {
    const client = await connectToRunning(dataDir);
    if (!client) return { problem: `a running hindsight (pid ${holder.pid}) holds ${dataDir}, but its API on port ${holder.uiPort} does not answer.` };
    return { source: apiSource(client), warnings: [], close: async () => client.dispose() };
  }
  if (!fs.existsSync(dataPaths(dataDir).flowsDb)) return { problem: `no flows stored in ${dataDir}`, nothingStored: true };
  const store = openFlowStore({ dataDir, maxFlows: Infinity });
  try {
    await store.ready;
  } catch (err) {
    await store.close();
    throw err;
  }
  return { source: storeSource(store), store, warnings: store.warnings(), close: () => store.close() };
}

/**
 * The flows of a PostgreSQL store (`--store URL`): read from the database directly, whichever nodes are
 * writing to it meanwhile; this process never trims.
 */
async function openPgSource(url: string): Promise<OpenedSource | { problem: string }> {
  try {
    const store = await openPgStore({ url, maxFlows: Infinity });
    return { source: storeSource(store), store, warnings: store.warnings(), close: () => store.close() };
  } catch (err) {
    return { problem: `cannot open the store at ${redactUrl(url)}: ${(err as Error).message}` };
  }
}
