/**
 * Writing a response to a client that may be on HTTP/1.1 or HTTP/2, and passing trailers through. HTTP/1.1
 * clients get exactly what they always got (status line, raw headers, framing); an h2 client gets the same
 * status and fields minus the connection-specific ones h2 forbids, and the server's trailers after the body.
 */
import http2 from 'node:http2';
import type http from 'node:http';
import type { Readable } from 'node:stream';
import type { FlowRecording } from '../recorder';
import { headerPairs } from '../../../common/headers';
import { h1ResponseToH2 } from './translate';

type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

export function isH2Response(res: AnyResponse): res is http2.Http2ServerResponse {
  return res instanceof http2.Http2ServerResponse;
}

/**
 * True when the client got the whole response. HTTP/1.1: the response finished writing. HTTP/2: the
 * compatibility API emits 'finish' and 'close' also for a stream the client reset, with writableFinished
 * true; what tells is the stream's close code: NO_ERROR (0) once both sides ended it (also when a bodiless
 * status such as 204 ended it with its headers), CANCEL or another code when it was reset or its
 * connection went away. But a client that has every byte it was promised (Content-Length) may hang up before
 * the server's END_STREAM reaches it (curl does): the stream then closes with CANCEL after our side had
 * ended the response — `writableEnded` on the compatibility response, which a reset mid-body never sets.
 */
export function responseDelivered(res: http.ServerResponse): boolean {
  const any = res as AnyResponse;
  if (!isH2Response(any)) return res.writableFinished;
  return any.stream.closed && (any.stream.rstCode === http2.constants.NGHTTP2_NO_ERROR || any.writableEnded);
}

/**
 * An h2 client that reset its stream (CANCEL) once it had every byte the response's Content-Length declared,
 * with nothing left unsent on this side, before the server's own END_STREAM came through (an h2 origin may send
 * it in a frame of its own after the last DATA, so the response is not yet ended here): curl does exactly that,
 * and its transfer succeeded. The response was delivered. A reset before the last declared byte was passed on,
 * with bytes still queued, or of a response without a declared length, stays the client's abort.
 * `passed`: body bytes handed to the client's stream.
 */
export function declaredBodyDelivered(res: http.ServerResponse, passed: number, declared: number | undefined): boolean {
  const any = res as AnyResponse;
  if (!isH2Response(any) || declared === undefined || passed < declared) return false;
  return any.stream.rstCode === http2.constants.NGHTTP2_CANCEL && any.stream.bufferSize === 0;
}

/** The response head: an HTTP/1.1 status line with raw headers, or h2 HEADERS (status text has no place in h2). */
export function writeResponseHead(res: http.ServerResponse, status: number, statusText: string | undefined, raw: string[]): void {
  const any = res as AnyResponse;
  if (isH2Response(any)) any.writeHead(status, h1ResponseToH2(raw));
  else res.writeHead(status, statusText, raw);
}

/**
 * A response that ended with its headers (HTTP/2 HEADERS with END_STREAM: a gRPC "trailers-only" answer)
 * goes to an h2 client the same way, as one HEADERS frame that ends the stream; `done` runs when it is sent.
 * False when the response is not such a one or the client is not on h2 (then it is written as usual).
 */
export function endWithHeaders(res: http.ServerResponse, response: { endedWithHeaders?: boolean; statusCode?: number; rawHeaders: string[] }, done: () => void): boolean {
  const any = res as AnyResponse;
  if (!response.endedWithHeaders || !isH2Response(any) || any.stream.headersSent) return false;
  any.stream.once('close', done);
  any.stream.respond({ ':status': response.statusCode ?? 200, ...h1ResponseToH2(response.rawHeaders) }, { endStream: true });
  return true;
}

/**
 * Records the trailers of `from` (the server's response or the client's request) and, for the response, sends
 * them on after the body (to an HTTP/1.1 client they go with the last chunk of a chunked body). Must be called before `from` is piped: its 'end' listener then runs
 * before pipe() ends the client's response.
 */
export function passTrailers(from: Readable & { rawTrailers?: string[] }, side: 'request' | 'response', recording: FlowRecording | undefined, to?: http.ServerResponse): void {
  from.once('end', () => {
    const raw = from.rawTrailers ?? [];
    if (raw.length === 0) return;
    recording?.trailers(side, raw);
    if (to) addTrailers(to, raw);
  });
}

/**
 * Trailer fields (flat raw list) for the client, sent after the body: trailing HEADERS to an h2 client, the
 * last chunk's fields to an HTTP/1.1 one (Node writes them only for a chunked body; see withoutLengthForTrailers).
 */
export function addTrailers(res: http.ServerResponse, raw: string[]): void {
  const any = res as AnyResponse;
  if (isH2Response(any)) {
    if (!any.stream.destroyed) any.addTrailers(h1ResponseToH2(raw));
  } else res.addTrailers(headerPairs(raw));
}

/**
 * The response head for a response that will carry trailers. HTTP/1.1 has them only after a chunked body (RFC
 * 9110 §6.5, RFC 9112 §7.1.2), so toward an HTTP/1.1 client a Content-Length goes and Node frames the body in
 * chunks instead. Applies when the server announced trailers (`Trailer:`) or they are already known (`known`);
 * not to an HTTP/1.0 client, a HEAD request or a status without a body, where they have no place at all. An h2
 * client carries them whatever the head says.
 */
export function withoutLengthForTrailers(res: http.ServerResponse, status: number, raw: string[], known: boolean): string[] {
  if (isH2Response(res as AnyResponse) || res.req?.httpVersion !== '1.1' || res.req.method === 'HEAD') return raw;
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return raw;
  let announced = known;
  let length = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (name === 'trailer') announced = true;
    else if (name === 'content-length') length = i;
    else if (name === 'transfer-encoding') return raw;
  }
  if (!announced || length < 0) return raw;
  return [...raw.slice(0, length), ...raw.slice(length + 2)];
}

/** Trailers for an h2 response Hindsight writes itself (sent after the body, as trailing HEADERS). Call before end(). */
export function addH2Trailers(res: http.ServerResponse, trailers: [string, string][]): void {
  const any = res as AnyResponse;
  if (isH2Response(any)) any.addTrailers(h1ResponseToH2(trailers.flat()));
}
