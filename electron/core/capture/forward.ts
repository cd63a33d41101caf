/**
 * One HTTP exchange through the proxy: the client's request is forwarded with its headers as received (minus
 * hop-by-hop fields), both bodies stream through with backpressure (pipe: a slow client slows the server
 * down instead of filling memory) and are teed into body files, and the response reaches the client with
 * its status line, headers and framing intact. Whatever fails becomes a failed flow and, when nothing was
 * sent yet, a 502/504 whose text names the failure.
 */
import type http from 'node:http';
import { endToEndHeaders, setHost } from '../../common/headers';
import { ExchangeClock } from './clock';
import { clientAborted, failureText, midBodyFailure, timeoutFailure, upstreamFailure, type Failure } from './failure';
import { oneLine } from './failure-reasons';
import { duplicateHostProblem, expectsContinue, passInterim } from './http1-edges';
import type { FlowRecording, Recorder } from './recorder';
import { clientOf, isOriginForm, resolveTarget, type ReverseTarget, type Target } from './target';
import type { Upstream } from './upstream';
import type { RulePipeline } from '../rules/pipeline';
import { holdsResponse, runRequestRules, runResponseRules, type Rewrite, type RuleExchange } from './rule-hooks';
import type { ReplayLookup, ReplayMark } from './replay-marks';
import type { ConditionsService, Shaping } from '../conditions/service';
import { holdRequest } from './hold';
import { endShaped, pipeShaped } from '../conditions/throttle';
import { headerPairs } from '../../common/headers';
import { isSetupHost } from './setup-page';
import { isEventStream, recordEvents } from './sse';
import { urlAuthority } from '../../common/url';
import { isH2Request } from './h2/front';
import { declaredBodyDelivered, endWithHeaders, passTrailers, responseDelivered, withoutLengthForTrailers, writeResponseHead } from './h2/response';
import { h2ReadableUrl, h2RequestToH1 } from './h2/translate';
import type { RequestTraits } from './upstream';
import { createGrpcTap, recordGrpcMessages } from './grpc/record';
import type { ProxyRoute, UpstreamProxies } from '../upstream-proxy/service';
import { connectionPlan, pickRoute } from './connection-plan';
import type { ClientCertificates } from '../client-certs/agents';

export interface ForwardContext {
  upstream: Upstream;
  recorder: Recorder;
  reverse?: ReverseTarget;
  /** True when the target is the proxy itself (forwarding it would loop). */
  isSelf(target: Target): boolean;
  /** Rules (electron/core/rules): map-remote, mocks, breakpoints. Absent: traffic passes untouched. */
  rules?: RulePipeline;
  /** Replays (electron/core/capture/replay-marks.ts): which exchanges Hindsight itself sends again. */
  replays?: ReplayLookup;
  /** Answers requests to http://hindsight.ca/ (the device setup page, setup-page.ts) instead of forwarding them. */
  setupPage?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** Network conditions (electron/core/conditions): latency, failures and bandwidth per device. */
  conditions?: ConditionsService;
  /** Upstream proxies chosen by rules (electron/core/upstream-proxy). Absent: always direct. */
  proxies?: UpstreamProxies;
  /** Client certificates (mTLS) chosen by rules (electron/core/client-certs). */
  clientCertificates?: ClientCertificates;
}

export function forwardRequest(ctx: ForwardContext, req: http.IncomingMessage, res: http.ServerResponse, isSSL: boolean): void {
  const target = h2ReadableUrl(req, resolveTarget(req, isSSL, ctx.reverse));
  if (!target || ctx.isSelf(target)) {
    req.resume();
    if (target || isOriginForm(req)) sendText(res, 200, 'Hindsight is running. Set it as the HTTP and HTTPS proxy of your client to capture its traffic.\n');
    else sendText(res, 400, `Hindsight: cannot forward to ${JSON.stringify(req.url)}\n`);
    return;
  }
  if (ctx.setupPage && !ctx.reverse && isSetupHost(target.host)) return ctx.setupPage(req, res);
  const exchange = new Exchange(ctx, req, res, target);
  // RFC 9112 §3.2: a request with more than one Host field gets a 400 (proxies disagreeing on it is smuggling).
  const hostProblem = duplicateHostProblem(req.rawHeaders);
  if (hostProblem) return exchange.refuse({ phase: 'client', message: hostProblem, status: 400 });
  exchange.start();
}

