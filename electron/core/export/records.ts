/**
 * What every export reads: a flow with its body bytes. Bodies are read from the body store one flow at a
 * time, as the export consumes them, so a 60,000-flow export never holds more than one flow's bodies.
 */
import type { BodyRef, Flow } from '../../common/flow';
import type { BodyStoreLike } from '../store/sink';
import type { FlowMessage } from '../../common/message';

export interface ExportRecord {
  flow: Flow;
  /** The stored request body (raw as received), null when there is none or it was not read. */
  request: Buffer | null;
  response: Buffer | null;
  /** A WebSocket's messages, when the format carries them (HAR). */
  messages?: FlowMessage[];
}

async function readBody(bodies: BodyStoreLike, ref: BodyRef | undefined): Promise<Buffer | null> {
  if (!ref?.blob) return null;
  return bodies.read(ref);
}

/** Pairs flows with their bodies, lazily. `response: false` skips reading responses (curl, Postman). */
export async function* withBodies(
  flows: AsyncIterable<Flow> | Iterable<Flow>,
  bodies: BodyStoreLike,
  sides: { request?: boolean; response?: boolean } = {},
): AsyncGenerator<ExportRecord> {
  const { request = true, response = true } = sides;
  for await (const flow of flows) {
    yield {
      flow,
      request: request ? await readBody(bodies, flow.request.body) : null,
      response: response ? await readBody(bodies, flow.response?.body) : null,
    };
  }
}
