/**
 * The bytes a replay writes to the proxy: a request line, the headers exactly as given (order, case,
 * duplicates: written by hand, because Node's http client adds a Connection header of its own), and the body
 * framed the way the headers say. Everything is checked before a byte goes out, since headers written by
 * hand bypass Node's own checks: a line break in a value would smuggle a second request.
 *
 * Framing: with Transfer-Encoding: chunked the body is sent as one chunk; otherwise Content-Length is made
 * to match the body (a composed or edited body, a stored body whose header said otherwise), and added after
 * the other headers when there was none. HTTP/2 requests (from HAR imports) lose their pseudo-headers
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
  /** Framed: chunk-encoded when the headers ask for chunked. */
  body: Buffer;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const URL_PARTS = /^(https?):\/\/([^/?#]*)([^#]*)/i;

export function wireRequest(input: { method: string; url: string; httpVersion?: string; headers: Headers; body: Buffer }): WireRequest {
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
    if (!TOKEN.test(name)) throw new RequestError(`'${name.slice(0, 40)}' is not a valid header name`);
    if (/[\r\n\0]/.test(value)) throw new RequestError(`the ${name} header contains a line break`);
    if (/[^\u0000-\u00ff]/.test(value)) throw new RequestError(`the ${name} header contains characters beyond Latin-1, which a header cannot carry as text`);
    headers.push([name, value]);
  }
  if (!headers.some(([name]) => name.toLowerCase() === 'host')) headers.unshift(['Host', pseudoAuthority ?? m[2].replace(/^[^@]*@/, '')]);

  const chunked = headers.some(([name, value]) => name.toLowerCase() === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value));
  let framed = body;
  if (chunked) {
    headers = headers.filter(([name]) => name.toLowerCase() !== 'content-length');
    framed = Buffer.concat([body.length > 0 ? Buffer.from(`${body.length.toString(16)}\r\n`) : Buffer.alloc(0), body, Buffer.from(body.length > 0 ? '\r\n0\r\n\r\n' : '0\r\n\r\n')]);
  } else if (headers.some(([name]) => name.toLowerCase() === 'content-length')) {
    headers = headers.map(([name, value]) => (name.toLowerCase() === 'content-length' ? [name, String(body.length)] : [name, value]));
  } else if (body.length > 0) {
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
    ...(input.httpVersion === '2' ? { http2: true } : {}),
    headers,
    body: framed,
  };
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