export function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Requests with no body can be sent again when a pooled connection turns out to be closed. */
function hasBody(req: http.IncomingMessage): boolean {
  // HTTP/2 says so with END_STREAM on the request's HEADERS; a length is optional there.
  if (isH2Request(req)) return !(req as unknown as { stream: { endAfterHeaders: boolean } }).stream.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

class Exchange {
  private readonly clock = new ExchangeClock();
  private readonly recording: FlowRecording | undefined;
  private readonly withBody: boolean;
  private upstreamRequest?: http.ClientRequest;
  private retried = false;
  /** The origin's protocol was asked for (upstream.prepare) already. */
  private asked = false;
  private done = false;
  /** Set by a rule (electron/core/capture/rule-hooks.ts): what goes upstream instead of the client's request. */
  private rewrite?: Rewrite;
  /** Set when this exchange is a replay (electron/core/replay). */
  private readonly replay: ReplayMark | undefined;
  /** Set when network conditions apply to this exchange (electron/core/conditions). */
  private shaping?: Shaping;
  /** The upstream proxy this exchange goes through (electron/core/upstream-proxy), if any. */
  private route?: ProxyRoute;
  /** The server's response once its head arrived, and how many body bytes of it came. */
  private response?: http.IncomingMessage;
  private received = 0;
  /** The code of an error on the upstream socket while the body streamed (a reset, not a clean close). */
  private resetCode?: string;
  /** The response head was handed to the client (it goes with the first body byte, see onResponse). */
  private headPassed = false;
  /** The client's `Expect: 100-continue` is answered by the server (relayed), not by the proxy. */
  private continueRelayed = false;

  constructor(
    private readonly ctx: ForwardContext,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private target: Target,
  ) {
    this.withBody = hasBody(req);
    const client = clientOf(req.socket);
    this.replay = ctx.replays?.markFor(client);
    this.recording = ctx.recorder.begin(req, target, client, undefined, this.replay);
  }

  /** Answers the request with the failure (a 400 for a malformed request) and records it; the connection closes. */
  refuse(failure: Failure): void {
    this.req.resume();
    this.res.shouldKeepAlive = false;
    this.fail(failure);
  }

  start(): void {
    const { req, res, recording } = this;
    if (expectsContinue(req)) {
      // The proxy does not answer `Expect: 100-continue` itself (proxy.ts sends such requests here unanswered): the
      // server's own 100, or its early final answer, is relayed (send()). Whatever else reads the body first (a
      // rule) needs it now, so the client gets the 100 from the proxy then.
      req.once('resume', () => {
        if (!this.continueRelayed && !res.headersSent && !res.destroyed) res.writeContinue();
      });
    }
    res.on('close', () => {
      if (responseDelivered(res)) return;
      // An h2 client that had every declared byte and cancelled before the server's END_STREAM (h2/response.ts).
      // Bytes a download throttle still holds were not passed on, so no such conclusion then.
      if (!this.shaping?.download && declaredBodyDelivered(res, this.received, this.expectedLength())) {
        this.clock.responseEnded();
        this.complete();
        return;
      }
      this.fail(clientAborted());
    });
    // Errors of the client's request (an abort mid-upload) surface as the response's 'close'.
    req.on('error', () => {});
    // ---- Network conditions: the request waits its latency, fails, or goes on with its bodies shaped.
    const conditions = this.replay?.bypassRules ? undefined : this.ctx.conditions;
    if (conditions?.active()) this.shaping = conditions.forRequest(this.matchInput(), req.socket);
    if (this.shaping) return holdRequest(this.shaping, { client: res, flow: recording?.flow, fail: (f) => this.fail(f) }, () => this.runRules());
    this.runRules();
  }

  private runRules(): void {
    // ---- Rules: a matching rule takes the exchange (rewrite, mock, pause, stop); else nothing changes.
    if (this.ctx.rules && !this.replay?.bypassRules && runRequestRules(this.ctx.rules, this.ruleExchange())) return;
    this.proceed();
  }

  private matchInput() {
    const { req, target } = this;
    return { clientIp: this.replay?.clientIp ?? clientOf(req.socket).ip, method: req.method ?? 'GET', url: target.url, headers: headerPairs(upstreamHeaders(req, target)) };
  }

  private ruleExchange(): RuleExchange {
    return {
      req: this.req,
      res: this.res,
      target: this.target,
      upstreamHeaders: upstreamHeaders(this.req, this.target),
      clientIp: this.replay?.clientIp ?? clientOf(this.req.socket).ip,
      recording: this.recording,
      clock: this.clock,
      download: this.shaping?.download,
      proceed: (rewrite) => this.proceed(rewrite),
      fail: (failure) => this.fail(failure),
      complete: () => this.complete(),
    };
  }

  private proceed(rewrite?: Rewrite): void {
    const { req, recording } = this;
    if (this.done) return;
    // An h2 client's first request to an https origin asks the origin which protocol it speaks (ALPN) first,
    // before anything reads the request body.
    // Asked once: an origin that could not be reached stays unknown, and the request fails on HTTP/1.1's path.
    const asking = this.asked ? undefined : this.ctx.upstream.prepare(rewrite?.target ?? this.target, requestTraits(req, rewrite?.target ?? this.target));
    if (asking) {
      this.asked = true;
      void asking.then(() => this.proceed(rewrite));
      return;
    }
    if (rewrite) {
      this.rewrite = rewrite;
      this.target = rewrite.target;
    }
    const grpcMeta = { contentType: req.headers['content-type'], encoding: req.headers['grpc-encoding'] as string | undefined };
    if (rewrite?.body) {
      // The body was read (or replaced) by a rule: it is sent, and recorded, from memory.
      if (recording && rewrite.body.length > 0) recording.requestChunk(rewrite.body);
      recording?.requestEnd();
      const tap = recording?.flow.grpc ? createGrpcTap(recording, 'to-server', grpcMeta) : undefined;
      tap?.push(rewrite.body);
      tap?.end();
    } else if (recording && this.withBody) {
      // The one place a request body passes on its way upstream: taps (gRPC messages) attach here.
      req.on('data', (chunk: Buffer) => recording.requestChunk(chunk));
      req.on('end', () => recording.requestEnd());
      passTrailers(req, 'request', recording);
      // ---- gRPC (gRPC-Web over HTTP/1.1): each request message into the flow's message log.
      if (recording.flow.grpc) recordGrpcMessages(recording, 'to-server', req, grpcMeta);
    }
    this.send();
  }

  /** Picks the upstream proxy (a rule may name one; a PAC script is asked asynchronously), then sends. */
  private send(): void {
    const proxies = this.replay?.bypassRules ? undefined : this.ctx.proxies;
    pickRoute(proxies, this.target, () => ({ ...this.matchInput(), url: this.target.url }), (route) => this.sendVia(route), (failure) => this.fail(failure));
  }

  private sendVia(route: ProxyRoute | undefined): void {
    if (this.done) return;
    const { req, target, rewrite, recording } = this;
    const traits = requestTraits(req, target);
    this.route = route;
    // A replay that bypasses rules presents no client certificate either.
    const rules = this.replay?.bypassRules ? {} : this.ctx;
    let upstream: http.ClientRequest;
    try {
      const plan = connectionPlan(rules, route, { target, matchInput: () => ({ ...this.matchInput(), url: target.url }), flow: recording?.flow });
      upstream = this.ctx.upstream.request(target, rewrite?.method ?? req.method ?? 'GET', rewrite?.headers ?? upstreamHeaders(req, target), traits, plan);
    } catch (err) {
      this.fail({ phase: 'client', message: `the request cannot be forwarded (${(err as Error).message})`, status: 400 });
      return;
    }
    this.upstreamRequest = upstream;
    this.clock.watch(upstream);
    if (expectsContinue(req) && !rewrite?.body) this.continueRelayed = true;
    upstream.on('information', (info: http.InformationEvent) => {
      if (upstream !== this.upstreamRequest || this.done) return;
      this.recording?.interim(info.statusCode, info.statusMessage, info.rawHeaders);
      passInterim(this.res, info, this.continueRelayed);
    });
    upstream.on('response', (response: http.IncomingMessage) => this.onResponse(response));
    upstream.on('error', (err: NodeJS.ErrnoException) => this.onUpstreamError(upstream, err));
    upstream.on('timeout', () => {
      if (upstream === this.upstreamRequest) this.fail(timeoutFailure(this.clock.failureContext(target), this.ctx.upstream));
    });
    if (rewrite?.body) endShaped(upstream, rewrite.body, this.shaping?.upload);
    else if (this.withBody) {
      // Trailer fields after the body (HTTP/2, or a chunked HTTP/1.1 body) go on with it: they exist once the body
      // ended, before pipe ends `upstream`. Over HTTP/2 they follow the last DATA frame (h2/upstream-h2.ts); over
      // HTTP/1.1 they go with the last chunk, and only a chunked request carries them (RFC 9110 §6.5). proceed()
      // records them.
      req.once('end', () => {
        if (req.rawTrailers.length === 0 || upstream !== this.upstreamRequest) return;
        try {
          upstream.addTrailers(headerPairs(req.rawTrailers));
        } catch (err) {
          // A field Node's writer refuses: thrown inside an 'end' listener it would take the process down.
          this.fail({ phase: 'client', message: `the request's trailers cannot be forwarded (${oneLine((err as Error).message)})`, status: 400 });
        }
      });
      pipeShaped(req, upstream, this.shaping?.upload);
    }
    else {
      req.resume();
      upstream.end();
    }
  }

  private onUpstreamError(upstream: http.ClientRequest, err: NodeJS.ErrnoException): void {
    if (upstream !== this.upstreamRequest || this.done) return;
    // A pooled connection the server closed while idle: the classic keep-alive race. Try once more on a
    // fresh connection when nothing of the request body was consumed.
    const { clock } = this;
    // Bytes after a complete response (more than its Content-Length): the response the client gets is whole, as
    // curl would take it; the connection is dropped by Node, never reused.
    if (this.response?.complete) return;
    if (clock.reused && clock.responseAt === undefined && (!this.withBody || this.rewrite?.body) && !this.retried && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      this.retried = true;
      this.send();
      return;
    }
    // An origin that speaks only HTTP/2 refuses http/1.1 in its TLS handshake: remembered, and sent again over h2.
    const h2 = this.ctx.upstream.h2;
    if (h2 && refusedHttp1(err) && !this.retried && (!this.withBody || this.rewrite?.body)) {
      this.retried = true;
      h2.learn(this.target, 'h2');
      this.send();
      return;
    }
    const at = clock.failureContext(this.target);
    const failure = this.response && !err.code?.startsWith('HPE_') ? midBodyFailure(at, this.received, this.expectedLength(), err.code) : upstreamFailure(err, at, this.ctx.upstream.maxHeaderSize);
    if (this.route) failure.message += ` (through upstream proxy ${this.route.label}: ${err.message})`;
    this.fail(failure);
  }

  /** The response's Content-Length when it frames the body. */
  private expectedLength(): number | undefined {
    const headers = this.response?.headers;
    if (!headers || headers['transfer-encoding'] !== undefined) return undefined;
    const length = Number(headers['content-length']);
    return headers['content-length'] !== undefined && Number.isSafeInteger(length) ? length : undefined;
  }

  private onResponse(response: http.IncomingMessage): void {
    if (this.done) {
      response.resume();
      return;
    }
    const { rewrite } = this;
    if (this.ctx.rules && holdsResponse(rewrite)) {
      // ---- Rules: a response breakpoint or rewrite holds the response (electron/core/capture/rule-hooks.ts).
      runResponseRules(this.ctx.rules, this.ruleExchange(), response, rewrite);
      return;
    }
    const { res, recording, clock } = this;
    clock.responseStarted();
    this.response = response;
    recording?.response(response, clock.socket ?? null);
    if (recording && isEventStream(response)) recordEvents(recording, response);
    if (recording?.flow.grpc) this.tapGrpcResponse(recording, response);
    try {
      if (endWithHeaders(res, response, () => this.complete())) {
        clock.responseEnded();
        response.resume();
        return;
      }
    } catch (err) {
      this.fail({ phase: 'upstream', message: `the response cannot be passed on (${oneLine((err as Error).message)})`, status: 502 });
      return;
    }
    // The head reaches the client with the first body byte or the end (Node sends it no sooner anyway), so a body
    // that breaks before its first byte (a bad chunk size) still gets a 502 naming the problem.
    const passHead = () => {
      if (this.headPassed || this.done) return;
      try {
        // Trailers announced, or already arrived (a head passed at the end), make an HTTP/1.1 client's body chunked.
        const status = response.statusCode ?? 502;
        writeResponseHead(res, status, response.statusMessage, withoutLengthForTrailers(res, status, endToEndHeaders(response.rawHeaders), response.rawTrailers.length > 0));
        this.headPassed = true;
      } catch (err) {
        // A head Node's parser took but its writer refuses (a status out of range, a character it will not send):
        // nothing went out, so the client gets the 502; pipe's write after it must not throw.
        res.on('error', () => {});
        this.fail({ phase: 'upstream', message: `${this.target.host}:${this.target.port} sent a response head that cannot be passed on (${oneLine((err as Error).message)})`, status: 502 });
      }
    };
    // The one place a response body passes on its way to the client: taps (SSE events, gRPC messages) attach here.
    response.on('data', (chunk: Buffer) => {
      passHead();
      this.received += chunk.length;
      recording?.responseChunk(chunk);
    });
    response.on('end', () => {
      passHead();
      clock.responseEnded();
    });
    // Trailer fields go to the client with the last chunk (before pipe ends `res`) and into the flow.
    passTrailers(response, 'response', recording, res);
    response.on('error', () => {});
    // An HTTP/2 response's socket is its session's, shared by other streams: its errors are not this exchange's.
    const socket = response.httpVersion === '2.0' ? undefined : response.socket;
    const onSocketError = (err: NodeJS.ErrnoException) => (this.resetCode ??= err.code);
    socket?.on('error', onSocketError);
    response.on('close', () => {
      socket?.off('error', onSocketError);
      if (!response.complete) this.fail(midBodyFailure(clock.failureContext(this.target), this.received, this.expectedLength(), this.resetCode));
    });
    res.on('finish', () => {
      if (responseDelivered(res)) this.complete();
    });
    pipeShaped(response, res, this.shaping?.download);
  }

  /** gRPC-Web: the response's messages, and its trailer frame (or HTTP/1.1 chunked trailers) as the status. */
  private tapGrpcResponse(recording: FlowRecording, response: http.IncomingMessage): void {
    const grpcEncoding = response.headers['grpc-encoding'];
    recordGrpcMessages(recording, 'to-client', response, { contentType: response.headers['content-type'], encoding: typeof grpcEncoding === 'string' ? grpcEncoding : undefined });
    response.on('end', () => {
      if (response.rawTrailers.length > 0) recording.grpcTrailers(headerPairs(response.rawTrailers));
    });
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.recording?.finish(this.clock.timings());
  }

  private fail(failure: Failure): void {
    if (this.done) return;
    this.done = true;
    const { res, recording, clock } = this;
    // Read the server's address before the socket is destroyed (it is gone after).
    if (recording && clock.socket) recording.connectedTo(clock.socket);
    // A response whose head never reached the client: the client gets the failure instead, and so does the flow.
    if (this.response && !this.headPassed) recording?.responseWithdrawn();
    if (!failure.reset && !res.headersSent && !res.destroyed) sendText(res, failure.status, failureText(failure));
    else res.destroy();
    this.upstreamRequest?.destroy();
    recording?.finish(clock.timings(), failure);
  }
}

/** The client's headers as they go upstream: end-to-end fields only, Host set for the target. */
export function upstreamHeaders(req: http.IncomingMessage, target: Target, keep?: ReadonlySet<string>): string[] {
  // An h2 request is made HTTP/1.1-shaped here once (Host from :authority, no pseudo-headers): rules, filters
  // and the upstream see one shape, and upstream-h2.ts turns it back into h2 when it leaves over h2.
  const headers = endToEndHeaders(isH2Request(req) ? h2RequestToH1(req.rawHeaders) : req.rawHeaders, keep);
  if (target.hostHeader) setHost(headers, target.hostHeader);
  else if (!req.headers.host) setHost(headers, urlAuthority(target.url));
  return headers;
}

/** A TLS handshake the server ended with alert 120 (no_application_protocol): it does not speak http/1.1. */
function refusedHttp1(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' || (err.code === 'EPROTO' && /alert number 120\b/.test(err.message));
}

/**
 * How the client asked: over h2, with semantics only h2 carries (gRPC, `te: trailers`), and whether it spoke
 * h2c with prior knowledge of the origin itself (plain text inside a tunnel to that origin).
 */
function requestTraits(req: http.IncomingMessage, target: Target): RequestTraits | undefined {
  if (!isH2Request(req)) return undefined;
  const type = req.headers['content-type'] ?? '';
  const h2Only = type.startsWith('application/grpc') || /\btrailers\b/i.test(String(req.headers.te ?? ''));
  return { fromH2: true, h2Only, priorKnowledge: target.tunnelled && !target.secure };
}

/** What a connection closed mid-response looks like, for upstreamFailure(). */
export const aborted = (): NodeJS.ErrnoException => Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
