/**
 * A flow is one HTTP exchange as Hindsight saw it: plain data, stored as-is in nedb (metadata only)
 * and sent as-is over the API. Bodies never travel inside a Flow; they live in body files and are
 * fetched by reference (BodyRef.blob). Behaviour on flows lives in free functions, not methods.
 *
 * Terminology (fixed here so every layer means the same):
 * - client:  the peer that sent the request to Hindsight. For HTTPS inside a CONNECT tunnel this is the
 *            peer of the OUTER connection (the phone), never the proxy's internal loopback hop.
 * - server:  where Hindsight actually sent the request (after map-remote), with the IP it connected to.
 * - url:     the absolute URL the client asked for (scheme://host[:port]/path?query), as received; when a rule
 *            changed the request (map-remote, mock-request, breakpoint edit), the URL sent, with the client's
 *            in `original.request`.
 */

import type { GrpcCall } from './grpc';
import type { MessageStats } from './message';
import { ABSOLUTE_URL, withoutUserinfo } from './url';

/** Bump when the stored shape changes, with code that reads the old shape: there is none yet, as every stored flow is schema 1. */
export const FLOW_SCHEMA = 1 as const;

export type FlowState = 'live' | 'intercepted' | 'completed' | 'failed';
export type BodySide = 'request' | 'response';
/** Headers keep their order, case and duplicates: [name, value] pairs exactly as on the wire. */
export type Headers = [string, string][];

export interface BodyRef {
  /** Bytes seen on the wire (after transfer-decoding, before content-decoding). */
  size: number;
  /** Bytes kept in the body file (at most the per-body cap). */
  storedSize: number;
  /** True when size > storedSize: the body file holds only the first storedSize bytes. */
  truncated: boolean;
  contentType?: string;
  /** Content-Encoding as received (gzip, br, deflate, …); the file holds the encoded bytes. */
  encoding?: string;
  /** Body file name under <data>/bodies/, absent when the body was empty. */
  blob?: string;
}

export interface FlowTimings {
  dnsMs?: number;
  connectMs?: number;
  tlsMs?: number;
  /** Time to send the request upstream. */
  sendMs?: number;
  /** Time to first byte of the response after the request was sent. */
  waitMs?: number;
  /** Time from the first to the last response byte. */
  receiveMs?: number;
  totalMs?: number;
  /** True when the upstream request went over a pooled keep-alive connection. */
  reusedConnection?: boolean;
}

export type FlowErrorPhase = 'client' | 'dns' | 'connect' | 'tls' | 'upstream' | 'timeout' | 'rule' | 'store';

export interface FlowError {
  phase: FlowErrorPhase;
  /** One readable sentence naming what happened (no library dump, no newline). */
  message: string;
  /** The raw code behind the message when there is one (ECONNRESET, HPE_INVALID_CONSTANT, ERR_SSL_…). */
  code?: string;
  /**
   * Failures before a request existed (TLS rejected, unparseable request) are recorded at most once per client,
   * reason and second: how many like this one from the same client were not recorded since the last.
   */
  repeats?: number;
}

/** An informational (1xx) response passed to the client before the final one, e.g. 103 Early Hints. */
export interface InterimResponse {
  status: number;
  statusText: string;
  headers: Headers;
}

export interface AppliedRule {
  id: string;
  /** The rule's action type ('mock', 'map-remote', 'breakpoint', …) or 'breakpoint-edit'. */
  kind: string;
  name?: string;
}

export interface FlowOriginal {
  request?: { method: string; url: string; headers: Headers; bodyReplaced?: boolean };
  response?: { status: number; statusText: string; headers: Headers; bodyReplaced?: boolean };
}

export interface Flow {
  id: string;
  /** Monotonic insertion order: the trim and sort key. */
  seq: number;
  schema: typeof FLOW_SCHEMA;
  /** Epoch ms when the request line arrived. */
  startedAt: number;
  state: FlowState;
  client: { ip: string; port: number };
  server?: { host: string; port: number; ip?: string; tls?: { version?: string; alpn?: string; sni?: string } };
  /**
   * `httpVersion` is '2' for a request that came in over HTTP/2; its pseudo-headers (:method, :scheme,
   * :authority, :path) are then kept apart in `pseudoHeaders`, and `headers` holds the other fields as sent.
   * `trailers`: fields sent after the body (HTTP/2, or chunked HTTP/1.1), when there were any.
   */
  request: { method: string; url: string; httpVersion: string; headers: Headers; body: BodyRef; pseudoHeaders?: Headers; trailers?: Headers };
  /** `pseudoHeaders` ([':status', …]) when the server answered over HTTP/2; `trailers` as for the request (gRPC's grpc-status). */
  response?: { status: number; statusText: string; headers: Headers; body: BodyRef; pseudoHeaders?: Headers; trailers?: Headers };
  /** For a request that came in over HTTP/2: the client's connection (address:port) and the stream id on it. */
  http2?: { connection: string; stream: number };
  timings: FlowTimings;
  error?: FlowError;
  appliedRules: AppliedRule[];
  /**
   * Set when a rule changed the exchange (map-remote, mock-request, a breakpoint edit): what the client
   * (request) or the server (response) originally sent. `request` and `response` then hold what was sent on.
   */
  original?: FlowOriginal;
  /** Set on a flow made by replaying another: the original's id. */
  replayOf?: string;
  /** Set on flows that came from a file (HAR import) rather than the wire. */
  imported?: boolean;
  /** True for WebSocket upgrades (recorded as the 101 exchange). */
  websocket?: boolean;
  /**
   * Totals of the messages inside the flow (WebSocket frames, SSE events), present once there is one. The
   * messages themselves are in the flow's message log (electron/common/message.ts), fetched by reference.
   */
  messages?: MessageStats;
  /** Set on gRPC calls (by content type): service, method and, once known, grpc-status (electron/common/grpc.ts). */
  grpc?: GrpcCall;
  /** 1xx responses (103 Early Hints, 100 Continue) the server sent before its final response, in order. */
  interimResponses?: InterimResponse[];
  pinned?: boolean;
  /** The `serve --node` that captured it, when several nodes share one PostgreSQL store. */
  node?: string;
  tags?: string[];
  comment?: string;
  /** A passthrough tunnel (connection-rule.ts): bytes each way; nothing was decrypted or stored. */
  tunnel?: { bytesUp: number; bytesDown: number };
  /** The upstream proxy that carried the exchange (connection-rule.ts), without its password. */
  upstreamProxy?: string;
  /** The subject of the client certificate offered to the server's TLS handshake (a client-certificate rule). */
  clientCertificate?: string;
}

