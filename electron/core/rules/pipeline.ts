/**
 * The rules pipeline, in one place and in this order:
 *
 *   map-remote → request mock (mock-request) → rewrite (request side) → map-local → mock → request breakpoint
 *   → upstream → rewrite (response side) → response breakpoint
 *
 * Network conditions (electron/core/conditions) run before this pipeline, in the proxy: they model the
 * device's link, so whatever the pipeline answers or forwards is delayed, shaped or cut like real traffic.
 *
 * The proxy calls it at two points: onRequest() before anything goes upstream, and onResponse() when the
 * server's response headers arrived and the request decision asked for a response breakpoint. Every rule
 * is matched against the request as the CLIENT sent it (what the user sees in the list and writes rules
 * from), and per action type only the first matching rule in priority order applies.
 *
 * Decisions carry the messages to send, already framed (a replaced body comes with its Content-Length).
 * What happened on the way is told as RuleEvents (rules applied, what the client or server sent when it was
 * changed, a pause and its end) through the context's `report`; capture records them on the flow
 * (capture/rule-hooks.ts → capture/recorder.ts). The pipeline never holds or changes a Flow, and never
 * tells the store anything: the recording is a flow's only writer (docs/ARCHITECTURE.md, "Who writes a Flow").
 *
 * With no rules loaded or none matching, onRequest resolves at once with the unchanged request.
 */
import { BREAKPOINT_ABORT_TEXT, type MockAnswer, type PausedBody, type RequestEdits, type ResponseEdits } from '../../common/breakpoint';
import type { Disposable } from '../../common/events';
import type { MessageDirection } from '../../common/message';
import { headerValue, splitUrl, type AppliedRule, type FlowError, type Headers } from '../../common/flow';
import type { Action, RewriteAction, Rule } from '../../common/rule';
import type { Breakpoints, PauseOutcome } from './breakpoints';
import { answerFromDisk } from './map-local';
import { editHeaders, editQuery, hasResponseEdits, replaceInBody } from './rewrite';
import { mapRemoteHeaders, mapRemoteUrl } from './map-remote';
import { bodyFromText, framedFor, reasonPhrase } from './message';
import { sameHeaders, setHeader } from '../../common/headers';
import { urlAuthority } from '../../common/url';
import type { MatchedRules, MatchInput, RuleSet } from './rule-set';
import { grpcMockAnswer, type GrpcResponseParts } from '../grpc/respond';
import { plainAnswerAsGrpc } from '../grpc/plain-answer';
import type { ProtoSchemas } from '../grpc/schema';
import type { ConnectionKind } from '../../common/connection-rule';

/** The bytes of a paused body the API shows (and the UI edits); bigger bodies are shown cut. */
export const PAUSED_BODY_SHOWN = 4 * 1024 * 1024;

/** A request's line and headers, as the pipeline compares and reports them. */
export interface RequestHead {
  method: string;
  url: string;
  headers: Headers;
}

/** A response's status line and headers. */
export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Headers;
}

/**
 * What the pipeline did to one exchange, told as it happens and in this order, so the flow shows each step
 * when it happened (a pause while it lasts). Capture records them on the flow (capture/rule-hooks.ts).
 */
export type RuleEvent =
  /** Rules that applied, in order (they go to flow.appliedRules). */
  | { type: 'applied'; rules: AppliedRule[] }
  /** The request goes on changed: `original` is what the client sent, `sent` what goes on instead. */
  | { type: 'request-changed'; original: RequestHead; sent: RequestHead; bodyReplaced: boolean }
  /** The client gets a changed response: `original` is what the server sent. */
  | { type: 'response-changed'; original: ResponseHead; bodyReplaced: boolean }
  /** The exchange waits in the breakpoint queue (until 'resumed'). */
  | { type: 'paused' }
  /** The pause ended, however it ended (resumed, answered, aborted, released, timed out). */
  | { type: 'resumed' };

