/**
 * HTTP/2 to origins, on Node's own `http2` client: one session per origin (scheme, host, port), shared by
 * every client's requests, TLS verified through the same prebuilt context as HTTP/1.1 (upstream.ts).
 *
 * Which protocol an https origin speaks is learned by ALPN, once: the first request that came in over h2
 * for an unknown origin opens a TLS connection offering h2 and http/1.1 (probe()); an origin that picks h2
 * keeps that connection as its session, one that picks http/1.1 is remembered as such and served by the
 * HTTP/1.1 pool from then on. An HTTP/1.1 client's requests to an origin known to speak h2 go over h2 too.
 * Plain-text origins get h2c (prior knowledge) only for requests with h2-only semantics (gRPC, trailers).
 *
 * `H2UpstreamRequest` gives the forwarder (forward.ts) the shape of http.ClientRequest it already drives —
 * a Writable for the request body that emits 'socket', 'response', 'timeout', 'error' — so the exchange,
 * its rules, timings and failures stay one code path for both protocols.
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { Writable } from 'node:stream';
import { urlHost, type Target } from '../target';
import { h1RequestToH2, h1ResponseToH2, objectToRaw } from './translate';
import { timedSocket } from '../upstream';

export type OriginProtocol = 'h2' | 'http/1.1';

export interface H2UpstreamOptions {
  insecure?: boolean;
  secureContext: tls.SecureContext;
  lookup?: net.LookupFunction;
  timeoutMs: number;
  bodyIdleTimeoutMs: number;
  /** A session with no open stream is closed after this long. */
  idleMs: number;
}

/** The response as forward.ts reads it: the stream's body plus IncomingMessage's fields. */
export interface H2Response extends http2.ClientHttp2Stream {
  statusCode: number;
  statusMessage: string;
  httpVersion: '2.0';
  headers: http2.IncomingHttpHeaders;
  rawHeaders: string[];
  rawTrailers: string[];
  complete: boolean;
  /** The response ended with its headers (no body, e.g. a gRPC trailers-only answer). */
  endedWithHeaders: boolean;
}

const { NGHTTP2_CANCEL } = http2.constants;

export class H2Upstream {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly protocols = new Map<string, OriginProtocol>();
  private readonly probes = new Map<string, Promise<void>>();
  /** Sessions that have carried a stream: a new stream on one reports reusedConnection. */
  private readonly used = new WeakSet<http2.ClientHttp2Session>();
  /** Each session's own socket (session.socket is a proxy object, unknown to timesOf()). */
  private readonly sockets = new WeakMap<http2.ClientHttp2Session, net.Socket>();

  constructor(private readonly options: H2UpstreamOptions) {}

  /**
   * Verifies new sessions against another CA list (Settings → Server CAs). Open sessions were verified against
   * the old one: they finish their streams and close, and the next request opens a new session.
   */
  setSecureContext(secureContext: tls.SecureContext): void {
    this.options.secureContext = secureContext;
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }

  /** What ALPN said for this origin, when it was asked. */
  protocolOf(target: Target): OriginProtocol | undefined {
    return this.protocols.get(keyOf(target));
  }

  /** Remembers an origin's protocol learned elsewhere (an HTTP/2-only origin that refused http/1.1). */
  learn(target: Target, protocol: OriginProtocol): void {
    this.protocols.set(keyOf(target), protocol);
  }

  /**
   * Opens a TLS connection offering h2 and http/1.1 and remembers the answer; an h2 connection becomes the
   * origin's session. Never rejects: a connection that fails leaves the origin unknown, and the request then
   * fails on the HTTP/1.1 path with the usual, precise failure.
   */
  probe(target: Target): Promise<void> {
    const key = keyOf(target);
    let pending = this.probes.get(key);
    if (pending) return pending;
    pending = new Promise<void>((resolve) => {
      const socket = this.tlsSocket(target);
      const timer = setTimeout(() => socket.destroy(), this.options.timeoutMs);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        this.probes.delete(key);
        resolve();
      };
      socket.once('error', done);
      socket.once('close', done);
      socket.once('secureConnect', () => {
        socket.off('error', done);
        socket.off('close', done);
        if (socket.alpnProtocol === 'h2') {
          try {
            this.open(target, () => socket);
            this.protocols.set(key, 'h2');
          } catch {
            // Thrown inside a socket event it would end the process: the origin stays unknown, and the request
            // goes the HTTP/1.1 path, which names what fails.
            socket.destroy();
          }
        } else {
          this.protocols.set(key, 'http/1.1');
          socket.destroy();
        }
        done();
      });
    });
    this.probes.set(key, pending);
    return pending;
  }

  /** A request on the origin's session (opened now when there is none). */
  request(target: Target, method: string, headers: string[]): H2UpstreamRequest {
    const session = this.sessionFor(target);
    const reused = this.used.has(session);
    this.used.add(session);
    const authority = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    const h2headers = h1RequestToH2(headers, method, target.path, target.secure ? 'https' : 'http', authority);
    return new H2UpstreamRequest(session, this.sockets.get(session) ?? (session.socket as net.Socket), h2headers, reused, this.options);
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }

  private sessionFor(target: Target): http2.ClientHttp2Session {
    const key = keyOf(target);
    const existing = this.sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    return this.open(target, () => (target.secure ? this.tlsSocket(target) : timedSocket(this.options.lookup, (lookup) => net.connect({ host: target.host, port: target.port, lookup }))));
  }

  private open(target: Target, connect: () => net.Socket): http2.ClientHttp2Session {
    const key = keyOf(target);
    let socket: net.Socket | undefined;
    // The origin's URL, not the pool key: "s127.0.0.1" (the key of an https origin by IPv4) is no valid host, and
    // http2.connect() threw on it, taking the proxy down with it.
    const session = http2.connect(`${target.secure ? 'https' : 'http'}://${urlHost(target.host)}:${target.port}`, { createConnection: () => (socket = connect()) });
    if (socket) this.sockets.set(session, socket);
    this.sessions.set(key, session);
    const forget = () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    session.on('error', forget);
    session.once('close', forget);
    session.once('goaway', forget);
    session.setTimeout(this.options.idleMs, () => {
      // Only an idle session is closed; one with streams open is busy, not idle.
      const state = session.state as { streamCount?: number } | undefined;
      if (!state?.streamCount) session.close();
    });
    return session;
  }

  private tlsSocket(target: Target): tls.TLSSocket {
    return timedSocket(this.options.lookup, (lookup) =>
      tls.connect({
        host: target.host,
        port: target.port,
        servername: net.isIP(target.host) ? undefined : target.host,
        secureContext: this.options.secureContext,
        rejectUnauthorized: !this.options.insecure,
        ALPNProtocols: ['h2', 'http/1.1'],
        lookup,
      }),
    ) as tls.TLSSocket;
  }
}

