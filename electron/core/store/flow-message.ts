/**
 * A stored message (sink.ts's StoredMessage: meta and payload bytes) in the shape the API and the
 * exports hand out: below both, so an export reads the same shape without going through the API.
 */
import { isTextKind, type FlowMessage } from '../../common/message';
import type { StoredMessage } from './sink';

/** A stored message as the API returns it: text kinds as text, the others as base64. */
export function toFlowMessage(stored: StoredMessage): FlowMessage {
  const message: FlowMessage = { ...stored.meta };
  if (isTextKind(stored.meta.kind)) message.text = stored.payload.toString('utf8');
  else message.base64 = stored.payload.toString('base64');
  return message;
}
