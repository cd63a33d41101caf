/**
 * The request line of a connection's first request, kept from the connection's first chunk of bytes, for
 * failures before a request exists (early-failures.ts). Node's parser reports a refused request (headers over
 * the limit: 431) with only the chunk it choked on; when the request line came in an earlier chunk (a client
 * that writes it first, or headers larger than one read), the failed flow would name no URL.
 *
 * The first chunk is read in JavaScript anyway on every plain connection (socks.ts tells SOCKS from HTTP by it)
 * and every plain tunnel (the patch's hand-off puts it back before the HTTP server reads it), so keeping its
 * line costs one short scan per connection. It stands only for the connection's first request: once a request
 * (or a CONNECT) was parsed, a later refusal on the same connection is about another one, and it is dropped.
 */
import type net from 'node:net';
import type { Duplex } from 'node:stream';

export interface RequestLine {
  method: string;
  /** The request target as sent: absolute-form (a proxy request), origin-form (`/path?q`), or authority-form. */
  target: string;
  /** "1.1" or "1.0" when the line got that far. */
  version?: string;
}

/** The longest request line read (a 70 KB one is itself the failure: what is kept of it names it). */
export const MAX_REQUEST_LINE = 2_112;

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) (\S+)(?: HTTP\/(\d\.\d))?/;

/** The request line at the start of `text`, or undefined when it does not start with one. */
export function parseRequestLine(text: string): RequestLine | undefined {
  const m = REQUEST_LINE.exec(text);
  if (!m) return undefined;
  return m[3] ? { method: m[1], target: m[2], version: m[3] } : { method: m[1], target: m[2] };
}

/** The request line at the start of `bytes`, read as UTF-8 (a target with raw UTF-8 is shown as the client meant it). */
export function requestLineOf(bytes: Buffer): RequestLine | undefined {
  const end = bytes.indexOf(0x0a);
  return parseRequestLine(bytes.toString('utf8', 0, end === -1 || end > MAX_REQUEST_LINE ? Math.min(bytes.length, MAX_REQUEST_LINE) : end));
}

const firstLines = new WeakMap<Duplex, RequestLine>();

/** A connection's first bytes arrived: its first request's line, when they start with one. */
export function noteFirstChunk(socket: Duplex, first: Buffer): void {
  const line = requestLineOf(first);
  if (line) firstLines.set(socket, line);
}

/** A request was parsed on this connection: what the first chunk said is no longer about the next one. */
export function requestParsed(socket: Duplex): void {
  firstLines.delete(socket);
}

/** The line of the connection's first request, while that request has not been parsed. */
export function firstRequestLine(socket: Duplex): RequestLine | undefined {
  return firstLines.get(socket);
}

/** How long an intercepted TLS connection may stay silent before its first request (as a tunnel's handshake may). */
const FIRST_BYTES_MS = 120_000;

/**
 * The same for the in-process HTTPS server's connections (the decrypted side of intercepted tunnels), whose
 * bytes Node's HTTP server otherwise reads natively, out of JavaScript's sight: its HTTP/1.1 listeners are
 * put behind a read of the first decrypted chunk, which is noted and put back before they run (one read in
 * JavaScript per connection; the requests after it are read natively as before). Call after anything else
 * that wraps those listeners (request-target-bytes.ts), so the chunk put back passes through it too.
 */
export function noteFirstTlsChunks(server: net.Server): void {
  const http1 = server.listeners('secureConnection') as ((socket: net.Socket) => void)[];
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (socket: net.Socket) => {
    socket.setTimeout(FIRST_BYTES_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      noteFirstChunk(socket, first);
      for (const listener of http1) listener.call(server, socket);
      socket.resume();
    });
  });
}
