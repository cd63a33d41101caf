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
  /**
   * The body as text, or base64 when `encoding` says so; null when the body was empty or unreadable, or when
   * `bytes` holds it.
   */
  data: string | null;
  /**
   * The body as ASCII bytes JSON takes as they are (no control bytes, quotes or backslashes) and that no
   * masking has to read: the line's text goes around them (detailed-line.ts, lineText) and a log file copies
   * them into its buffer. A 64 KB body taken as a string cost a Latin-1 copy, its encoding back into bytes
   * (~25 µs in the proxy) and 130 KB of young-generation garbage per line.
   */
  bytes?: Buffer;
  encoding: 'text' | 'base64';
  truncated: boolean;
  /** Why the body is missing (a file that could not be read or decoded). */
  problem?: string;
  /**
   * `data` or `bytes` needs no escaping in JSON (base64, or ASCII text without quotes, backslashes or control
   * characters): a line may put it between quotes as it is (detailed-line.ts, lineText).
   */
  plain?: boolean;
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f]/;

/**
 * Text when declared textual or valid UTF-8 without control bytes other than whitespace. The checks run on the
 * bytes first (simdutf, well under a µs per 64 KB): ASCII text that JSON would not escape is found with one
 * word-at-a-time pass over the bytes (needsJsonEscape) instead of a fatal UTF-8 decode, a control character
 * scan and JSON.stringify's own scan (~1.2 µs per KB) one after another.
 */
function asText(bytes: Buffer, contentType: string | undefined): { text: string; plain: boolean } | undefined {
  const declared = contentType !== undefined && TEXTUAL.test(contentType.trim());
  if (isAscii(bytes)) {
    const text = bytes.toString('latin1');
    if (!needsJsonEscape(bytes)) return { text, plain: true };
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
  const type = ref.contentType?.toLowerCase() ?? '';
  if (isAscii(kept) && !needsJsonEscape(kept) && !(mask && maskable(type, kept))) return { data: null, bytes: kept, encoding: 'text', truncated, plain: true };
  const decoded = asText(kept, ref.contentType);
  if (decoded === undefined) return { data: kept.toString('base64'), encoding: 'base64', truncated, plain: true };
  const { text } = decoded;
  const isJson = /json/.test(type) || (!type && /^\s*[[{]/.test(text));
  const masked = !mask ? text : isJson ? maskJsonText(text) : /x-www-form-urlencoded/.test(type) ? maskFormText(text) : text;
  return { data: masked, encoding: 'text', truncated, plain: decoded.plain && masked === text };
}

/**
 * Whether masking reads a body of this type: JSON (declared, or undeclared and starting with `[` or `{`; in
 * ASCII without control bytes only spaces can come first) and forms.
 */
function maskable(type: string, ascii: Buffer): boolean {
  if (/json|x-www-form-urlencoded/.test(type)) return true;
  if (type) return false;
  let i = 0;
  while (ascii[i] === 0x20) i++;
  return ascii[i] === 0x5b || ascii[i] === 0x7b;
}

/**
 * Whether ASCII bytes hold one JSON escapes in a string: a control byte (< 0x20), `"` or `\\`. Four bytes at a
 * time with the "has a byte less than n" and "has a zero byte" word tricks (exact for bytes below 0x80, which
 * isAscii guarantees): ~15 µs per 64 KB here, against ~57 µs for a regular expression over the Latin-1 text.
 */
export function needsJsonEscape(ascii: Buffer): boolean {
  const n = ascii.length;
  // Bytes before the first 4-byte boundary, then whole words, then the bytes after the last one.
  const head = Math.min(n, (4 - (ascii.byteOffset & 3)) & 3);
  if (escapedByteIn(ascii, 0, head)) return true;
  const count = (n - head) >> 2;
  const words = new Uint32Array(ascii.buffer, ascii.byteOffset + head, count);
  let k = 0;
  for (; k + 8 <= count; k += 8) {
    if ((flagged(words[k]) | flagged(words[k + 1]) | flagged(words[k + 2]) | flagged(words[k + 3]) | flagged(words[k + 4]) | flagged(words[k + 5]) | flagged(words[k + 6]) | flagged(words[k + 7])) !== 0) return true;
  }
  for (; k < count; k++) if (flagged(words[k]) !== 0) return true;
  return escapedByteIn(ascii, head + count * 4, n);
}

/** Non-zero when the word (four bytes below 0x80) has a byte below 0x20, a 0x22 (`"`) or a 0x5c (`\\`). */
function flagged(x: number): number {
  return ((x - 0x20202020) | ((x ^ 0x22222222) - 0x01010101) | ((x ^ 0x5c5c5c5c) - 0x01010101)) & ~x & 0x80808080;
}

function escapedByteIn(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c < 0x20 || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}
