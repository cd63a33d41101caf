/**
 * A stored body as a log line carries it: decoded from its Content-Encoding, as text when it is text (JSON
 * kept as text, not nested), else base64 and marked so; cut at the log limit and marked truncated (also
 * when the store itself kept only part of it). Secret fields are masked in JSON and form bodies.
 *
 * With `asBytes`, text that is UTF-8 and needs no masking stays bytes (`text`, a view of the body) for
 * line-bytes.ts to write as they are: the same line, without a string of the body (issue 20).
 */
import type { BodyRef } from '../../common/flow';
import { maskFormText, maskJsonText } from '../../common/log-mask';
import { decodeContent } from '../store/body-read';
import { CONTROL, ESCAPE, scanText, utf8Text } from './json-bytes';
import { mayHoldSecrets } from './secret-words';

export interface LoggedBody {
  /** The body as text, or base64 when `encoding` says so; null when the body was empty, unreadable or in `text`. */
  data: string | null;
  /** Set instead of `data` (asBytes): the text's UTF-8 bytes, a view of the body to be written unchanged. */
  text?: Uint8Array;
  /** With `text`: JSON needs no escape in it (no control byte, quote or backslash), so it goes in as it is. */
  plain?: boolean;
  encoding: 'text' | 'base64';
  truncated: boolean;
  /** Why the body is missing (a file that could not be read or decoded). */
  problem?: string;
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text when declared textual or valid UTF-8 without control bytes other than whitespace. */
function asText(bytes: Buffer, contentType: string | undefined): string | undefined {
  const declared = contentType !== undefined && TEXTUAL.test(contentType.trim());
  try {
    const text = utf8.decode(bytes);
    // eslint-disable-next-line no-control-regex
    if (declared || !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return text;
  } catch {
    // A body cut at the limit may end inside a multi-byte character: drop that partial character.
    if (declared) return bytes.toString('utf8').replace(/\uFFFD+$/, '');
  }
  return undefined;
}

/**
 * The byte path's options: `take` gives the chunks of the first bytes of a body the store still holds,
 * without a copy (several are joined: copying them into the line's arena instead cost the whole proxy more
 * CPU in the capture bench, 1,765/1,229 against 1,533/1,093 µs per request at http-100k).
 */
export interface AsBytes {
  take?: (ref: BodyRef, maxBytes: number) => Buffer[] | undefined;
}

export async function loggedBody(ref: BodyRef | undefined, read: (ref: BodyRef) => Promise<Buffer>, limitBytes: number, mask: boolean, asBytes?: AsBytes): Promise<LoggedBody> {
  if (!ref || ref.size === 0 || !ref.blob) return { data: null, encoding: 'text', truncated: false };
  const identity = !ref.encoding || /^\s*identity\s*$/i.test(ref.encoding);
  const chunks = asBytes && identity ? asBytes.take?.(ref, limitBytes) : undefined;
  if (chunks) {
    const taken = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    // The stored body is storedSize bytes long (what read() would return); these are the first of them.
    const truncated = ref.truncated || ref.storedSize > limitBytes;
    return bytesAsText(taken, ref.contentType, mask, truncated) ?? textOrBase64(taken, ref.contentType, mask, truncated);
  }
  let bytes: Buffer;
  try {
    bytes = await read(ref);
    if (!identity) bytes = await decodeContent(bytes, ref.encoding!, ref.truncated);
  } catch (err) {
    return { data: null, encoding: 'text', truncated: ref.truncated, problem: (err as Error).message };
  }
  const truncated = ref.truncated || bytes.length > limitBytes;
  const kept = bytes.length > limitBytes ? bytes.subarray(0, limitBytes) : bytes;
  return (asBytes && bytesAsText(kept, ref.contentType, mask, truncated)) || textOrBase64(kept, ref.contentType, mask, truncated);
}

/** The string path: the body decoded (and masked), or base64. */
function textOrBase64(kept: Buffer, contentType: string | undefined, mask: boolean, truncated: boolean): LoggedBody {
  const text = asText(kept, contentType);
  if (text === undefined) return { data: kept.toString('base64'), encoding: 'base64', truncated };
  const type = contentType?.toLowerCase() ?? '';
  const isJson = /json/.test(type) || (!type && /^\s*[[{]/.test(text));
  const masked = !mask ? text : isJson ? maskJsonText(text) : /x-www-form-urlencoded/.test(type) ? maskFormText(text) : text;
  return { data: masked, encoding: 'text', truncated };
}

/**
 * The body as `text` bytes when that gives the very line the string path gives; undefined where only the
 * string path knows (UTF-8 errors it replaces, a JSON or form body that may need masking).
 */
function bytesAsText(kept: Buffer, contentType: string | undefined, mask: boolean, truncated: boolean): LoggedBody | undefined {
  const utf8Bytes = utf8Text(kept);
  if (!utf8Bytes) return undefined;
  const declared = contentType !== undefined && TEXTUAL.test(contentType.trim());
  const found = scanText(utf8Bytes.bytes);
  if (!declared && (utf8Bytes.cut || found & CONTROL)) return { data: kept.toString('base64'), encoding: 'base64', truncated };
  if (mask) {
    const type = contentType?.toLowerCase() ?? '';
    // Untyped text is JSON when it looks so: checking it as JSON is the cautious side either way.
    const json = /json/.test(type) || !type;
    const form = !json && /x-www-form-urlencoded/.test(type);
    if ((json && mayHoldSecrets(utf8Bytes.bytes, 'json')) || (form && mayHoldSecrets(utf8Bytes.bytes, 'form'))) return undefined;
  }
  return { data: null, text: utf8Bytes.bytes, plain: (found & ESCAPE) === 0, encoding: 'text', truncated };
}
