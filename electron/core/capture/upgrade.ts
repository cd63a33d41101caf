/**
 * WebSocket (and any other HTTP/1.1 Upgrade) handshakes pass through byte for byte: the client's request
 * goes upstream with its Upgrade, Sec-WebSocket-Protocol and extension headers, the server's own 101 comes
 * back unchanged, and from then on the two sockets are relayed chunk for chunk (websocket/relay.ts), which
 * records every WebSocket message in the flow's message log. The flow has `websocket: true` and stays live
 * until the socket closes. A server that refuses the upgrade is answered like any
 * other response; an unreachable one yields a 502/504 and a failed flow, as for plain requests.
 * Connection rules apply as for requests (connection-plan.ts): an upstream proxy carries the handshake through
 * CONNECT (also for ws://, as browsers do) or SOCKS5, and a client-certificate rule's certificate is presented.
 */
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { ExchangeClock } from './clock';
import { aborted, upstreamHeaders, type ForwardContext } from './forward';
import { endToEndHeaders, rawHeader } from '../../common/headers';
import type { LiveWebSockets } from './websocket/registry';
import { WebSocketRelay } from './websocket/relay';
import { failureText, timeoutFailure, upstreamFailure, type Failure } from './failure';
import { clientOf, resolveTarget } from './target';
import { headerPairs } from '../../common/headers';
import { holdRequest } from './hold';
import type { Shaping } from '../conditions/service';
import { shapedSink } from '../conditions/throttle';
import { messageGate } from '../rules/ws-message';
import type { ProxyRoute } from '../upstream-proxy/service';
import { connectionPlan, pickRoute } from './connection-plan';

const HANDSHAKE_FIELDS: ReadonlySet<string> = new Set(['connection', 'upgrade']);
const TRANSFER_ENCODING: ReadonlySet<string> = new Set(['transfer-encoding']);

export interface UpgradeContext extends ForwardContext {
  /** Upgraded upstream sockets live outside the pools; the proxy destroys what is left on dispose. */
  track(socket: Duplex): void;
  /** Open WebSockets by flow id, for sending a message into one (websocket/registry.ts). */
  webSockets?: LiveWebSockets;
}

