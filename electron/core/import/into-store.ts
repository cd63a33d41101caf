/**
 * Puts parsed HAR flows into the flow store: each gets the store's next seq, its bodies are written as
 * body files (capped like captured ones), and the flow is recorded as a finished one.
 */
import type { BodyRef, BodySide, Flow } from '../../common/flow';
import type { FlowStore } from '../store/types';
import type { HarImport } from './har';
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

/** Writes a flow's imported messages to its message log (capped like captured ones); returns the totals. */
function storeMessages(store: Pick<FlowStore, 'messages'>, flowId: string, messages: ImportedMessage[]): MessageStats {
  const writer = store.messages.open(flowId);
  for (const { message, payload } of messages) writer.append(message, payload);
  writer.end();
  return { ...writer.stats };
}

/** Stores every imported flow; resolves once flows and body files are on disk. */
export async function importIntoStore(store: Pick<FlowStore, 'bodies' | 'messages' | 'nextSeq' | 'flowStarted' | 'flush'>, imported: HarImport): Promise<number> {
  for (const flow of imported.flows) {
    const bodies = imported.bodies.get(flow.id);
    const stored: Flow = { ...flow, seq: store.nextSeq(), request: { ...flow.request, body: storeBody(store, flow, 'request', flow.request.body, bodies?.request ?? null) } };
    if (flow.response) stored.response = { ...flow.response, body: storeBody(store, flow, 'response', flow.response.body, bodies?.response ?? null) };
    if (bodies?.messages?.length) stored.messages = storeMessages(store, flow.id, bodies.messages);
    store.flowStarted(stored);
  }
  await store.flush();
  return imported.flows.length;
}
