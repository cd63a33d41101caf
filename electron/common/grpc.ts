/**
 * gRPC as a flow sees it: which exchanges are gRPC calls (by content type), the call's service and method
 * (from the path `/package.Service/Method`), and its status (grpc-status / grpc-message, from trailers, from a
 * gRPC-Web trailer frame, or from the headers of a trailers-only response). Pure; shared by the capture tap
 * (electron/core/capture/grpc), the filter language and the renderer.
 * https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md and PROTOCOL-WEB.md
 */
import type { Headers } from './flow';

/** What a flow records about a gRPC call (Flow.grpc). */
export interface GrpcCall {
  /** Fully qualified service name (`package.Service`), '' when the path is not /Service/Method. */
  service: string;
  method: string;
  /** gRPC-Web (application/grpc-web…), carried over HTTP/1.1 or HTTP/2. */
  web?: boolean;
  /** The status code (0 OK … 16 UNAUTHENTICATED), once the call ended with one. */
  status?: number;
  /** grpc-message, percent-decoded. */
  message?: string;
  /** Trailers of a gRPC-Web response (its trailer frame), in order. */
  trailers?: Headers;
}

/**
 * A mock rule's answer to a unary gRPC call (Action 'mock' with `grpc`): a status and, for a reply, the response
 * message as JSON, encoded with the call's response type from the loaded .proto files (electron/core/grpc).
 */
export interface GrpcMockAnswer {
  /** 0 OK … 16 UNAUTHENTICATED. */
  status: number;
  /** grpc-message (sent percent-encoded). */
  message?: string;
  /**
   * The response message as JSON text, with the field names as the .proto writes them (enums by name or number,
   * 64-bit integers as numbers or text, bytes as base64); absent: no message (a trailers-only answer).
   */
  json?: string;
}

/** The .proto folders in use (API `grpc.protos`): the Settings ones, those of `serve --proto`, and how they loaded. */
export interface ProtoInfo {
  /** Folders set in Settings (kept in <data>/grpc.json). */
  folders: string[];
  /** Folders given by `hindsight serve --proto` for this run (not kept). */
  fixed: string[];
  /** .proto files loaded from all of them. */
  files: number;
  /** One line per file or folder that did not load. */
  errors: string[];
}

/** The status codes by number (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** "14 UNAVAILABLE"; an unknown code as its number. */
export function grpcStatusLabel(code: number): string {
  const name = GRPC_STATUS_NAMES[code];
  return name ? `${code} ${name}` : String(code);
}

/** A status given as a number or a name (case-insensitive); undefined when it is neither. */
export function parseGrpcStatus(text: string): number | undefined {
  if (/^\d{1,3}$/.test(text)) return Number(text);
  const index = GRPC_STATUS_NAMES.indexOf(text.toUpperCase());
  return index >= 0 ? index : undefined;
}

/** How a body of this content type is framed; undefined when it is not gRPC. */
export interface GrpcFraming {
  /** gRPC-Web: trailers travel as a frame flagged 0x80 at the end of the response body. */
  web: boolean;
  /** application/grpc-web-text: the body is base64 of the frames. */
  base64: boolean;
}

export function grpcFraming(contentType: string | undefined): GrpcFraming | undefined {
  if (!contentType) return undefined;
  const type = contentType.split(';')[0].trim().toLowerCase();
  // application/grpc, application/grpc+proto, application/grpc+json … (the suffix names the message codec).
  const m = /^application\/(grpc|grpc-web|grpc-web-text)(\+[a-z0-9._-]+)?$/.exec(type);
  if (!m) return undefined;
  return { web: m[1] !== 'grpc', base64: m[1] === 'grpc-web-text' };
}

/** Service and method from a request path `/package.Service/Method` (query ignored). */
export function grpcMethodOf(path: string): { service: string; method: string } {
  const m = /^\/([^/?#]+)\/([^/?#]+)/.exec(path);
  return m ? { service: safeDecode(m[1]), method: safeDecode(m[2]) } : { service: '', method: '' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * grpc-status and grpc-message from a header or trailer list; undefined when there is no valid grpc-status.
 * grpc-message is percent-encoded UTF-8 (PROTOCOL-HTTP2.md "Status-Message").
 */
export function grpcStatusFrom(headers: Headers): { status: number; message?: string } | undefined {
  let status: number | undefined;
  let message: string | undefined;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'grpc-status' && status === undefined && /^\s*\d{1,3}\s*$/.test(value)) status = Number(value);
    else if (lower === 'grpc-message' && message === undefined) message = safeDecode(value.trim());
  }
  if (status === undefined) return undefined;
  return message ? { status, message } : { status };
}

/** The trailers of a gRPC-Web trailer frame: HTTP/1-style `name: value` lines (CRLF or LF). */
export function parseTrailerBlock(text: string): Headers {
  const headers: Headers = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/** Percent-encodes a grpc-message value as the protocol asks: printable ASCII but % as is, the rest as UTF-8 %XX. */
export function encodeGrpcMessage(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c <= 0x7e && c !== 0x25) out += ch;
    else if (c === 0x25) out += '%25';
    else out += c >= 0xd800 && c <= 0xdfff && ch.length === 1 ? '%EF%BF%BD' : encodeURIComponent(ch);
  }
  return out;
}