/** Where the pipeline tells what it did; absent with capture off (nothing is recorded then). */
export type RuleReport = (event: RuleEvent) => void;

export interface RequestContext extends MatchInput {
  flowId: string;
  /** Reads the whole request body (once; later calls get the same bytes). Only called when a rule needs it. */
  readBody(): Promise<Buffer>;
  report?: RuleReport;
  /** Aborts when the client disconnects: pauses and mock delays are released. */
  signal?: AbortSignal;
}

/** Why an exchange stops here; the proxy fails the flow with it and sends `status` with its text. */
export interface Stop extends FlowError {
  status: number;
}

export type RequestDecision =
  | {
      type: 'forward';
      method: string;
      url: string;
      headers: Headers;
      /** Set when the body was read or replaced: send exactly these bytes (headers are framed for them). */
      body?: Buffer;
      applied: AppliedRule[];
      /** The response breakpoint to pause at, if one matched. */
      responseBreakpoint?: AppliedRule;
      /** A rewrite rule with response edits: the response is held and rewritten. */
      responseRewrite?: Rule;
    }
  | {
      type: 'respond';
      status: number;
      statusText: string;
      headers: Headers;
      body: Buffer;
      /** A gRPC mock's parts, for a client whose protocol has trailers (HTTP/2); the fields above are its HTTP/1.1 form. */
      grpc?: GrpcResponseParts;
      applied: AppliedRule[];
    }
  | { type: 'stop'; stop: Stop; applied: AppliedRule[] };

export interface ResponseContext {
  flowId: string;
  clientIp: string;
  /** The request as sent upstream. */
  request: { method: string; url: string; headers: Headers };
  response: { status: number; statusText: string; headers: Headers };
  readBody(): Promise<Buffer>;
  /** The response breakpoint to pause at, if any. */
  breakpoint?: AppliedRule;
  /** The rewrite rule whose response edits apply first, if any. */
  rewrite?: Rule;
  report?: RuleReport;
  signal?: AbortSignal;
}

export type ResponseDecision =
  | { type: 'forward'; status: number; statusText: string; headers: Headers; body: Buffer }
  | { type: 'stop'; stop: Stop };

export interface PipelineOptions {
  rules: () => RuleSet;
  /** Counts an application of a rule; false when its `times` ran out meanwhile (then it does not apply). */
  hit: (rule: Rule) => boolean;
  breakpoints: Breakpoints;
  /** The loaded .proto files: a gRPC mock encodes its reply with them (electron/core/grpc/respond.ts). */
  protos?: ProtoSchemas;
}

const FORWARD_NOTHING: AppliedRule[] = [];

export const abortedAtBreakpoint = (): Stop => ({ phase: 'rule', message: BREAKPOINT_ABORT_TEXT.replace(/^Hindsight: /, ''), status: 502 });
const releasedWhilePaused = (): Stop => ({ phase: 'client', message: 'the client closed the connection while the exchange was paused', status: 502 });

export class RulePipeline implements Disposable {
  private readonly timers = new Set<{ timer: ReturnType<typeof setTimeout>; done: () => void }>();

  constructor(private readonly options: PipelineOptions) {}

  /** Which rules apply to a request: synchronous, and allocation-free when none does (the proxy's fast path). */
  match(input: MatchInput): MatchedRules | undefined {
    const set = this.options.rules();
    return set.size === 0 ? undefined : set.match(input);
  }

  /** True when any connection rule is enabled (the proxy asks nothing otherwise). */
  hasConnectionRules(): boolean {
    return this.options.rules().connectionRuleCount > 0;
  }

  /** The first connection rule of a kind (passthrough, do-not-record, upstream-proxy) that applies, if any. */
  connectionRule(kind: ConnectionKind, input: MatchInput): Rule | undefined {
    return this.options.rules().matchConnection(kind, input);
  }

  /** The ws-message rules for a WebSocket handshake (none when no rule applies). */
  messageRules(input: MatchInput): Rule[] {
    return this.options.rules().matchMessageRules(input);
  }