function keyOf(target: Target): string {
  return `${target.secure ? 's' : ''}${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

/** One request on an h2 session, driven by forward.ts as it drives http.ClientRequest. */
export class H2UpstreamRequest extends Writable {
  readonly reusedSocket: boolean;
  readonly stream: http2.ClientHttp2Stream;
  private timer?: NodeJS.Timeout;
  private answered = false;
  /** The request's trailer fields (addTrailers), sent when the body has gone ('wantTrailers'). */
  private trailers: Record<string, string | string[]> = {};

  constructor(
    session: http2.ClientHttp2Session,
    socket: net.Socket,
    headers: http2.OutgoingHttpHeaders,
    reused: boolean,
    private readonly limits: { timeoutMs: number; bodyIdleTimeoutMs: number },
  ) {
    // Not destroyed on finish: the request body has ended, the response is still to come on the same stream.
    super({ autoDestroy: false });
    this.reusedSocket = reused;
    // waitForTrailers: the stream stays open after the body's last DATA frame, so trailer fields the client sends
    // after its body (known only once the body ended) can follow it (RFC 9113 §8.1); none: an empty frame ends it.
    this.stream = session.request(headers, { endStream: false, waitForTrailers: true });
    const stream = this.stream;
    stream.once('wantTrailers', () => this.sendTrailers());
    this.arm();
    process.nextTick(() => this.emit('socket', socket));
    // A session's error reaches each of its streams as that stream's error.
    stream.on('error', (err) => this.failed(err));
    stream.once('response', (head, flags) => this.onResponse(head, flags));
    stream.once('close', () => {
      this.clear();
      if (!this.answered && !this.destroyed) this.failed(Object.assign(new Error(`stream closed (code ${stream.rstCode})`), { code: stream.rstCode === 0 ? 'ECONNRESET' : `HTTP2_STREAM_${stream.rstCode}` }));
    });
    this.once('finish', () => {
      // The wait for the response is counted again from the request's last byte.
      if (!this.answered) this.arm();
    });
  }

  /**
   * Trailer fields to send after the body, as http.ClientRequest takes them (forward.ts calls it when the client's
   * body ended, before the body's end reaches this stream). Names lower-cased, connection-specific fields left out.
   */
  addTrailers(trailers: [string, string][]): void {
    this.trailers = h1ResponseToH2(trailers.flat());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.stream.write(chunk, (err?: Error | null) => callback(err));
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.stream.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.clear();
    if (!this.stream.closed) this.stream.close(NGHTTP2_CANCEL);
    callback(err);
  }

  private sendTrailers(): void {
    if (this.stream.destroyed) return;
    try {
      this.stream.sendTrailers(this.trailers);
    } catch (err) {
      // A field Node will not send (an invalid name): the stream cannot end cleanly, so the exchange fails saying why.
      this.stream.close(NGHTTP2_CANCEL);
      this.failed(Object.assign(new Error(`the request's trailers cannot be sent over HTTP/2 (${(err as Error).message})`), { code: (err as NodeJS.ErrnoException).code }));
    }
  }

  private onResponse(head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader, flags: number): void {
    this.answered = true;
    this.clear();
    const response = Object.assign(this.stream, {
      statusCode: Number(head[':status'] ?? 0),
      statusMessage: '',
      httpVersion: '2.0' as const,
      headers: head,
      rawHeaders: objectToRaw(head),
      rawTrailers: [] as string[],
      complete: false,
      endedWithHeaders: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0,
    }) as H2Response;
    response.once('trailers', (trailers: http2.IncomingHttpHeaders) => (response.rawTrailers = objectToRaw(trailers)));
    response.once('end', () => (response.complete = true));
    if (this.limits.bodyIdleTimeoutMs > 0) response.setTimeout(this.limits.bodyIdleTimeoutMs, () => this.emit('timeout'));
    this.emit('response', response);
  }

  private failed(err: Error): void {
    if (this.answered && this.stream.readableEnded) return;
    this.clear();
    // A stream cancelled because its session failed carries the session's error (ENOTFOUND, ECONNREFUSED …).
    const cause = (err as { cause?: unknown }).cause;
    this.emit('error', cause instanceof Error && (cause as NodeJS.ErrnoException).code ? cause : err);
  }

  private arm(): void {
    this.clear();
    this.timer = setTimeout(() => this.emit('timeout'), this.limits.timeoutMs);
    this.timer.unref();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
