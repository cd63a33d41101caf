/**
 * Small operations on the request and response messages the pipeline rewrites: body text in either
 * encoding, and the framing a replaced body needs (Content-Length set, Transfer-Encoding and
 * Content-Encoding of the old body gone). Header list edits are electron/common/headers.ts.
 */
import http from 'node:http';
import type { BodyEncoding } from '../../common/breakpoint';
import type { Headers } from '../../common/flow';
import { setHeader, withoutHeaders } from '../../common/headers';

/** The bytes of a body the user typed: UTF-8 text, or base64 (whitespace ignored). */
export function bodyFromText(text: string, encoding: BodyEncoding | undefined): Buffer {
  return encoding === 'base64' ? Buffer.from(text.replace(/\s+/g, ''), 'base64') : Buffer.from(text, 'utf8');
}

/**
 * Headers for a body Hindsight supplies: exactly one Content-Length matching it, no chunked framing.
 * `keepEncoding` false also drops Content-Encoding — the replacement is the bytes the user typed, not gzip.
 */
export function framedFor(headers: Headers, length: number, options: { keepEncoding?: boolean } = {}): Headers {
  const drop = options.keepEncoding ? ['transfer-encoding'] : ['transfer-encoding', 'content-encoding'];
  return setHeader(withoutHeaders(headers, drop), 'Content-Length', String(length));
}

/** The standard reason phrase for a status ('' for unknown ones). */
export function reasonPhrase(status: number): string {
  return http.STATUS_CODES[status] ?? '';
}