  /**
   * Pauses one WebSocket message in the breakpoint queue (a ws-message rule with effect "pause"). The flow stays
   * live; `key` tells apart the socket's paused messages. Resolves with what the user (or the timeout) decided.
   */
  pauseMessage(input: { flowId: string; key: string; clientIp: string; rule: Rule; handshake: { method: string; url: string; headers: Headers }; dir: MessageDirection; text: string; signal: AbortSignal }): Promise<PauseOutcome> {
    return this.options.breakpoints.pause({
      flowId: input.flowId,
      phase: 'message',
      key: input.key,
      clientIp: input.clientIp,
      rule: { id: input.rule.id, kind: 'breakpoint', name: input.rule.name },
      message: { request: input.handshake, wsMessage: { dir: input.dir, text: input.text } },
      signal: input.signal,
    });
  }

  /** Counts an application of a rule; false when its `times` ran out meanwhile (then it does not apply). */
  hit(rule: Rule): boolean {
    return this.options.hit(rule);
  }

  /** `found`: the proxy's match() result, when it already has it. */
  async onRequest(ctx: RequestContext, found = this.match(ctx)): Promise<RequestDecision> {
    // No rule: forwarded as it came, without the extra await below (every unmatched request takes this path).
    if (!found) return { type: 'forward', method: ctx.method, url: ctx.url, headers: ctx.headers, applied: FORWARD_NOTHING };
    const decision = await this.decideRequest(ctx, found);
    // A plain answer to a gRPC call goes the gRPC way, with a status the client reads (grpc/plain-answer.ts).
    if (decision.type !== 'respond' || decision.grpc) return decision;
    const asGrpc = plainAnswerAsGrpc(decision, { path: splitUrl(ctx.url).path, contentType: headerValue(ctx.headers, 'content-type') });
    return asGrpc ? { ...decision, ...asGrpc } : decision;
  }

