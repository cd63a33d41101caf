/**
 * Where the capture proxy (electron/core/capture/forward.ts) hands an exchange to the rules pipeline, and
 * how the pipeline's decisions become bytes on the wire. The proxy calls:
 *   - runRequestRules() before anything goes upstream: false when no rule matched (the proxy carries on
 *     exactly as without rules: nothing read, nothing buffered), true when the rules took the exchange;
 *   - runResponseRules() when response headers arrive for an exchange the request decision marked with
 *     a response breakpoint.
 * The pipeline decides and reports (RuleEvents); it never touches the flow. reportTo() turns its reports
 * into the recording's own calls, so the recording stays the flow's only writer and the only one to tell
 * the store (docs/ARCHITECTURE.md, "Who writes a Flow").
 * What the proxy exposes is the small RuleExchange below; the rest of the exchange stays its business.
 */
import type http from 'node:http';
import { emptyBody, headerValue, type AppliedRule, type BodyRef, type Headers } from '../../common/flow';
import type { ExchangeClock } from './clock';
import type { Failure } from './failure';
import { endToEndHeaders, headerPairs } from '../../common/headers';
import type { FlowRecording } from './recorder';
import { parseAuthority, type Target } from './target';
import type { Budget } from '../conditions/budget';
import { endShaped } from '../conditions/throttle';
import type { Rule } from '../../common/rule';
import type { RulePipeline, RuleEvent, RuleReport } from '../rules/pipeline';
import { MAX_HELD_BODY } from '../rules/held-body';
import { addH2Trailers, addTrailers, isH2Response, withoutLengthForTrailers, writeResponseHead } from './h2/response';
import { recordAnsweredGrpcRequest, recordAnsweredGrpcResponse } from './grpc/record';

/** What to send upstream instead of the client's request. */
export interface Rewrite {
  target: Target;
  method: string;
  /** Flat raw headers, end-to-end only, framed for `body` when it is set. */
  headers: string[];
  /** Send these bytes (the client's body was read, or replaced); absent: stream the client's body. */
  body?: Buffer;
  /** Pause the response at this breakpoint. */
  responseBreakpoint?: AppliedRule;
  /** Rewrite the response with this rule's response edits. */
  responseRewrite?: Rule;
}

export interface RuleExchange {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly target: Target;
  /** The headers the proxy would send upstream for this request (end-to-end, Host set for the target). */
  readonly upstreamHeaders: string[];
  /** The client address rules match on: the socket's, or for a replay the original flow's client. */
  readonly clientIp: string;
  readonly recording?: FlowRecording;
  readonly clock: ExchangeClock;
  /** The device's download budget under network conditions (electron/core/conditions): answers go through it too. */
  readonly download?: Budget;
  /** Goes upstream: as the client sent it (streaming its body) or as rewritten. */
  proceed(rewrite?: Rewrite): void;
  /** Fails the flow; the client gets failure.status with its text when nothing was sent yet. */
  fail(failure: Failure): void;
  /** The client got the whole response: the flow completes. */
  complete(): void;
}

