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
import type http from 'node:http';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { h2FrontLimits } from './header-limit';

interface TunnelSocket extends net.Socket {
  connectRequest?: http.IncomingMessage;
}

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
  const encrypted = new WeakSet<http2.ServerHttp2Session>();
  /** The socket being handed over: 'session' fires synchronously inside emit('connection'). */
  let handing: net.Socket | undefined;
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    // The tunnel's CONNECT request (the real client, the target) rides on the session's socket, as on HTTP/1.1's.
    const connectRequest = (handing as TunnelSocket | undefined)?.connectRequest;
    if (connectRequest) (session.socket as TunnelSocket).connectRequest = connectRequest;
    if (handing instanceof tls.TLSSocket) encrypted.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', (err) => onError('HTTP2_SESSION_ERROR', err));
  });
  server.on('sessionError', (err) => onError('HTTP2_SESSION_ERROR', err));
  server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    // Errors of one stream (a client's RST_STREAM) end that exchange only: forward.ts sees them as 'close'.
    req.stream.on('error', () => {});
    handle(req, res, encrypted.has(req.stream.session as http2.ServerHttp2Session));
  });
  return {
    take(socket, isSSL) {
      socket.on('error', (err) => onError(isSSL ? 'HTTP2_TLS_ERROR' : 'HTTP2_ERROR', err));
      handing = socket;
      server.emit('connection', isSSL ? overJs(socket) : socket);
      handing = undefined;
    },
    dispose() {
      for (const session of sessions) session.destroy();
      server.close();
    },
  };
}

/**
 * The decrypted side of a tunnel's TLS socket as a plain JS stream. Node's HTTP/2 session reads a TLS
 * socket's native handle directly, which stalls when that TLS socket runs over a JS-level stream (the tunnel
 * socket whose first bytes were read to tell TLS from plain text and put back); through a JS stream the
 * session reads by 'data' events, which works for any socket.
 */
function overJs(socket: net.Socket): Duplex {
  const js = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, callback) => socket.write(chunk, (err) => callback(err ?? null)),
    final: (callback) => {
      socket.end();
      callback();
    },
    destroy: (err, callback) => {
      socket.destroy();
      callback(err);
    },
  });
  socket.on('data', (chunk: Buffer) => {
    if (!js.push(chunk)) socket.pause();
  });
  socket.once('end', () => js.push(null));
  socket.once('close', () => js.destroy());
  return js;
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