  private async decideRequest(ctx: RequestContext, found: MatchedRules): Promise<RequestDecision> {

    const applied: AppliedRule[] = [];
    const use = (rule: Rule | undefined, kind?: string): rule is Rule => {
      if (!rule || !this.options.hit(rule)) return false;
      applied.push({ id: rule.id, kind: kind ?? rule.action.type, name: rule.name });
      return true;
    };
    let method = ctx.method;
    let url = ctx.url;
    let headers = ctx.headers;
    let body: Buffer | undefined;

    const mapRemote = found['map-remote'];
    if (use(mapRemote)) {
      const action = mapRemote.action as Extract<Action, { type: 'map-remote' }>;
      url = mapRemoteUrl(url, action, mapRemote.matchers);
      headers = mapRemoteHeaders(headers, url, action);
    }
    const rewrite = found['mock-request'];
    if (use(rewrite)) {
      const action = rewrite.action as Extract<Action, { type: 'mock-request' }>;
      ({ method, url, headers, body } = rewriteRequest({ method, url, headers }, action));
    }
    // Replaced: the bytes differ from what the client sent (then its Content-Encoding no longer applies).
    let bodyReplaced = body !== undefined;
    const rewriteRule = found.rewrite;
    let responseRewrite: Rule | undefined;
    if (use(rewriteRule)) {
      const action = rewriteRule.action as RewriteAction;
      url = editQuery(url, action.query);
      headers = editHeaders(headers, action.requestHeaders);
      if (action.requestBody?.length) {
        // Once read, the body is sent from memory, changed or not.
        const raw = body ?? (await ctx.readBody());
        const replaced = replaceInBody(raw, headers, action.requestBody);
        body = replaced ?? raw;
        if (replaced) bodyReplaced = true;
      }
      if (hasResponseEdits(action)) responseRewrite = rewriteRule;
    }
    const mapLocal = found['map-local'];
    if (use(mapLocal)) {
      const action = mapLocal.action as Extract<Action, { type: 'map-local' }>;
      reportRequest(ctx, applied, { method, url, headers }, bodyReplaced);
      return { type: 'respond', ...(await answerFromDisk(action, mapLocal.matchers, { method, url, headers })), applied };
    }
    const mock = found.mock;
    if (use(mock)) {
      const action = mock.action as Extract<Action, { type: 'mock' }>;
      reportRequest(ctx, applied, { method, url, headers }, bodyReplaced);
      if (action.delayMs && !(await this.delay(action.delayMs, ctx.signal))) return { type: 'stop', stop: releasedWhilePaused(), applied };
      if (action.grpc) {
        const call = { path: splitUrl(url).path, contentType: headerValue(headers, 'content-type') };
        return { type: 'respond', ...grpcMockAnswer(action.grpc, call, this.options.protos), applied };
      }
      return { type: 'respond', ...mockResponse(action), applied };
    }

    const requestBreakpoint = found.requestBreakpoint;
    const responseBreakpoint = found.responseBreakpoint;
    // One hit per rule and flow, also for a breakpoint on both sides.
    const pauseRequest = use(requestBreakpoint, 'breakpoint');
    const pauseResponse = responseBreakpoint === requestBreakpoint ? pauseRequest : use(responseBreakpoint, 'breakpoint');
    // One timeout per exchange: when nobody acted on its paused request, its response is not paused again
    // (a forgotten exchange holds the client one timeout, not one per side).
    let requestTimedOut = false;
    if (pauseRequest) {
      const rule = applied[applied.length - 1];
      // Once read, the client's body is gone from the socket: from here on it is always sent from memory.
      body ??= await ctx.readBody();
      const outcome = await this.pause(ctx.report, {
        flowId: ctx.flowId,
        phase: 'request',
        clientIp: ctx.clientIp,
        rule,
        message: { request: { method, url, headers, body: shownBody(body) } },
        signal: ctx.signal,
      });
      requestTimedOut = outcome.type === 'resume' && outcome.timedOut;
      const result = applyRequestOutcome(outcome, { method, url, headers, body });
      if (result.type === 'stop') {
        reportRequest(ctx, applied, { method, url, headers }, bodyReplaced);
        return { ...result, applied };
      }
      if (result.type === 'respond') {
        applied.push({ id: rule.id, kind: 'breakpoint-answer', name: rule.name });
        reportRequest(ctx, applied, { method, url, headers }, bodyReplaced);
        return { ...result, applied };
      }
      if (result.edited) applied.push({ id: rule.id, kind: 'breakpoint-edit', name: rule.name });
      if (result.body !== body) bodyReplaced = true;
      ({ method, url, headers, body } = result);
    }
    // A body sent from memory needs a Content-Length; when it is the client's own bytes that reframing is
    // not an edit, so the flow records the headers as they were.
    const framed = body === undefined ? headers : framedFor(headers, body.length, { keepEncoding: !bodyReplaced });
    reportRequest(ctx, applied, { method, url, headers: bodyReplaced ? framed : headers }, bodyReplaced);
    headers = framed;
    const decision: RequestDecision = { type: 'forward', method, url, headers, applied };
    if (body !== undefined) decision.body = body;
    if (pauseResponse && responseBreakpoint && !requestTimedOut) decision.responseBreakpoint = { id: responseBreakpoint.id, kind: 'breakpoint', name: responseBreakpoint.name };
    if (responseRewrite) decision.responseRewrite = responseRewrite;
    return decision;
  }

