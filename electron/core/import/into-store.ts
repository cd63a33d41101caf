/**
 * Puts HAR flows into the flow store: each gets the store's next seq, its bodies are written as body files
 * (capped like captured ones), and the flow is recorded as a finished one. importHar streams: the file is
 * checked in a first pass (all or nothing), then read again and stored entry by entry, so memory does not
 * grow with the number of entries; and it says truthfully what the store kept, since an import past the
 * store's limit is trimmed at once (the oldest go: in a HAR's own order, its first entries).
 */
import type { BodyRef, BodySide, Flow } from '../../common/flow';
import type { FlowStore } from '../store/types';
import { scanHar, type HarImport, type HarScan, type ImportedBodies } from './har';
import type { ImportedMessage } from './har-messages';
import type { MessageStats } from '../../common/message';

function storeBody(store: Pick<FlowStore, 'bodies'>, flow: Flow, side: BodySide, ref: BodyRef, bytes: Buffer | null): BodyRef {
  if (!bytes || bytes.length === 0) return ref;
  const writer = store.bodies.open(flow.id, side, ref.contentType ? { contentType: ref.contentType } : {});
  writer.write(bytes);
  const written = writer.end();
  // The HAR's own size and truncation stand when the file already held only part of the body.
  return { ...written, size: Math.max(ref.size, written.size), truncated: ref.truncated || written.truncated };
}

type ImportStore = Pick<FlowStore, 'bodies' | 'messages' | 'nextSeq' | 'flowStarted' | 'flush'>;

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
  /** Imported flows the trim removed at once (the oldest of them). */
  trimmed: number;
  /** Flows stored before the import that its trim removed. */
  trimmedOther: number;
}

/**
 * Checks the HAR (throws HarImportError: nothing stored), then stores it entry by entry. `open` is called
 * once per pass: a file opens a fresh stream each time; a string is simply read twice.
 */
export async function importHar(store: ImportStore & Pick<FlowStore, 'onDidRemove'>, open: () => string | Buffer | AsyncIterable<Buffer | string>): Promise<ImportOutcome> {
  await scanHar(open());
  const ids = new Set<string>();
  let trimmed = 0;
  let trimmedOther = 0;
  const sub = store.onDidRemove(({ ids: removed }) => {
    for (const id of removed) {
      if (ids.delete(id)) trimmed++;
      else trimmedOther++;
    }
  });
  try {
    const scan = await scanHar(open(), (flow, bodies) => {
      ids.add(flow.id);
      storeOne(store, flow, bodies);
    });
    await store.flush();
    return { ...scan, kept: [...ids], trimmed, trimmedOther };
  } finally {
    sub.dispose();
  }
}

/** The CLI's and the UI's sentence about a trim an import caused; empty when nothing was trimmed. */
export function describeImportTrim(outcome: Pick<ImportOutcome, 'count' | 'trimmed' | 'trimmedOther'> & { kept: string[] | number }): string {
  const kept = typeof outcome.kept === 'number' ? outcome.kept : outcome.kept.length;
  if (outcome.trimmed === 0 && outcome.trimmedOther === 0) return '';
  const parts = [outcome.trimmed ? `${outcome.trimmed} of the imported flows (the oldest)` : '', outcome.trimmedOther ? `${outcome.trimmedOther} flows stored before` : ''].filter(Boolean);
  return `The store went over its limit and trimmed at once ${parts.join(' and ')}; ${kept} of the ${outcome.count} imported flows are kept.`;
}
