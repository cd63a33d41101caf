/**
 * Small operations on the request and response messages the pipeline rewrites: header lists kept in
 * order with case and duplicates (the Flow's form), body text in either encoding, and the framing a
 * replaced body needs (Content-Length set, Transfer-Encoding and Content-Encoding of the old body gone).
 */
import http from 'node:http';
import type { BodyEncoding } from '../../common/breakpoint';
import type { Headers } from '../../common/flow';

export function decodeBody(text: string, encoding: BodyEncoding | undefined): Buffer {
  return encoding === 'base64' ? Buffer.from(text.replace(/\s+/g, ''), 'base64') : Buffer.from(text, 'utf8');
}

export function hasHeader(headers: Headers, name: string): boolean {
  const lower = name.toLowerCase();
  return headers.some(([k]) => k.toLowerCase() === lower);
}

export function withoutHeaders(headers: Headers, names: readonly string[]): Headers {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return headers.filter(([k]) => !drop.has(k.toLowerCase()));
}

/** Replaces every field of that name with one (where the first one was, else at the end). */
export function setHeader(headers: Headers, name: string, value: string): Headers {
  const lower = name.toLowerCase();
  const at = headers.findIndex(([k]) => k.toLowerCase() === lower);
  const rest = headers.filter(([k]) => k.toLowerCase() !== lower);
  if (at < 0) return [...rest, [name, value]];
  rest.splice(at, 0, [headers[at][0], value]);
  return rest;
}

/**
 * Headers for a body Hindsight supplies: exactly one Content-Length matching it, no chunked framing.
 * `keepEncoding` false also drops Content-Encoding — the replacement is the bytes the user typed, not gzip.
 */
export function framedFor(headers: Headers, length: number, options: { keepEncoding?: boolean } = {}): Headers {
  const drop = options.keepEncoding ? ['transfer-encoding'] : ['transfer-encoding', 'content-encoding'];
  return setHeader(withoutHeaders(headers, drop), 'Content-Length', String(length));
}

export function sameHeaders(a: Headers, b: Headers): boolean {
  return a.length === b.length && a.every(([k, v], i) => k === b[i][0] && v === b[i][1]);
}

/** The authority (host[:port]) of an absolute URL, as written. */
export function urlAuthority(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
}

/** The standard reason phrase for a status ('' for unknown ones). */
export function reasonPhrase(status: number): string {
  return http.STATUS_CODES[status] ?? '';
}