  async onResponse(ctx: ResponseContext): Promise<ResponseDecision> {
    const server = ctx.response;
    const serverBody = await ctx.readBody();
    // The rewrite's response edits come first; a response breakpoint then shows (and edits) the rewritten response.
    const rewritten = ctx.rewrite ? rewriteResponse(ctx.rewrite.action as RewriteAction, server, serverBody) : undefined;
    const original = rewritten ?? server;
    const body = rewritten?.body ?? serverBody;
    if (rewritten?.changed) ctx.report?.({ type: 'response-changed', original: responseHead(server), bodyReplaced: rewritten.bodyReplaced });
    if (!ctx.breakpoint) {
      return { type: 'forward', status: original.status, statusText: original.statusText, headers: framedFor(original.headers, body.length, { keepEncoding: !rewritten?.bodyReplaced }), body };
    }
    const outcome = await this.pause(ctx.report, {
      flowId: ctx.flowId,
      phase: 'response',
      clientIp: ctx.clientIp,
      rule: ctx.breakpoint,
      message: { request: ctx.request, response: { ...original, body: shownBody(body) } },
      signal: ctx.signal,
    });
    if (outcome.type === 'released' || outcome.type === 'abort') return { type: 'stop', stop: stopFor(outcome) };
    const result =
      outcome.type === 'answer'
        ? { type: 'forward' as const, ...mockResponse(outcome.response), edited: true }
        : { type: 'forward' as const, ...editResponse(original, body, outcome.edits as ResponseEdits | undefined) };
    if (ctx.report && result.edited) {
      const kind = outcome.type === 'answer' ? 'breakpoint-answer' : 'breakpoint-edit';
      ctx.report({ type: 'applied', rules: [{ ...ctx.breakpoint, kind }] });
      ctx.report({ type: 'response-changed', original: responseHead(server), bodyReplaced: result.body !== serverBody });
    }
    const { edited: _edited, ...decision } = result;
    return decision;
  }

  private async pause(report: RuleReport | undefined, request: Parameters<Breakpoints['pause']>[0]): Promise<PauseOutcome> {
    report?.({ type: 'paused' });
    const outcome = await this.options.breakpoints.pause(request);
    report?.({ type: 'resumed' });
    return outcome;
  }

  /** Waits; false when the client left (or the pipeline was disposed) first. */
  private delay(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => finish(true), ms),
        done: () => finish(false),
      };
      const finish = (ok: boolean) => {
        clearTimeout(entry.timer);
        this.timers.delete(entry);
        signal?.removeEventListener('abort', entry.done);
        resolve(ok);
      };
      this.timers.add(entry);
      signal?.addEventListener('abort', entry.done, { once: true });
    });
  }

  dispose(): void {
    for (const entry of [...this.timers]) entry.done();
  }
}

/** Reports the rules applied to a request and, when the request changed, what the client sent. */
function reportRequest(ctx: RequestContext, applied: AppliedRule[], sent: RequestHead, bodyReplaced: boolean): void {
  if (!ctx.report || applied.length === 0) return;
  ctx.report({ type: 'applied', rules: applied });
  const changed = sent.method !== ctx.method || sent.url !== ctx.url || !sameHeaders(sent.headers, ctx.headers) || bodyReplaced;
  if (changed) ctx.report({ type: 'request-changed', original: { method: ctx.method, url: ctx.url, headers: ctx.headers }, sent, bodyReplaced });
}

const responseHead = (r: ResponseHead): ResponseHead => ({ status: r.status, statusText: r.statusText, headers: r.headers });

/** The server's response after a rewrite rule's response edits; a replaced body is decoded and sent identity. */
function rewriteResponse(action: RewriteAction, server: { status: number; statusText: string; headers: Headers }, body: Buffer) {
  const status = action.status ?? server.status;
  const statusText = status === server.status ? server.statusText : reasonPhrase(status);
  let headers = editHeaders(server.headers, action.responseHeaders);
  const replaced = replaceInBody(body, headers, action.responseBody);
  if (replaced) headers = framedFor(headers, replaced.length);
  const changed = status !== server.status || !sameHeaders(headers, server.headers) || replaced !== undefined;
  return { status, statusText, headers, body: replaced ?? body, bodyReplaced: replaced !== undefined, changed };
}

