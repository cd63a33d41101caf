/**
 * A plain answer (a mock without `grpc`, map-local, a breakpoint's answer) to a gRPC call, sent the gRPC way.
 * A gRPC client reads its call's outcome from grpc-status, never from the HTTP status: a plain "503, down for
 * maintenance" reached @grpc/grpc-js as a protocol error or "No status information received" (its body is not
 * a gRPC message either). So the answer becomes what a gRPC server would have sent: HTTP 200 and a status
 * mapped from the rule's HTTP status, by gRPC's own table (doc/http-grpc-status-mapping.md, the one grpc-js
 * applies to a non-200 answer without grpc-status), with the rule's status line and body text as grpc-message.
 * An answer that names its own grpc-status (a rule written for gRPC by hand) keeps it. The rule's other
 * headers go along as response metadata (CORS headers matter to gRPC-Web in a browser).
 */
import type { Headers } from '../../common/flow';
import { grpcFraming, grpcStatusFrom } from '../../common/grpc';
import { withoutHeaders } from '../../common/headers';
import { grpcMockAnswer, type GrpcResponseParts } from './respond';

export interface PlainAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  body: Buffer;
}

/** gRPC's status for an HTTP status (https://github.com/grpc/grpc/blob/master/doc/http-grpc-status-mapping.md). */
export function grpcStatusForHttp(status: number): number {
  switch (status) {
    case 400:
      return 13; // INTERNAL
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14; // UNAVAILABLE
    default:
      return 2; // UNKNOWN
  }
}

/** The longest body text carried into grpc-message (it travels in one header field). */
const MAX_MESSAGE_TEXT = 500;
/** Characters no text body has (whitespace controls aside). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/;
/** Fields the gRPC answer sets itself, or that described the plain body it no longer carries. */
const REPLACED = ['content-type', 'content-length', 'content-encoding', 'transfer-encoding', 'grpc-status', 'grpc-message', 'grpc-encoding'];

/**
 * The answer as gRPC sends it, when `call` (the client's request) is a gRPC or gRPC-Web call; undefined when it
 * is not one (the answer goes as it is).
 */
export function plainAnswerAsGrpc(answer: PlainAnswer, call: { path: string; contentType: string | undefined }): (PlainAnswer & { grpc: GrpcResponseParts }) | undefined {
  if (!grpcFraming(call.contentType)) return undefined;
  const own = grpcStatusFrom(answer.headers);
  const status = own?.status ?? grpcStatusForHttp(answer.status);
  const message = own ? own.message : plainMessage(answer);
  // No .proto is needed: the answer has no reply message, only a status (a trailers-only answer).
  const grpc = grpcMockAnswer(message ? { status, message } : { status }, call, undefined);
  const metadata = withoutHeaders(answer.headers, REPLACED);
  grpc.grpc.headers.push(...metadata);
  // The HTTP/1.1 form: the same metadata before its Content-Length (kept last, as it was built).
  grpc.headers.splice(grpc.headers.length - 1, 0, ...metadata);
  return grpc;
}

/** "HTTP 503 Service Unavailable: down for maintenance": the rule's status line and its body when that is short text. */
function plainMessage(answer: PlainAnswer): string {
  const line = `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`;
  const text = readableText(answer.body);
  return text ? `${line}: ${text}` : line;
}

/** The body as one line of text, or undefined when it is empty or not text (binary, control characters). */
function readableText(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  const cut = body.length > MAX_MESSAGE_TEXT * 4;
  // `stream`: a character the cut split in two is held back, not decoded as U+FFFD.
  const text = new TextDecoder('utf-8').decode(cut ? body.subarray(0, MAX_MESSAGE_TEXT * 4) : body, { stream: true });
  if (text.includes('\uFFFD') || CONTROL.test(text)) return undefined;
  const line = text.replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return cut || line.length > MAX_MESSAGE_TEXT ? `${line.slice(0, MAX_MESSAGE_TEXT)}…` : line;
}
