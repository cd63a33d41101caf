/**
 * A stored body as a log line carries it: decoded from its Content-Encoding, as text when it is text (JSON
 * kept as text, not nested), else base64 and marked so; cut at the log limit and marked truncated (also
 * when the store itself kept only part of it). Secret fields are masked in JSON and form bodies.
 *
 * The common large case, ASCII text with nothing JSON escapes (no quote, backslash or control byte), is
 * passed on as the bytes themselves (`plain`): the line writes them as they are (line-bytes.ts) instead of
 * decoding them to a string, escaping it and encoding it again.
 */
import { isAscii } from 'node:buffer';
import type { BodyRef } from '../../common/flow';
import { maskFormText, maskJsonText } from '../../common/log-mask';
import { decodeContent } from '../store/body-read';
import { isPlainJsonText } from './json-plain';

export interface LoggedBody {
  /** The body as text, or base64 when `encoding` says so; null when the body was empty, unreadable or `plain`. */
  data: string | null;
  /** Set instead of `data` for ASCII text that JSON writes unchanged: these are its bytes (see bodyText). */
  plain?: Buffer;
  encoding: 'text' | 'base64';
  truncated: boolean;
  /** Why the body is missing (a file that could not be read or decoded). */
  problem?: string;
}

/** Where the body's bytes come from: what capture kept in memory (`take`), else the store (`read`). */
export interface BodySource {
  read: (ref: BodyRef) => Promise<Buffer>;
  take?: (ref: BodyRef) => Buffer | undefined;
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-ndjson)\b)/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f]/;

/** The body's text, whether it came as `data` or as `plain` bytes. */
export function bodyText(body: LoggedBody): string | null {
  return body.plain ? body.plain.toString('latin1') : body.data;
}

/** Text when declared textual or valid UTF-8 without control bytes other than whitespace. */
function asText(bytes: Buffer, contentType: string | undefined): string | undefined {
  const declared = contentType !== undefined && TEXTUAL.test(contentType.trim());
  try {
    const text = utf8.decode(bytes);
    if (declared || !CONTROL.test(text)) return text;
  } catch {
    // A body cut at the limit may end inside a multi-byte character: drop that partial character.
    if (declared) return bytes.toString('utf8').replace(/\uFFFD+$/, '');
  }
  return undefined;
}

export async function loggedBody(ref: BodyRef | undefined, source: BodySource, limitBytes: number, mask: boolean): Promise<LoggedBody> {
  if (!ref || ref.size === 0 || !ref.blob) return { data: null, encoding: 'text', truncated: false };
  let bytes: Buffer;
  try {
    bytes = source.take?.(ref) ?? (await source.read(ref));
    if (ref.encoding && !/^\s*identity\s*$/i.test(ref.encoding)) bytes = await decodeContent(bytes, ref.encoding, ref.truncated);
  } catch (err) {
    return { data: null, encoding: 'text', truncated: ref.truncated, problem: (err as Error).message };
  }
  return bodyOfBytes(ref, bytes, limitBytes, mask);
}

/** The logged form of a body's (decoded) bytes. */
export function bodyOfBytes(ref: BodyRef, bytes: Buffer, limitBytes: number, mask: boolean): LoggedBody {
  const truncated = ref.truncated || bytes.length > limitBytes;
  const kept = bytes.length > limitBytes ? bytes.subarray(0, limitBytes) : bytes;
  const type = ref.contentType?.toLowerCase() ?? '';
  const maskable = mask && (/json/.test(type) || /x-www-form-urlencoded/.test(type) || !type);
  if (!maskable && isPlainJsonText(kept)) return { data: null, plain: kept, encoding: 'text', truncated };
  if (!maskable && isAscii(kept)) {
    // ASCII is valid UTF-8 and decodes to the same characters as latin1 (a plain copy).
    const text = kept.toString('latin1');
    if (!CONTROL.test(text) || TEXTUAL.test(ref.contentType?.trim() ?? '')) return { data: text, encoding: 'text', truncated };
    return { data: kept.toString('base64'), encoding: 'base64', truncated };
  }
  const text = asText(kept, ref.contentType);
  if (text === undefined) return { data: kept.toString('base64'), encoding: 'base64', truncated };
  const isJson = /json/.test(type) || (!type && /^\s*[[{]/.test(text));
  const masked = !mask ? text : isJson ? maskJsonText(text) : /x-www-form-urlencoded/.test(type) ? maskFormText(text) : text;
  return { data: masked, encoding: 'text', truncated };
}
