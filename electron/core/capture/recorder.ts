/**
 * Turns one exchange into a Flow: allocates id and seq, tees both bodies into body files as they stream,
 * and tells the sink at three moments (request arrived, response headers arrived, finished or failed).
 * The proxy keeps updating the same Flow object until it is finished; sinks must not modify it.
 * Only capture writes a Flow, through its recording: what the rules pipeline did reaches the flow through
 * the methods below (rulesApplied, requestChanged, paused, …), called by capture/rule-hooks.ts.
 * With capture off, begin() returns undefined and the proxy forwards without any of this.
 */
import type http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { FLOW_SCHEMA, emptyBody, splitUrl, type AppliedRule, type Flow, type FlowError, type FlowTimings, type Headers } from '../../common/flow';
import { grpcFraming, grpcMethodOf, grpcStatusFrom } from '../../common/grpc';
import { headerPairs, rawHeader } from '../../common/headers';
import { newFlowId } from './ids';
import type { BodyStoreLike, BodyWriter, CaptureSink, MessageLogLike, MessageWriter } from '../store/sink';
import type { MessageMeta } from '../../common/message';
import type { RequestHead, ResponseHead } from '../rules/pipeline';

/** A live flow's message totals reach the store (and the list) at most this often. */
const MESSAGE_UPDATE_MS = 250;
/** The longest a reader may hold a flow's finish back (holdFinish). */
const HOLD_MS = 2_000;
import type { ReplayMark } from './replay-marks';
import { plainIp, type Target } from './target';
import { timesOf } from './upstream';
import { isH2Request, streamInfo } from './h2/front';
import { readablePseudo, splitPseudo } from './h2/translate';
import type http2 from 'node:http2';

export interface RecorderOptions {
  sink: CaptureSink;
  bodies: BodyStoreLike;
  nextSeq: () => number;
  /** Message logs (WebSocket frames, SSE events); without it messages are not recorded. */
  messages?: MessageLogLike;
  /** Called once per flow when it completed or failed (the structured log, status counters). */
  onFinished?: (flow: Flow) => void;
  /** True for an exchange that must not be recorded (a do-not-record rule, capture/connection-rules.ts). */
  skip?: (clientIp: string, req: http.IncomingMessage, url: string) => boolean;
}

/** What a failure before any request existed knows (early-failures.ts): who, where, and the request as far as it was read. */
export type EarlyFailure = Pick<Flow, 'client' | 'request' | 'startedAt'> & { server?: Flow['server']; http2?: Flow['http2'] };

export class Recorder {
  enabled = true;
  constructor(private readonly options: RecorderOptions) {}

  /**
   * Records a failure before any request existed (a TLS handshake the client rejected, a request that could
   * not be parsed) as one finished, failed flow. Nothing is recorded with capture off.
   */
  failedEarly(failure: EarlyFailure, error: FlowError): Flow | undefined {
    if (!this.enabled) return undefined;
    const flow: Flow = {
      id: newFlowId(),
      seq: this.options.nextSeq(),
      schema: FLOW_SCHEMA,
      startedAt: failure.startedAt,
      state: 'failed',
      client: failure.client,
      request: failure.request,
      timings: { totalMs: Math.max(0, Date.now() - failure.startedAt) },
      appliedRules: [],
      error,
    };
    if (failure.server) flow.server = failure.server;
    if (failure.http2) flow.http2 = failure.http2;
    this.options.sink.flowStarted(flow);
    this.options.onFinished?.(flow);
    return flow;
  }

  /** `replay`: the exchange is Hindsight's own replay (electron/core/capture/replay-marks.ts), recorded even with capture off. */
  begin(req: http.IncomingMessage, target: Target, client: { ip: string; port: number }, url = target.url, replay?: ReplayMark): FlowRecording | undefined {
    if (!this.enabled && !replay) return undefined;
    // A store that is behind sheds new exchanges rather than slow the proxy; a replay the user asked for is kept.
    if (!replay && this.options.sink.admit?.() === false) return undefined;
    if (!replay && this.options.skip?.(client.ip, req, url)) return undefined;
    const flow: Flow = {
      id: newFlowId(),
      seq: this.options.nextSeq(),
      schema: FLOW_SCHEMA,
      startedAt: Date.now(),
      state: 'live',
      client,
      server: { host: target.host, port: target.port },
      request: { method: req.method ?? 'GET', url, httpVersion: req.httpVersion, headers: headerPairs(req.rawHeaders), body: emptyBody() },
      timings: {},
      appliedRules: [],
    };
    if (isH2Request(req)) {
      const { pseudo, fields } = splitPseudo(req.rawHeaders);
      flow.request.httpVersion = '2';
      flow.request.headers = fields;
      flow.request.pseudoHeaders = readablePseudo(pseudo);
      flow.http2 = streamInfo(req as unknown as http2.Http2ServerRequest, client);
    }
    if (replay?.replayOf) flow.replayOf = replay.replayOf;
    const contentType = req.headers['content-type'];
    if (contentType) flow.request.body.contentType = contentType;
    const encoding = req.headers['content-encoding'];
    if (encoding) flow.request.body.encoding = encoding;
    const framing = grpcFraming(contentType);
    if (framing) flow.grpc = { ...grpcMethodOf(splitUrl(url).path), ...(framing.web ? { web: true } : {}) };
    this.options.sink.flowStarted(flow);
    return new FlowRecording(flow, this.options);
  }
}

