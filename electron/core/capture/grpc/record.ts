/**
 * The gRPC tap: reads a copy of one direction of a gRPC call's body as it streams and records each
 * length-prefixed message into the flow's message log (kind 'grpc', its direction, the time its last byte
 * arrived), decompressed per grpc-encoding (gzip, deflate). A gRPC-Web trailer frame (flag 0x80) is not a
 * message: its trailers go to the flow (grpc-status, grpc-message). Bodies are still forwarded and stored
 * exactly as before; the tap only listens. Modelled on the SSE reader (../sse.ts).
 *
 * Contract, for any transport (HTTP/1.1 here in forward.ts; HTTP/2 streams the same way):
 *
 *   recordGrpcMessages(recording, dir, source, { contentType, encoding })
 *
 * - `recording`: the flow's GrpcRecording (FlowRecording in ../recorder.ts implements it).
 * - `dir`: 'to-server' for the request body, 'to-client' for the response body.
 * - `source`: anything emitting 'data' (Buffer chunks, in order), then 'end' or 'close' — an
 *   http.IncomingMessage, an http2 stream, a ClientHttp2Stream. Add it where the body is teed, after rules
 *   have decided to forward it (listening puts the stream into flowing mode, as the body tee does).
 * - `contentType`: that direction's content-type; nothing is recorded unless grpcFraming() accepts it
 *   (application/grpc[+proto], application/grpc-web[+proto], application/grpc-web-text: base64).
 * - `encoding`: that direction's grpc-encoding header (the message compression), if any.
 * Returns the GrpcTap, or undefined when the content type is not gRPC. A body already in memory (a rule's
 * rewrite, a mock) is fed with `tap.push(buffer); tap.end()` on a tap from createGrpcTap().
 *
 * Trailers that the transport carries itself (HTTP/2 trailers, HTTP/1.1 chunked trailers) are given to
 * `recording.grpcTrailers(trailers)` by the transport; a trailers-only response's headers to
 * `recording.grpcResponseHeaders(headers)` (FlowRecording.response() already does this for an
 * http.IncomingMessage). This file handles the gRPC-Web trailer frame.
 */
import type http from 'node:http';
import zlib from 'node:zlib';
import type { Headers } from '../../../common/flow';
import { grpcFraming, parseTrailerBlock } from '../../../common/grpc';
import type { MessageDirection, MessageMeta } from '../../../common/message';
import type { EventRecording } from '../sse';
import { Base64Stream, GrpcFramer, type GrpcFrame } from './framer';

/** A compressed message is kept whole up to this to be decompressed; a larger one is recorded undecoded. */
const MAX_COMPRESSED = 4 * 1024 * 1024;
/** A compressed message may not expand beyond this (a zip bomb stops here). */
const MAX_DECOMPRESSED = 16 * 1024 * 1024;
/** How long a mock's answer waits for the rest of the request it answers (a client that keeps sending). */
const ANSWER_WAIT_MS = 2_000;
/** Trailer frames are headers: more than this is not read. */
const MAX_TRAILERS = 64 * 1024;

export interface GrpcRecording extends EventRecording {
  /** The call's trailers arrived: its grpc-status and grpc-message, and the trailers kept on Flow.grpc. */
  grpcTrailers(trailers: Headers): void;
  /** Response headers that may hold the status (a trailers-only response); recording.response() does this itself. */
  grpcResponseHeaders(headers: Headers): void;
}

export interface GrpcSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
}

export interface GrpcTap {
  push(chunk: Buffer): void;
  end(): void;
}

export function recordGrpcMessages(recording: GrpcRecording, dir: MessageDirection, source: GrpcSource, meta: { contentType: string | undefined; encoding?: string }): GrpcTap | undefined {
  const tap = createGrpcTap(recording, dir, meta);
  if (!tap) return undefined;
  source.on('data', (chunk) => tap.push(chunk));
  source.on('end', () => tap.end());
  // An aborted stream ends the tap too: a message cut short is recorded as cut.
  source.on('close', () => tap.end());
  return tap;
}