/** The request after a mock-request rule: each given field replaces the client's. */
function rewriteRequest(sent: { method: string; url: string; headers: Headers }, action: Extract<Action, { type: 'mock-request' }>) {
  let { method, url, headers } = sent;
  let body: Buffer | undefined;
  if (action.method) method = action.method;
  if (action.url && action.url !== url) {
    url = action.url;
    headers = setHeader(headers, 'Host', urlAuthority(url));
  }
  // Headers given by the rule are the whole list sent (Host too, when it names one).
  if (action.headers) headers = action.headers.some(([k]) => k.toLowerCase() === 'host') ? action.headers : setHeader(action.headers, 'Host', urlAuthority(url));
  if (action.body !== undefined) body = bodyFromText(action.body, action.bodyEncoding);
  return { method, url, headers, body };
}

function mockResponse(mock: MockAnswer | Extract<Action, { type: 'mock' }>): { status: number; statusText: string; headers: Headers; body: Buffer } {
  const body = bodyFromText(mock.body, mock.bodyEncoding);
  const statusText = ('statusText' in mock && mock.statusText) || reasonPhrase(mock.status);
  return { status: mock.status, statusText, headers: framedFor(mock.headers, body.length), body };
}

function shownBody(body: Buffer): PausedBody {
  const shown = body.length > PAUSED_BODY_SHOWN ? body.subarray(0, PAUSED_BODY_SHOWN) : body;
  return { base64: shown.toString('base64'), size: body.length, truncated: shown.length < body.length };
}

/** An aborted pause fails the flow as the user's doing; a released one as the client's. */
function stopFor(outcome: Extract<PauseOutcome, { type: 'released' | 'abort' }>): Stop {
  return outcome.type === 'abort' ? abortedAtBreakpoint() : releasedWhilePaused();
}

type RequestOutcome =
  | { type: 'forward'; method: string; url: string; headers: Headers; body: Buffer; edited: boolean }
  | { type: 'respond'; status: number; statusText: string; headers: Headers; body: Buffer }
  | { type: 'stop'; stop: Stop };

function applyRequestOutcome(outcome: PauseOutcome, sent: { method: string; url: string; headers: Headers; body: Buffer }): RequestOutcome {
  switch (outcome.type) {
    case 'released':
    case 'abort':
      return { type: 'stop', stop: stopFor(outcome) };
    case 'answer':
      return { type: 'respond', ...mockResponse(outcome.response) };
    case 'resume': {
      const edits = outcome.edits as RequestEdits | undefined;
      if (!edits) return { type: 'forward', ...sent, edited: false };
      const method = edits.method ?? sent.method;
      const url = edits.url ?? sent.url;
      let headers = edits.headers ?? sent.headers;
      // A new URL on another host takes the Host header along, unless the edit set the headers itself.
      if (url !== sent.url && !edits.headers) headers = setHeader(headers, 'Host', urlAuthority(url));
      const body = edits.body !== undefined ? bodyFromText(edits.body, edits.bodyEncoding) : sent.body;
      const edited = method !== sent.method || url !== sent.url || !sameHeaders(headers, sent.headers) || !body.equals(sent.body);
      return { type: 'forward', method, url, headers, body: edited ? body : sent.body, edited };
    }
  }
}

function editResponse(original: { status: number; statusText: string; headers: Headers }, body: Buffer, edits: ResponseEdits | undefined) {
  if (!edits) return { status: original.status, statusText: original.statusText, headers: framedFor(original.headers, body.length, { keepEncoding: true }), body, edited: false };
  const status = edits.status ?? original.status;
  const statusText = edits.statusText ?? (edits.status !== undefined && edits.status !== original.status ? reasonPhrase(status) : original.statusText);
  const newBody = edits.body !== undefined ? bodyFromText(edits.body, edits.bodyEncoding) : body;
  const replaced = edits.body !== undefined && !newBody.equals(body);
  const headers = framedFor(edits.headers ?? original.headers, (replaced ? newBody : body).length, { keepEncoding: !replaced });
  const edited = status !== original.status || statusText !== original.statusText || edits.headers !== undefined || replaced;
  return { status, statusText, headers, body: replaced ? newBody : body, edited };
}
