/**
 * The bytes a replay writes to the proxy: a request line, the headers exactly as given (order, case,
 * duplicates: written by hand, because Node's http client adds a Connection header of its own), and the body
 * framed the way the headers say. Everything is checked before a byte goes out, since headers written by
 * hand bypass Node's own checks: a line break in a value would smuggle a second request.
 *
 * Framing: with Transfer-Encoding: chunked the body is sent as one chunk; otherwise Content-Length is made
 * to match the body (a composed or edited body, a stored body whose header said otherwise), and added after
 * the other headers when there was none. Trailer fields (recorded after an h2 or chunked body) make an HTTP/1.1
 * request chunked, the only framing that carries them (RFC 9110 §6.5; Content-Length is dropped then); over
 * HTTP/2 they follow the body as trailing HEADERS (replay/client.ts). HTTP/2 requests (from HAR imports) lose their pseudo-headers
 * (:authority …), which HTTP/1.1 cannot carry; Host comes from :authority or the URL when absent.
 */
import net from 'node:net';
import type { Headers } from '../../common/flow';
import { parseAuthority, urlHost } from '../capture/target';

export class RequestError extends Error {
  override name = 'RequestError';
}

export interface WireRequest {
  secure: boolean;
  /** Where the proxy connects (no brackets for IPv6). */
  host: string;
  port: number;
  /** host:port as a CONNECT target. */
  authority: string;
  /** Absolute URL for http (a forward-proxy request), origin-form path for https (inside the tunnel). */
  target: string;
  method: string;
  httpVersion: '1.0' | '1.1';
  /** Sent over HTTP/2 (the proxy recorded the flow as h2): ALPN h2 inside the tunnel, or h2c with prior knowledge. */
  http2?: boolean;
  headers: Headers;
  /** Framed: chunk-encoded when the headers ask for chunked (over HTTP/1.1 with the trailers in its last chunk). */
  body: Buffer;
  /** Fields sent after the body; empty for none. */
  trailers: Headers;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const URL_PARTS = /^(https?):\/\/([^/?#]*)([^#]*)/i;

export function wireRequest(input: { method: string; url: string; httpVersion?: string; headers: Headers; body: Buffer; trailers?: Headers }): WireRequest {
  const { method, url, body } = input;
  if (!TOKEN.test(method)) throw new RequestError(`'${method.slice(0, 40)}' is not an HTTP method`);
  if (/[\s\u0000-\u001f\u007f]/.test(url)) throw new RequestError('the URL contains spaces or control characters');
  if (/[^\u0000-\u00ff]/.test(url)) throw new RequestError('the URL contains characters that must be percent-encoded');
  const m = URL_PARTS.exec(url);
  if (!m) throw new RequestError(`only http and https URLs can be sent (got ${url.slice(0, 80)})`);
  const secure = m[1].toLowerCase() === 'https';
  const to = parseAuthority(m[2], secure ? 443 : 80);
  if (!to) throw new RequestError(`the URL has a bad host or port: ${m[2].slice(0, 80)}`);
  const path = m[3] || '/';
  const authority = `${urlHost(to.host)}:${to.port}`;

  let headers: Headers = [];
  let pseudoAuthority: string | undefined;
  for (const [name, value] of input.headers) {
    if (name.startsWith(':')) {
      if (name === ':authority') pseudoAuthority = value;
      continue;
    }
    checkField(name, value, 'header');
    headers.push([name, value]);
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) headers.unshift(['Host', pseudoAuthority ?? m[2].replace(/^[^@]*@/, '')]);
  const trailers = checkedTrailers(input.trailers ?? []);
  const http2 = input.httpVersion === '2';
  if (trailers.length > 0 && !http2) {
    if (input.httpVersion === '1.0') throw new RequestError('trailer fields need HTTP/1.1 (chunked) or HTTP/2; HTTP/1.0 cannot carry them');
    if (!headers.some(([name]) => name.toLowerCase() === 'transfer-encoding')) headers.push(['Transfer-Encoding', 'chunked']);
  }

  const chunked = !http2 && headers.some(([name, value]) => name.toLowerCase() === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value));
  let framed = body;
  if (chunked) {
    headers = headers.filter(([name]) => name.toLowerCase() !== 'content-length');
    const last = Buffer.from(`0\r\n${trailers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`, 'latin1');
    framed = Buffer.concat([body.length > 0 ? Buffer.from(`${body.length.toString(16)}\r\n`) : Buffer.alloc(0), body, body.length > 0 ? Buffer.from('\r\n') : Buffer.alloc(0), last]);
  } else if (headers.some(([name]) => name.toLowerCase() === 'content-length')) {
    headers = headers.map(([name, value]) => (name.toLowerCase() === 'content-length' ? [name, String(body.length)] : [name, value]));
  } else if (body.length > 0 && !http2) {
    // HTTP/2 frames the body itself: a flow recorded without Content-Length goes without (and its trailers, if
    // the proxy forwards it over HTTP/1.1, then go in the chunked body they need).
    headers.push(['Content-Length', String(body.length)]);
  }
  return {
    secure,
    host: to.host,
    port: to.port,
    authority,
    target: secure ? path : m[0],
    method,
    httpVersion: input.httpVersion === '1.0' ? '1.0' : '1.1',
    // '2' is what the proxy records for an h2 exchange; a HAR import's "http/2.0" ('2.0') keeps going out over
    // HTTP/1.1 as before (its origin may never have been reachable over h2 from here).
    ...(http2 ? { http2: true } : {}),
    headers,
    body: framed,
    trailers,
  };
}

/** Headers written by hand bypass Node's checks: a line break in a value would smuggle a second request. */
function checkField(name: string, value: string, kind: 'header' | 'trailer'): void {
  if (!TOKEN.test(name)) throw new RequestError(`'${name.slice(0, 40)}' is not a valid ${kind} name`);
  if (/[\r\n\0]/.test(value)) throw new RequestError(`the ${name} ${kind} contains a line break`);
  if (/[^\u0000-\u00ff]/.test(value)) throw new RequestError(`the ${name} ${kind} contains characters beyond Latin-1, which a ${kind} cannot carry as text`);
}

/** Trailer fields, checked like headers (a pseudo-header is no valid name among them). */
function checkedTrailers(fields: Headers): Headers {
  for (const [name, value] of fields) checkField(name, value, 'trailer');
  return fields;
}

/** Request line and header block, ready for the socket. Header values go out as latin1, as Node's own client sends them. */
export function requestHead(w: WireRequest): Buffer {
  const lines = [`${w.method} ${w.target} HTTP/${w.httpVersion}`, ...w.headers.map(([name, value]) => `${name}: ${value}`), '', ''];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** The CONNECT request that opens the tunnel for an https replay. */
export function connectHead(w: WireRequest): Buffer {
  return Buffer.from(`CONNECT ${w.authority} HTTP/1.1\r\nHost: ${w.authority}\r\n\r\n`, 'latin1');
}

export const isIpLiteral = (host: string) => net.isIP(host) !== 0;