export function createGrpcTap(recording: GrpcRecording, dir: MessageDirection, meta: { contentType: string | undefined; encoding?: string }): GrpcTap | undefined {
  const framing = grpcFraming(meta.contentType);
  if (!framing) return undefined;
  const encoding = meta.encoding?.trim().toLowerCase();
  const framer = new GrpcFramer(
    (frame) => onFrame(recording, dir, encoding, frame),
    (flags, declared) => {
      if (flags & 0x80) return MAX_TRAILERS;
      if (flags & 1) return declared <= MAX_COMPRESSED ? declared : 0;
      return recording.messageRoom();
    },
  );
  // grpc-web-text: the frames arrive as base64, decoded as they stream.
  const feed = framing.base64 ? base64Feed(framer) : (chunk: Buffer) => framer.push(chunk);
  let ended = false;
  return {
    push: (chunk) => {
      if (!ended) feed(chunk);
    },
    end: () => {
      if (ended) return;
      ended = true;
      framer.end();
    },
  };
}

function base64Feed(framer: GrpcFramer): (chunk: Buffer) => void {
  const stream = new Base64Stream((bytes) => framer.push(bytes));
  return (chunk) => stream.push(chunk);
}

function onFrame(recording: GrpcRecording, dir: MessageDirection, encoding: string | undefined, frame: GrpcFrame): void {
  if (frame.trailers) {
    recording.grpcTrailers(parseTrailerBlock(frame.payload.toString('utf8')));
    return;
  }
  const message: Omit<MessageMeta, 'seq'> = { at: Date.now(), dir, kind: 'grpc', size: frame.declared, truncated: frame.cut };
  if (!frame.compressed) {
    if (frame.payload.length < frame.declared) message.truncated = true;
    recording.message(message, frame.payload);
    return;
  }
  message.compressed = true;
  const decoded = frame.cut || frame.payload.length < frame.declared ? undefined : decompress(encoding, frame.payload);
  if (!decoded) {
    // Kept as sent (what could be kept): the log says which compression it is in.
    message.truncated = true;
    if (encoding) message.encoding = encoding;
    recording.message(message, frame.payload.subarray(0, recording.messageRoom()));
    return;
  }
  const room = recording.messageRoom();
  message.size = decoded.length;
  message.truncated = decoded.length > room;
  recording.message(message, decoded.length > room ? decoded.subarray(0, room) : decoded);
}

/** gRPC's gzip and deflate (zlib-wrapped, as grpc-java and grpc-go send it); undefined when it cannot be read. */
function decompress(encoding: string | undefined, bytes: Buffer): Buffer | undefined {
  try {
    if (encoding === 'gzip') return zlib.gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED });
    if (encoding === 'deflate') {
      try {
        return zlib.inflateSync(bytes, { maxOutputLength: MAX_DECOMPRESSED });
      } catch {
        return zlib.inflateRawSync(bytes, { maxOutputLength: MAX_DECOMPRESSED });
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The request messages of a call answered without the server (a mock rule): from the body a rule already read,
 * else from the request as it drains. Resolves once they are in the log (the request ended), or after
 * ANSWER_WAIT_MS for a client still sending, so the answer is recorded after the question and never waits long.
 */
export function recordAnsweredGrpcRequest(recording: GrpcRecording, req: http.IncomingMessage, bodyRead: Promise<Buffer> | undefined): Promise<void> {
  const meta = { contentType: req.headers['content-type'], encoding: headerText(req.headers['grpc-encoding']) };
  if (bodyRead) {
    const tap = createGrpcTap(recording, 'to-server', meta);
    return bodyRead.then(
      (body) => {
        tap?.push(body);
        tap?.end();
      },
      () => tap?.end(),
    );
  }
  if (req.readableEnded) return Promise.resolve();
  recordGrpcMessages(recording, 'to-server', req, meta);
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ANSWER_WAIT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.on('end', done);
    req.on('close', done);
  });
}

const headerText = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** The messages and status of an answer Hindsight made (a mock): its body, and a status in its headers. */
export function recordAnsweredGrpcResponse(recording: GrpcRecording, headers: Headers, body: Buffer): void {
  recording.grpcResponseHeaders(headers);
  const contentType = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  const encoding = headers.find(([k]) => k.toLowerCase() === 'grpc-encoding')?.[1];
  const tap = createGrpcTap(recording, 'to-client', { contentType, encoding });
  tap?.push(body);
  tap?.end();
}
