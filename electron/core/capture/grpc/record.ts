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
 * Trailers that the transport carries itself (HTTP/2 trailers, or a trailers-only response's headers) are
 * given to `recording.grpcTrailers(headers)` by the transport; this file handles the gRPC-Web trailer frame.
 */
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
/** Trailer frames are headers: more than this is not read. */
const MAX_TRAILERS = 64 * 1024;

export interface GrpcRecording extends EventRecording {
  /** The call's trailers (or a trailers-only response's headers): its grpc-status and grpc-message. */
  grpcTrailers(trailers: Headers): void;
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
  let ended = false;
  if (!framing.base64) {
    return {
      push: (chunk) => {
        if (!ended) framer.push(chunk);
      },
      end: () => {
        if (ended) return;
        ended = true;
        framer.end();
      },
    };
  }
  const base64 = new Base64Stream((bytes) => framer.push(bytes));
  return {
    push: (chunk) => {
      if (!ended) base64.push(chunk);
    },
    end: () => {
      if (ended) return;
      ended = true;
      framer.end();
    },
  };
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