/**
 * The slice of a flow the list, filters and queries need, kept in memory for every stored flow.
 * Derived from a Flow by toSummary(); never edited on its own.
 */
export interface FlowSummary {
  id: string;
  seq: number;
  startedAt: number;
  state: FlowState;
  clientIp: string;
  method: string;
  url: string;
  host: string;
  /** Path and query. */
  path: string;
  status?: number;
  /** Response content type without parameters (application/json), else the request's. */
  contentType?: string;
  requestSize: number;
  responseSize?: number;
  durationMs?: number;
  error?: string;
  appliedRuleKinds: string[];
  pinned: boolean;
  replayOf?: string;
  imported?: boolean;
  websocket?: boolean;
  /** The request's User-Agent (first 512 characters): the reports' platform and release. */
  userAgent?: string;
  /** Request headers named like a version (release.ts VERSION_HEADER), for the reports' release patterns. */
  versionHeaders?: [string, string][];
  /** Messages seen inside the flow and their payload bytes (WebSocket, SSE). */
  messageCount?: number;
  messageBytes?: number;
  /** Flow.node: the node that captured it. */
  node?: string;
  /** A gRPC call (Flow.grpc), and its grpc-status once it has one. */
  grpc?: boolean;
  grpcStatus?: number;
}

export const emptyBody = (): BodyRef => ({ size: 0, storedSize: 0, truncated: false });

/** Splits an absolute URL into host and path+query without throwing on odd input. */
export function splitUrl(url: string): { host: string; path: string } {
  const m = ABSOLUTE_URL.exec(url);
  if (!m) return { host: '', path: url };
  const authority = withoutUserinfo(m[2]);
  return { host: authority.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase(), path: m[3] || '/' };
}

export function mediaType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const semicolon = contentType.indexOf(';');
  const t = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return t || undefined;
}

export function headerValue(headers: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function toSummary(flow: Flow): FlowSummary {
  const { host, path } = splitUrl(flow.request.url);
  const summary: FlowSummary = {
    id: flow.id,
    seq: flow.seq,
    startedAt: flow.startedAt,
    state: flow.state,
    clientIp: flow.client.ip,
    method: flow.request.method,
    url: flow.request.url,
    host,
    path,
    requestSize: flow.request.body.size,
    // Most flows match no rule: an empty list without the map, set and spread (toSummary runs for every flow).
    appliedRuleKinds: flow.appliedRules.length === 0 ? [] : [...new Set(flow.appliedRules.map((r) => r.kind))],
    pinned: !!flow.pinned,
  };
  const contentType = mediaType(flow.response?.body.contentType ?? flow.request.body.contentType);
  if (contentType) summary.contentType = contentType;
  if (flow.response) {
    summary.status = flow.response.status;
    summary.responseSize = flow.response.body.size;
  }
  if (flow.tunnel) {
    summary.requestSize = flow.tunnel.bytesUp;
    summary.responseSize = flow.tunnel.bytesDown;
  }
  if (flow.timings.totalMs !== undefined) summary.durationMs = flow.timings.totalMs;
  if (flow.error) summary.error = `${flow.error.phase}: ${flow.error.message}`;
  if (flow.replayOf) summary.replayOf = flow.replayOf;
  if (flow.imported) summary.imported = true;
  if (flow.websocket) summary.websocket = true;
  addReportFields(summary, flow.request.headers);
  if (flow.node) summary.node = flow.node;
  if (flow.messages) {
    summary.messageCount = flow.messages.count;
    summary.messageBytes = flow.messages.bytes;
  }
  if (flow.grpc) {
    summary.grpc = true;
    if (flow.grpc.status !== undefined) summary.grpcStatus = flow.grpc.status;
  }
  return summary;
}

/** Longest User-Agent and version header value a summary keeps (60,000 summaries stay in memory). */
const MAX_REPORT_HEADER = 512;
/** Same words as release.ts VERSION_HEADER (kept here so the summary does not import the report code). */
const VERSION_HEADER_NAME = /version|release|build/i;

/** The request headers the reports read (electron/core/report): User-Agent and version-like headers. */
function addReportFields(summary: FlowSummary, headers: Headers): void {
  for (const [name, value] of headers) {
    if (name.length === 10 && name.toLowerCase() === 'user-agent') {
      summary.userAgent ??= value.slice(0, MAX_REPORT_HEADER);
    } else if (VERSION_HEADER_NAME.test(name) && (summary.versionHeaders?.length ?? 0) < 4) {
      (summary.versionHeaders ??= []).push([name, value.slice(0, MAX_REPORT_HEADER)]);
    }
  }
}
