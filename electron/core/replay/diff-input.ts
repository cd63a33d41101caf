/**
 * What flows.diff compares: two stored flows with their bodies read through the API's own body reader
 * (Content-Encoding undone as the UI shows it) and sorted into text and bytes for the pure diff
 * (electron/common/diff.ts).
 */
import { createHash } from 'node:crypto';
import type { DiffBody, DiffInput } from '../../common/diff';
import type { BodyRef, BodySide, Flow } from '../../common/flow';
import { readFlowBody } from '../store/body-read';
import { utf8Text } from '../export/body';
import type { AnyFlowStore } from '../store/types';

/** Decoded bodies above this are compared as bytes (equal or not), not parsed or diffed line by line. */
export const MAX_DIFFED_BODY = 8 * 1024 * 1024;

export async function diffInput(store: AnyFlowStore, flow: Flow): Promise<DiffInput> {
  return { flow, request: await diffBodyOf(store, flow, 'request'), response: await diffBodyOf(store, flow, 'response') };
}

async function diffBodyOf(store: AnyFlowStore, flow: Flow, side: BodySide): Promise<DiffBody> {
  const ref = flow[side]?.body;
  if (!ref || (ref.size === 0 && !ref.blob)) return { kind: 'none' };
  return diffBodyFrom(ref, await readFlowBody(store, flow.id, side, true));
}

/** A body for the diff from its reference and its decoded bytes (null: none could be read). */
export function diffBodyFrom(ref: BodyRef | undefined, body: { bytes: Buffer; decodeError?: string } | null): DiffBody {
  if (!ref || (ref.size === 0 && !body?.bytes.length)) return { kind: 'none' };
  const bytes = body?.bytes ?? Buffer.alloc(0);
  const summary: Omit<Extract<DiffBody, { kind: 'text' }>, 'kind' | 'text'> = { size: ref.size, truncated: ref.truncated };
  if (ref.contentType) summary.contentType = ref.contentType;
  if (body?.decodeError) summary.decodeError = body.decodeError;
  const text = bytes.length <= MAX_DIFFED_BODY ? utf8Text(bytes) : null;
  // NUL does not occur in text a person reads; it marks a binary format that happens to be valid UTF-8.
  if (text !== null && !text.includes('\0')) return { kind: 'text', text, ...summary };
  // Bytes are compared whole; the hash names them in reports (session replay, diff) where they cannot be shown.
  return { kind: 'binary', bytes, ...summary, sha256: createHash('sha256').update(bytes).digest('hex') };
}