export class FlowRecording {
  private requestBody?: BodyWriter;
  private responseBody?: BodyWriter;
  private messageLog?: MessageWriter;
  private messageUpdate?: NodeJS.Timeout;
  private holds = 0;
  private deferredFinish?: [FlowTimings, FlowError | undefined];
  private finished = false;

  constructor(
    readonly flow: Flow,
    private readonly options: RecorderOptions,
  ) {}

  requestChunk(chunk: Buffer): void {
    const body = this.flow.request.body;
    this.requestBody ??= this.options.bodies.open(this.flow.id, 'request', { contentType: body.contentType, encoding: body.encoding });
    this.requestBody.write(chunk);
  }

  requestEnd(): void {
    if (!this.requestBody) return;
    this.flow.request.body = this.requestBody.end();
    // The store learns of every stored body when it ends: its segment is deleted once no flow it knows refers
    // to it (electron/core/store/segments.ts).
    this.options.sink.flowUpdated(this.flow);
  }

  /** Response headers arrived from `socket` (the upstream connection). */
  response(res: http.IncomingMessage, socket: net.Socket | null): void {
    const raw = res.rawHeaders;
    const body = emptyBody();
    const contentType = rawHeader(raw, 'content-type');
    if (contentType) body.contentType = contentType;
    const encoding = rawHeader(raw, 'content-encoding');
    if (encoding) body.encoding = encoding;
    this.flow.response = { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: headerPairs(raw), body };
    if (res.httpVersion === '2.0') this.flow.response.pseudoHeaders = [[':status', String(res.statusCode ?? 0)]];
    // A trailers-only gRPC response carries its status in the headers.
    if (this.flow.grpc) this.setGrpcStatus(this.flow.response.headers);
    if (socket) this.connectedTo(socket);
    this.options.sink.flowUpdated(this.flow);
  }

  /**
   * The response head recorded by response() never reached the client (its body broke before the first byte
   * and the client got Hindsight's 502 instead): the flow keeps only the failure.
   */
  responseWithdrawn(): void {
    delete this.flow.response;
    this.responseBody = undefined;
  }

  /** A 1xx response (103 Early Hints, 100 Continue) before the final one. */
  interim(status: number, statusText: string, rawHeaders: string[]): void {
    (this.flow.interimResponses ??= []).push({ status, statusText, headers: headerPairs(rawHeaders) });
    this.options.sink.flowUpdated(this.flow);
  }

  // ---- What the rules pipeline did (its RuleEvents, applied by capture/rule-hooks.ts) ----

  /** Rules that applied to this exchange, in order. */
  rulesApplied(rules: AppliedRule[]): void {
    this.flow.appliedRules = [...this.flow.appliedRules, ...rules];
  }

  /** A rule changed the request: the flow shows what went on, and keeps what the client sent as `original.request`. */
  requestChanged(original: RequestHead, sent: RequestHead, bodyReplaced: boolean): void {
    const flow = this.flow;
    flow.original = { ...flow.original, request: { method: original.method, url: original.url, headers: original.headers, ...(bodyReplaced ? { bodyReplaced: true } : {}) } };
    flow.request = { ...flow.request, method: sent.method, url: sent.url, headers: sent.headers };
  }

  /** A rule or a breakpoint edit changed the response: what the server sent is kept as `original.response`. */
  responseChanged(original: ResponseHead, bodyReplaced: boolean): void {
    const flow = this.flow;
    flow.original = { ...flow.original, response: { status: original.status, statusText: original.statusText, headers: original.headers, ...(bodyReplaced ? { bodyReplaced: true } : {}) } };
  }

  /** Held at a breakpoint: the store hears at once, so the list shows the flow intercepted while it waits. */
  paused(): void {
    this.flow.state = 'intercepted';
    this.options.sink.flowUpdated(this.flow);
  }

  /** The pause ended; a flow that finished meanwhile (its client left) keeps its final state. */
  resumed(): void {
    if (this.flow.state !== 'intercepted') return;
    this.flow.state = 'live';
    this.options.sink.flowUpdated(this.flow);
  }

  /** Fields that came after a body (flat raw list); nothing is recorded for none. */
  trailers(side: 'request' | 'response', raw: string[]): void {
    if (raw.length === 0) return;
    const message = side === 'request' ? this.flow.request : this.flow.response;
    if (message) message.trailers = headerPairs(raw);
  }