/** Aborts when the client's connection closes before the response was sent. */
function clientGone(res: http.ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

export function runRequestRules(pipeline: RulePipeline, exchange: RuleExchange): boolean {
  const { req, target, recording } = exchange;
  const headers = headerPairs(exchange.upstreamHeaders);
  const match = { clientIp: exchange.clientIp, method: req.method ?? 'GET', url: target.url, headers };
  const found = pipeline.match(match);
  if (!found) return false;
  let bodyRead: Promise<Buffer> | undefined;
  const readBody = () => (bodyRead ??= readAll(req, 'request'));
  pipeline
    .onRequest({ ...match, flowId: recording?.flow.id ?? '', report: recording && reportTo(recording), signal: clientGone(exchange.res), readBody }, found)
    .then((decision) => {
      if (decision.type === 'stop') return exchange.fail(decision.stop);
      if (decision.type === 'respond') {
        // Answered by Hindsight: no server was contacted.
        if (recording) delete recording.flow.server;
        if (recording?.flow.grpc) {
          // A gRPC call's request messages are recorded also when no server hears them, before the answer.
          const requestRead = recordAnsweredGrpcRequest(recording, req, bodyRead);
          if (!bodyRead) req.resume();
          return requestRead.then(() => respond(exchange, decision));
        }
        if (!bodyRead) req.resume();
        return respond(exchange, decision);
      }
      const unchanged = decision.method === match.method && decision.url === match.url && decision.headers === headers && !decision.body;
      if (unchanged && !decision.responseBreakpoint && !decision.responseRewrite) return exchange.proceed();
      const to = decision.url === match.url ? target : targetFor(decision.url);
      if (!to) return exchange.fail({ phase: 'rule', message: `a rule sent the request to ${decision.url}, which is not an http(s) URL`, status: 502 });
      if (recording && to !== target) recording.flow.server = { host: to.host, port: to.port };
      const rewrite: Rewrite = { target: to, method: decision.method, headers: flat(decision.headers) };
      if (decision.body) rewrite.body = decision.body;
      if (decision.responseBreakpoint) rewrite.responseBreakpoint = decision.responseBreakpoint;
      if (decision.responseRewrite) rewrite.responseRewrite = decision.responseRewrite;
      exchange.proceed(rewrite);
    })
    .catch((err: Error & { status?: number }) => exchange.fail({ phase: 'rule', message: err.message, status: err.status ?? 502 }));
  return true;
}

/** How each RuleEvent is recorded: a lookup by type, so a new kind of event without its recording does not compile. */
const RECORD: { [K in RuleEvent['type']]: (recording: FlowRecording, event: Extract<RuleEvent, { type: K }>) => void } = {
  applied: (recording, event) => recording.rulesApplied(event.rules),
  'request-changed': (recording, event) => recording.requestChanged(event.original, event.sent, event.bodyReplaced),
  'response-changed': (recording, event) => recording.responseChanged(event.original, event.bodyReplaced),
  paused: (recording) => recording.paused(),
  resumed: (recording) => recording.resumed(),
};

/** Where the pipeline's reports on one exchange go: its recording, which applies each to the flow. */
export function reportTo(recording: FlowRecording): RuleReport {
  return (event) => (RECORD[event.type] as (recording: FlowRecording, event: RuleEvent) => void)(recording, event);
}

/** For an exchange whose request decision asked to hold the response (a response breakpoint or rewrite). */
export function holdsResponse(rewrite: Rewrite | undefined): rewrite is Rewrite {
  return !!rewrite && (rewrite.responseBreakpoint !== undefined || rewrite.responseRewrite !== undefined);
}

export function runResponseRules(pipeline: RulePipeline, exchange: RuleExchange, response: http.IncomingMessage, rewrite: Rewrite): void {
  const { recording, clock, res } = exchange;
  let trailers: string[] = [];
  clock.responseStarted();
  recording?.response(response, clock.socket ?? null);
  response.on('error', () => {});
  const original = { status: response.statusCode ?? 502, statusText: response.statusMessage ?? '', headers: headerPairs(endToEndHeaders(response.rawHeaders)) };
  pipeline
    .onResponse({
      flowId: recording?.flow.id ?? '',
      clientIp: exchange.clientIp,
      request: { method: rewrite.method, url: rewrite.target.url, headers: headerPairs(rewrite.headers) },
      response: original,
      readBody: () =>
        readAll(response, 'response').then((body) => {
          clock.responseEnded();
          // The server's trailers (gRPC's status among them) follow whatever body the rule sends.
          trailers = response.rawTrailers;
          return body;
        }),
      ...(rewrite.responseBreakpoint ? { breakpoint: rewrite.responseBreakpoint } : {}),
      ...(rewrite.responseRewrite ? { rewrite: rewrite.responseRewrite } : {}),
      report: recording && reportTo(recording),
      signal: clientGone(res),
    })
    .then((decision) => {
      if (decision.type === 'stop') return exchange.fail(decision.stop);
      respond(exchange, decision, trailers);
    })
    .catch((err: Error & { status?: number }) => exchange.fail({ phase: 'rule', message: err.message, status: err.status ?? 502 }));
}

/**
 * Sends a response Hindsight made (a mock, an answer, an edited response) and records it as sent. `serverTrailers`:
 * the trailers of the server's response a rule edited (flat raw list), sent after the new body and recorded.
 */
function respond(exchange: RuleExchange, answer: { status: number; statusText: string; headers: Headers; body: Buffer; grpc?: { headers: Headers; body: Buffer; trailers: Headers } }, serverTrailers: string[] = []): void {
  const { res, recording } = exchange;
  if (res.destroyed || res.headersSent) return;
  // A gRPC mock to an HTTP/2 client goes as gRPC is spoken there: headers, the message, then the status as trailers.
  const h2Grpc = answer.grpc && isH2Response(res) ? answer.grpc : undefined;
  const message = h2Grpc ? { ...answer, headers: h2Grpc.headers, body: h2Grpc.body } : answer;
  if (recording) {
    const flow = recording.flow;
    // The body file is written from what is sent now; an upstream body read for a pause was never recorded.
    const body: BodyRef = emptyBody();
    const contentType = headerValue(message.headers, 'content-type');
    if (contentType) body.contentType = contentType;
    const encoding = headerValue(message.headers, 'content-encoding');
    if (encoding) body.encoding = encoding;
    flow.response = { status: message.status, statusText: message.statusText, headers: message.headers, body };
    if (message.body.length > 0) recording.responseChunk(message.body);
    if (flow.grpc) recordAnsweredGrpcResponse(recording, message.headers, message.body);
    if (h2Grpc?.trailers.length) {
      recording.trailers('response', h2Grpc.trailers.flat());
      recording.grpcTrailers(h2Grpc.trailers);
    } else if (serverTrailers.length > 0) {
      recording.trailers('response', serverTrailers);
      if (flow.grpc) recording.grpcTrailers(headerPairs(serverTrailers));
    }
  }
  try {
    if (h2Grpc?.trailers.length) {
      writeResponseHead(res, message.status, message.statusText, flat(message.headers));
      addH2Trailers(res, h2Grpc.trailers);
    } else if (serverTrailers.length > 0) {
      writeResponseHead(res, message.status, message.statusText, withoutLengthForTrailers(res, message.status, flat(message.headers), true));
      addTrailers(res, serverTrailers);
    } else writeResponseHead(res, message.status, message.statusText, flat(message.headers));
  } catch (err) {
    exchange.fail({ phase: 'rule', message: `the rule's response cannot be sent (${(err as Error).message})`, status: 502 });
    return;
  }
  res.on('finish', () => exchange.complete());
  endShaped(res, message.body, exchange.download);
}

function flat(headers: Headers): string[] {
  return endToEndHeaders(headers.flat());
}

/** The Target for an absolute http(s) URL a rule produced (map-remote, mock-request, a breakpoint edit). */
export function targetFor(url: string): Target | undefined {
  const m = /^(https?):\/\/([^/?#]+)([^#]*)/i.exec(url);
  if (!m) return undefined;
  const secure = m[1].toLowerCase() === 'https';
  const to = parseAuthority(m[2], secure ? 443 : 80);
  if (!to) return undefined;
  return { secure, host: to.host, port: to.port, path: m[3] || '/', url, tunnelled: false };
}

function readAll(stream: http.IncomingMessage, side: 'request' | 'response'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_HELD_BODY) {
        stream.destroy();
        reject(Object.assign(new Error(`the ${side} body is larger than ${MAX_HELD_BODY / 1024 / 1024} MB, too large to hold at a rule`), { status: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('close', () => {
      if (!stream.complete) reject(Object.assign(new Error(`the ${side} body was cut off`), { status: 502 }));
    });
  });
}