export function forwardUpgrade(ctx: UpgradeContext, req: http.IncomingMessage, socket: Duplex, head: Buffer, isSSL: boolean): void {
  socket.on('error', () => socket.destroy());
  const target = resolveTarget(req, isSSL, ctx.reverse);
  if (!target || ctx.isSelf(target)) {
    socket.end(rawResponse(400, 'Bad Request', ['Content-Type', 'text/plain; charset=utf-8', 'Connection', 'close'], `Hindsight: cannot forward to ${JSON.stringify(req.url)}\n`));
    return;
  }
  const isWebSocket = /^websocket$/i.test(req.headers.upgrade ?? '');
  const url = isWebSocket ? target.url.replace(/^http/i, 'ws') : target.url;
  const recording = ctx.recorder.begin(req, target, clientOf(req.socket), url);
  if (recording && isWebSocket) recording.flow.websocket = true;
  const clock = new ExchangeClock();
  let done = false;
  const fail = (failure: Failure, answered = false) => {
    if (done) return;
    done = true;
    if (recording && clock.socket) recording.connectedTo(clock.socket);
    if (!answered) socket.end(rawResponse(failure.status, http.STATUS_CODES[failure.status] ?? 'Bad Gateway', ['Content-Type', 'text/plain; charset=utf-8', 'Connection', 'close'], failureText(failure)));
    upstream?.destroy();
    recording?.finish(clock.timings(), failure);
  };
  socket.on('close', () => fail({ phase: 'client', message: 'the client closed the connection during the handshake', status: 502 }, true));

  let upstream: http.ClientRequest | undefined;
  let route: ProxyRoute | undefined;
  const matchInput = () => ({ clientIp: clientOf(req.socket).ip, method: req.method ?? 'GET', url: target.url, headers: headerPairs(upstreamHeaders(req, target)) });
  // ---- Connection rules (connection-plan.ts): through an upstream proxy's CONNECT or SOCKS5, or with a client
  // certificate, as for requests; the flow names the proxy or the certificate.
  const open = (chosen: ProxyRoute | undefined) => {
    if (done) return;
    route = chosen;
    try {
      const plan = connectionPlan(ctx, route, { target, matchInput, flow: recording?.flow, tunnel: true });
      upstream = ctx.upstream.request(target, req.method ?? 'GET', upstreamHeaders(req, target, HANDSHAKE_FIELDS), undefined, plan);
    } catch (err) {
      fail({ phase: 'client', message: `the request cannot be forwarded (${(err as Error).message})`, status: 502 });
      return;
    }
    handle(upstream);
    // ---- Network conditions (electron/core/conditions): the handshake waits, fails or goes; frames are shaped.
    const sending = upstream;
    if (shaping) holdRequest(shaping, { client: socket, flow: recording?.flow, fail: (f) => (socket.destroy(), fail(f, true)) }, () => sending.end());
    else sending.end();
  };
  const shaping: Shaping | undefined = ctx.conditions?.active() ? ctx.conditions.forRequest({ clientIp: clientOf(req.socket).ip, method: req.method ?? 'GET', url: target.url, headers: headerPairs(req.rawHeaders) }, req.socket) : undefined;

  // The upstream request's answer: the server's 101 starts the relay; anything else is passed on and closed.
  const handle = (upstream: http.ClientRequest): void => {
    clock.watch(upstream);
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      const failure = upstreamFailure(err, clock.failureContext(target));
      if (route) failure.message += ` (through upstream proxy ${route.label}: ${err.message})`;
      fail(failure);
    });
    upstream.on('timeout', () => fail(timeoutFailure(clock.failureContext(target), ctx.upstream)));

    upstream.on('upgrade', (response: http.IncomingMessage, upstreamSocket: net.Socket, upstreamHead: Buffer) => {
      if (done) {
        upstreamSocket.destroy();
        return;
      }
      done = true;
      clock.responseStarted();
      clock.responseEnded();
      ctx.track(upstreamSocket);
      upstreamSocket.on('error', () => upstreamSocket.destroy());
      recording?.response(response, upstreamSocket);
      socket.write(rawResponse(response.statusCode ?? 101, response.statusMessage ?? '', response.rawHeaders));
      // Either side closing ends the other; the idle limit does not apply to a quiet WebSocket.
      upstreamSocket.setTimeout(0);
      // The flow stays live while the socket is open; its messages go to its message log (websocket/relay.ts).
      const flowId = recording?.flow.id;
      const relay = new WebSocketRelay({
        client: socket,
        server: upstreamSocket,
        recording: isWebSocket ? recording : undefined,
        extensions: rawHeader(response.rawHeaders, 'sec-websocket-extensions'),
        // Network conditions (electron/core/conditions): each direction through the device's budget.
        sinks: { toClient: shapedSink(socket, shaping?.download), toServer: shapedSink(upstreamSocket, shaping?.upload) },
        // ws-message rules (electron/core/rules/ws-message.ts) matched on the handshake: messages are held and judged.
        gate: isWebSocket && recording ? messageGateFor(ctx, req, url, recording.flow.id) : undefined,
        onClosed: () => {
          if (flowId) ctx.webSockets?.remove(flowId);
          recording?.finish(clock.timings());
        },
      });
      if (flowId && isWebSocket) ctx.webSockets?.add(flowId, relay);
      relay.start(head, upstreamHead);
    });

    upstream.on('response', (response: http.IncomingMessage) => {
      // The server declined the upgrade: pass its answer on and close (the client expected a switch).
      if (done) {
        response.resume();
        return;
      }
      clock.responseStarted();
      recording?.response(response, clock.socket ?? null);
      // The body goes on de-chunked and ends with the connection.
      const headers = endToEndHeaders(response.rawHeaders, undefined, TRANSFER_ENCODING);
      socket.write(rawResponse(response.statusCode ?? 502, response.statusMessage ?? '', [...headers, 'Connection', 'close']));
      if (recording) response.on('data', (chunk: Buffer) => recording.responseChunk(chunk));
      response.on('error', () => {});
      response.on('close', () => {
        if (!response.complete) fail(upstreamFailure(aborted(), clock.failureContext(target)), true);
      });
      response.on('end', () => {
        clock.responseEnded();
        if (done) return;
        done = true;
        socket.end();
        recording?.finish(clock.timings());
      });
      response.pipe(socket, { end: false });
    });
  };
  pickRoute(ctx.proxies, target, matchInput, open, (failure) => fail(failure));
}

function messageGateFor(ctx: UpgradeContext, req: http.IncomingMessage, url: string, flowId: string) {
  const pipeline = ctx.rules;
  if (!pipeline) return undefined;
  const handshake = { method: req.method ?? 'GET', url, headers: headerPairs(req.rawHeaders) };
  const clientIp = clientOf(req.socket).ip;
  const rules = pipeline.messageRules({ clientIp, ...handshake });
  if (rules.length === 0) return undefined;
  // Pause rules put a message in the breakpoint queue; each pause of the socket gets its own key.
  let pauses = 0;
  return messageGate(
    rules,
    (rule) => pipeline.hit(rule),
    (rule, dir, text, signal) => pipeline.pauseMessage({ flowId, key: String(++pauses), clientIp, rule, handshake, dir, text, signal }),
  );
}

/** An HTTP/1.1 response head (and optional text body) as bytes, headers from a flat list. */
function rawResponse(status: number, statusText: string, headers: string[], body?: string): string {
  let text = `HTTP/1.1 ${status} ${statusText}\r\n`;
  for (let i = 0; i + 1 < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (body !== undefined) text += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  else text += '\r\n';
  return text;
}
