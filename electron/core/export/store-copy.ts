/**
 * Copies flows with their bodies and message logs from one store to another (`hindsight store copy`,
 * issue 21): embedded → PostgreSQL when a team outgrows one machine, and back. Flows keep their ids; they
 * keep their seqs too when the destination starts empty (so a round trip gives the same store), else they
 * are numbered after the destination's own. A flow whose id the destination already has is skipped, so an
 * interrupted copy can simply be run again.
 */
import type { BodyRef, BodySide, Flow } from '../../common/flow';
import { matchingIds, storeSource } from './source';
import type { AnyFlowStore } from '../store/types';

export interface CopyOutcome {
  copied: number;
  skipped: number;
}

/** Messages read per page from the source log. */
const MESSAGE_PAGE = 1000;

export async function copyFlows(from: AnyFlowStore, to: AnyFlowStore, onProgress?: (done: number, total: number) => void): Promise<CopyOutcome> {
  await Promise.all([from.ready, to.ready]);
  const keepSeqs = to.count() === 0;
  const ids = await matchingIds(storeSource(from), '');
  const outcome: CopyOutcome = { copied: 0, skipped: 0 };
  for (const [i, id] of ids.entries()) {
    const flow = await from.get(id);
    if (!flow) continue;
    if (await to.get(id)) {
      outcome.skipped++;
      continue;
    }
    const copy: Flow = structuredClone(flow);
    if (!keepSeqs) copy.seq = to.nextSeq();
    copy.request.body = await copyBody(from, to, flow, 'request', flow.request.body);
    if (flow.response && copy.response) copy.response.body = await copyBody(from, to, flow, 'response', flow.response.body);
    if (flow.messages) await copyMessages(from, to, flow.id);
    // A log packed into the source's segments (message-log.ts) is a file of its own here.
    if (copy.messages) delete copy.messages.log;
    to.flowStarted(copy);
    outcome.copied++;
    // Written as it goes: memory stays flat whatever the store's size.
    if (outcome.copied % 500 === 0) await to.flush();
    if ((i + 1) % 1000 === 0) onProgress?.(i + 1, ids.length);
  }
  await to.flush();
  return outcome;
}

async function copyBody(from: AnyFlowStore, to: AnyFlowStore, flow: Flow, side: BodySide, ref: BodyRef): Promise<BodyRef> {
  if (!ref.blob) return { ...ref };
  const bytes = await from.bodies.read(ref);
  const info: { contentType?: string; encoding?: string } = {};
  if (ref.contentType) info.contentType = ref.contentType;
  if (ref.encoding) info.encoding = ref.encoding;
  const writer = to.bodies.open(flow.id, side, info);
  writer.write(bytes);
  const written = writer.end();
  // What was seen on the wire stays as captured; what is kept is what the destination stored.
  const copied: BodyRef = { ...ref, storedSize: written.storedSize, truncated: ref.size > written.storedSize };
  if (written.blob) copied.blob = written.blob;
  else delete copied.blob;
  return copied;
}

async function copyMessages(from: AnyFlowStore, to: AnyFlowStore, flowId: string): Promise<void> {
  const writer = to.messages.open(flowId);
  let after = 0;
  for (;;) {
    const page = await from.messages.read(flowId, { after, limit: MESSAGE_PAGE });
    for (const { meta, payload } of page.messages) {
      const { seq: _seq, ...rest } = meta;
      writer.append(rest, payload);
    }
    if (page.next === undefined) break;
    after = page.next;
  }
  writer.end();
}