  responseChunk(chunk: Buffer): void {
    const response = this.flow.response;
    if (!response) return;
    this.responseBody ??= this.options.bodies.open(this.flow.id, 'response', { contentType: response.body.contentType, encoding: response.body.encoding });
    this.responseBody.write(chunk);
  }

  /**
   * Appends one message (a WebSocket message, an SSE event) to the flow's log. The flow's totals change at
   * once; the sink hears of them at most every MESSAGE_UPDATE_MS, so a busy socket costs one store write per
   * interval, not one per message. Undefined when messages are not recorded or the flow has finished.
   */
  message(message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta | undefined {
    if (this.finished || !this.options.messages) return undefined;
    this.messageLog ??= this.openMessageLog(this.options.messages);
    const meta = this.messageLog.append(message, payload);
    this.flow.messages = { ...this.messageLog.stats };
    this.messageUpdate ??= setTimeout(() => {
      this.messageUpdate = undefined;
      if (!this.finished) this.options.sink.flowUpdated(this.flow);
    }, MESSAGE_UPDATE_MS);
    return meta;
  }

  /** A gRPC call's trailers arrived (a gRPC-Web trailer frame, or the transport's trailers): its status. */
  grpcTrailers(trailers: Headers): void {
    if (this.finished) return;
    const call = (this.flow.grpc ??= { ...grpcMethodOf(splitUrl(this.flow.request.url).path) });
    call.trailers = [...(call.trailers ?? []), ...trailers];
    this.setGrpcStatus(trailers);
    this.options.sink.flowUpdated(this.flow);
  }

  /** A trailers-only gRPC response's headers (an answer Hindsight made): the status they hold. */
  grpcResponseHeaders(headers: Headers): void {
    if (this.finished || !this.flow.grpc) return;
    this.setGrpcStatus(headers);
  }

  private setGrpcStatus(headers: Headers): void {
    const status = grpcStatusFrom(headers);
    if (!status || !this.flow.grpc) return;
    this.flow.grpc.status = status.status;
    if (status.message !== undefined) this.flow.grpc.message = status.message;
    else delete this.flow.grpc.message;
  }

  /** Payload bytes the message log would still keep: parsers hold no more than this of a message. */
  messageRoom(): number {
    if (this.finished || !this.options.messages) return 0;
    this.messageLog ??= this.openMessageLog(this.options.messages);
    return this.messageLog.room();
  }

  /** A gRPC call's log is short (a unary call: two messages, then the call ends): it may be packed, not a file. */
  private openMessageLog(messages: MessageLogLike): MessageWriter {
    return this.flow.grpc ? messages.open(this.flow.id, { short: true }) : messages.open(this.flow.id);
  }

  /** The server's address and TLS parameters, as connected. */
  connectedTo(socket: net.Socket): void {
    const server = this.flow.server;
    // A socket that never connected (DNS failure, refused) has nothing to tell.
    const address = socket.remoteAddress ?? timesOf(socket)?.remoteAddress;
    // Through an upstream proxy the socket's peer is the proxy, not the server.
    if (!server || server.ip || !address || this.flow.upstreamProxy) return;
    server.ip = plainIp(address);
    if (socket instanceof tls.TLSSocket) {
      const info: NonNullable<typeof server.tls> = {};
      const version = socket.getProtocol();
      if (version) info.version = version;
      if (socket.alpnProtocol) info.alpn = socket.alpnProtocol;
      if (!net.isIP(server.host)) info.sni = server.host;
      server.tls = info;
    }
  }

  /**
   * Holds finish() back until the returned release is called (at most HOLD_MS): a reader whose last messages
   * come after the exchange ended (an SSE stream being decompressed) gets them into the log first.
   */
  holdFinish(): () => void {
    this.holds++;
    let released = false;
    const timer = setTimeout(() => release(), HOLD_MS);
    timer.unref();
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.holds--;
      const deferred = this.deferredFinish;
      if (this.holds === 0 && deferred) {
        this.deferredFinish = undefined;
        this.finish(...deferred);
      }
    };
    return release;
  }

  finish(timings: FlowTimings, error?: FlowError): void {
    if (this.finished) return;
    if (this.holds > 0) {
      this.deferredFinish ??= [timings, error];
      return;
    }
    this.finished = true;
    const flow = this.flow;
    if (this.requestBody) flow.request.body = this.requestBody.end();
    if (this.responseBody && flow.response) flow.response.body = this.responseBody.end();
    if (this.messageUpdate) clearTimeout(this.messageUpdate);
    if (this.messageLog) {
      this.messageLog.end();
      flow.messages = { ...this.messageLog.stats };
    }
    flow.timings = timings;
    if (error) {
      flow.state = 'failed';
      flow.error = { phase: error.phase, message: error.message };
      if (error.code) flow.error.code = error.code;
      if (error.repeats) flow.error.repeats = error.repeats;
    } else {
      flow.state = 'completed';
    }
    this.options.sink.flowUpdated(flow);
    this.options.onFinished?.(flow);
  }
}
