/**
 * The HTTP/2 side of the front door. http-mitm-proxy (patched) still answers CONNECT and terminates TLS; a
 * tunnel whose client negotiated ALPN h2, or whose plain bytes open with the HTTP/2 preface (h2c), and in
 * reverse mode a plain connection opening with the preface, is handed here. One in-process `http2` server
 * (never listening) runs a session per such socket and gives each stream to the same forwarder as HTTP/1.1
 * requests, through Node's compatibility API (Http2ServerRequest/Response look like IncomingMessage and
 * ServerResponse).
 */
import http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import { h2FrontLimits } from './header-limit';

/** The connection a stream arrived on, as flows show it: the client's address and port, and the stream id. */
export interface H2StreamInfo {
  connection: string;
  stream: number;
}

export interface H2Front {
  /** Serves HTTP/2 on a socket that negotiated h2 (TLS) or opens with the preface (plain). */
  take(socket: net.Socket, isSSL: boolean): void;
  /** Closes every session. */
  dispose(): void;
}

export type H2RequestHandler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, isSSL: boolean) => void;

/** Streams one client may have open at once (what browsers and grpc-js are used to from servers). */
const MAX_CONCURRENT_STREAMS = 250;

/** `maxHeaderSize`: the request header limit (`--max-header-size`), which the handler enforces (header-limit.ts). */
export function createH2Front(handle: H2RequestHandler, onError: (kind: string, err: unknown) => void, maxHeaderSize: number): H2Front {
  const limits = h2FrontLimits(maxHeaderSize);
  const server = http2.createServer({ ...limits, settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, enablePush: false } });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', (err) => onError('HTTP2_SESSION_ERROR', err));
  });
  server.on('sessionError', (err) => onError('HTTP2_SESSION_ERROR', err));
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    // Errors of one stream (a client's RST_STREAM) end that exchange only: forward.ts sees them as 'close'.
    req.stream.on('error', () => {});
    handle(req, res, req.stream.session?.encrypted === true);
  });
  return {
    take(socket, isSSL) {
      socket.on('error', (err) => onError(isSSL ? 'HTTP2_TLS_ERROR' : 'HTTP2_ERROR', err));
      if (socket instanceof tls.TLSSocket) markHandshakeDone(socket);
      closeWhenClientEnds(socket);
      // The session reads the socket's native handle itself (a TLS socket's decrypted side, or the tunnel's TCP
      // socket for h2c); the tunnel's CONNECT request (the real client, the target) rides on it, as on HTTP/1.1's.
      server.emit('connection', socket);
    },
    dispose() {
      for (const session of sessions) session.destroy();
      server.close();
    },
  };
}

/**
 * A tunnel's TLS socket is made by the http-mitm-proxy patch (`new tls.TLSSocket(socket, { isServer })`), not by
 * a tls.Server, so nothing clears its `secureConnecting` once the handshake is done (Node's own servers do, in
 * onServerSocketSecure, before 'secureConnection'). Node's HTTP/2 session waits for 'secureConnect' on a socket
 * still "connecting", which a server-side socket never emits: the session stalled. Cleared here, as Node's
 * server does, the session takes the TLS socket's native handle directly, with no JS stream layer between
 * (that layer, `overJs` before, cost a JS Duplex hop for every frame each way).
 */
function markHandshakeDone(socket: tls.TLSSocket): void {
  (socket as tls.TLSSocket & { secureConnecting?: boolean }).secureConnecting = false;
}

/**
 * The sockets handed here come from http-mitm-proxy's HTTP server, whose sockets allow half-open connections (a
 * CONNECT tunnel may half-close), and a tunnel's TLS socket inherits that from the socket it wraps. An HTTP/2
 * session never ends its socket when the client's side ends (it waits for 'close'), and with the session on the
 * socket itself nothing else does: a client that hung up left its socket open for ever (and a passthrough tunnel
 * through an upstream Hindsight waited on it). Node's own HTTP/2 servers have sockets that close when the client's
 * side ends (allowHalfOpen false); these are made to behave the same, also when the end came before the hand-over.
 */
function closeWhenClientEnds(socket: net.Socket): void {
  socket.allowHalfOpen = false;
  if (socket.readableEnded && !socket.writableEnded) socket.end();
}

/** True for a request that arrived over HTTP/2 (the compatibility API's request object). */
export function isH2Request(req: { httpVersionMajor?: number }): boolean {
  return req.httpVersionMajor === 2;
}

/** The stream's connection and id, read from an Http2ServerRequest. */
export function streamInfo(req: http2.Http2ServerRequest, client: { ip: string; port: number }): H2StreamInfo {
  return { connection: `${client.ip}:${client.port}`, stream: req.stream.id ?? 0 };
}

/** Bytes the HTTP/2 connection preface starts with ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"). */
export const PREFACE_START = 'PRI ';
