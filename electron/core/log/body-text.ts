/**
 * A stored body as a log line carries it: decoded from its Content-Encoding, as text when it is text (JSON
 * kept as text, not nested), else base64 and marked so; cut at the log limit and marked truncated (also
 * when the store itself kept only part of it). Secret fields are masked in JSON and form bodies.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { BodyRef } from '../../common/flow';
import { maskFormText, maskJsonText } from '../../common/log-mask';
import { decodeContent } from '../store/body-read';

export interface LoggedBody {
  /** The body as text, or base64 when `encoding` says so; null when the body was empty or unreadable. */
  data: string | null;
  encoding: 'text' | 'base64';
  truncated: boolean;
  /** Why the body is missing (a file that could not be read or decoded). */
  problem?: string;
  /**
   * `data` needs no escaping in JSON (base64, or ASCII text without quotes, backslashes or control
   * characters): a line may put it between quotes as it is (detailed-line.ts, lineText).
   */
  plain?: boolean;
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f]/;
/** What JSON.stringify would escape in ASCII text. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * Text when declared textual or valid UTF-8 without control bytes other than whitespace. The checks run on the
 * bytes first (simdutf, well under a µs per 64 KB): ASCII text is decoded as Latin-1 and scanned once, for
 * control characters and what JSON would escape together, instead of a fatal UTF-8 decode, a control
 * character scan and JSON.stringify's own scan (~1.2 µs per KB) one after another.
 */
function asText(bytes: Buffer, contentType: string | undefined): { text: string; plain: boolean } | undefined {
  const declared = contentType !== undefined && TEXTUAL.test(contentType.trim());
  if (isAscii(bytes)) {
    const text = bytes.toString('latin1');
    if (!NEEDS_ESCAPE.test(text)) return { text, plain: true };
    return declared || !CONTROL.test(text) ? { text, plain: false } : undefined;
  }
  if (isUtf8(bytes)) {
    const text = bytes.toString('utf8');
    return declared || !CONTROL.test(text) ? { text, plain: false } : undefined;
  }
  // A body cut at the limit may end inside a multi-byte character: drop that partial character.
  return declared ? { text: bytes.toString('utf8').replace(/\uFFFD+$/, ''), plain: false } : undefined;
}

const EMPTY: LoggedBody = Object.freeze({ data: null, encoding: 'text', truncated: false });

function isEncoded(encoding: string | undefined): encoding is string {
  return !!encoding && !/^\s*identity\s*$/i.test(encoding);
}

/**
 * Without waiting, when that is possible: the body is empty, or `kept` holds its bytes (the body store's
 * recent bodies) and they need no decoding. Undefined means: use loggedBody().
 */
export function loggedBodyNow(ref: BodyRef | undefined, kept: Buffer | undefined, limitBytes: number, mask: boolean): LoggedBody | undefined {
  if (!ref || ref.size === 0 || !ref.blob) return EMPTY;
  if (!kept || isEncoded(ref.encoding)) return undefined;
  return fromBytes(kept, ref, limitBytes, mask);
}

export async function loggedBody(ref: BodyRef | undefined, read: (ref: BodyRef) => Promise<Buffer>, limitBytes: number, mask: boolean): Promise<LoggedBody> {
  if (!ref || ref.size === 0 || !ref.blob) return EMPTY;
  let bytes: Buffer;
  try {
    bytes = await read(ref);
    if (isEncoded(ref.encoding)) bytes = await decodeContent(bytes, ref.encoding, ref.truncated);
  } catch (err) {
    return { data: null, encoding: 'text', truncated: ref.truncated, problem: (err as Error).message };
  }
  return fromBytes(bytes, ref, limitBytes, mask);
}

function fromBytes(bytes: Buffer, ref: BodyRef, limitBytes: number, mask: boolean): LoggedBody {
  const truncated = ref.truncated || bytes.length > limitBytes;
  const kept = bytes.length > limitBytes ? bytes.subarray(0, limitBytes) : bytes;
  const decoded = asText(kept, ref.contentType);
  if (decoded === undefined) return { data: kept.toString('base64'), encoding: 'base64', truncated, plain: true };
  const { text } = decoded;
  const type = ref.contentType?.toLowerCase() ?? '';
  const isJson = /json/.test(type) || (!type && /^\s*[[{]/.test(text));
  const masked = !mask ? text : isJson ? maskJsonText(text) : /x-www-form-urlencoded/.test(type) ? maskFormText(text) : text;
  return { data: masked, encoding: 'text', truncated, plain: decoded.plain && masked === text };
}
