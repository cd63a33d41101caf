/**
 * The capture proxy: http-mitm-proxy (patched, see patches/ and docs/ARCHITECTURE.md) is the front door —
 * it listens, answers CONNECT, and terminates intercepted TLS with our CA's certificates in-process — and
 * hands every request and upgrade to our forwarder (forward.ts, upgrade.ts), which records flows.
 */
import type { LookupFunction } from 'node:net';
import type net from 'node:net';
import type tls from 'node:tls';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { Proxy } from 'http-mitm-proxy';
import type { CertificateAuthority } from '../../../certs/types';
import type { Flow } from '../../common/flow';
import { forwardRequest, type ForwardContext } from './forward';
import { Recorder } from './recorder';
import type { BodyStoreLike, CaptureSink, MessageLogLike } from './sink';
import { connectTargetProblem, parseReverseTarget, plainIp, type Target } from './target';
import { forwardUpgrade, type UpgradeContext } from './upgrade';
import { Upstream } from './upstream';
import { EarlyFailures } from './early-failures';
import { DEFAULT_MAX_HEADER_SIZE } from './header-limit';
import { LiveWebSockets } from './websocket/registry';
import type { RulePipeline } from '../rules/pipeline';
import { serveSetupPage } from './setup-page';
import type { ReplayLookup } from '../replay/marks';
import type { ConditionsService } from '../conditions/service';

/**
 * How long a request waits for the server's response headers: 300 s, as Firefox waits
 * (network.http.response.timeout); a browser user never notices it. A started response is never cut for
 * being quiet unless `bodyIdleTimeoutMs` is set.
 */
export const DEFAULT_UPSTREAM_TIMEOUT_MS = 300_000;

export interface CaptureProxyOptions {
  host: string;
  port: number;
  ca: CertificateAuthority;
  sink: CaptureSink;
  bodies: BodyStoreLike;
  /** Message logs for WebSocket and SSE flows (the store's); without it only the handshake is recorded. */
  messages?: MessageLogLike;
  nextSeq: () => number;
  /** Reverse mode: every plain request goes to this origin (http://host:port or https://host). */
  reverse?: string;
  insecureUpstream?: boolean;
  upstreamCa?: string[];
  lookup?: LookupFunction;
  /** How long a request waits for response headers, connecting included (default 300 s). */
  upstreamTimeoutMs?: number;
  /** Cut a response body that stays quiet this long (off by default: SSE and long-polls stay open). */
  bodyIdleTimeoutMs?: number;
  /** The largest request and response header section accepted, in bytes (default 64 KB). */
  maxHeaderSize?: number;
  /** Which client addresses may use the proxy; everyone when absent. */
  allowClient?: (ip: string) => boolean;
  /** This Hindsight's other ports (the UI/API): requests to them on this machine are refused, never forwarded. */
  ownPorts?: ReadonlySet<number>;
  onFinished?: (flow: Flow) => void;
  /** The rules pipeline (electron/core/rules) every request passes through. */
  rules?: RulePipeline;
  /** Marks Hindsight's own replays (electron/core/replay/marks.ts): replayOf, recorded with capture off, rules bypass. */
  replays?: ReplayLookup;
  /** Network conditions per device (electron/core/conditions): latency, failures, bandwidth. */
  conditions?: ConditionsService;
  /** Errors the proxy survived (bad TLS from a client, a refused tunnel): for the log, never fatal. */
  onError?: (kind: string, err: unknown) => void;
}

export interface CaptureProxy {
  address(): { host: string; port: number };
  readonly capturing: boolean;
  /** Open WebSockets by flow id (sending a message into one). */
  readonly webSockets: LiveWebSockets;
  setCapture(enabled: boolean): void;
  /** Stops listening, closes every client and upstream socket. */
  dispose(): Promise<void>;
}

export async function startCaptureProxy(options: CaptureProxyOptions): Promise<CaptureProxy> {
  const reverse = options.reverse ? parseReverseTarget(options.reverse) : undefined;
  const upstream = new Upstream({
    insecure: options.insecureUpstream,
    extraCa: options.upstreamCa,
    lookup: options.lookup,
    timeoutMs: options.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
    maxHeaderSize: options.maxHeaderSize,
  });
  const recorder = new Recorder({ sink: options.sink, bodies: options.bodies, messages: options.messages, nextSeq: options.nextSeq, onFinished: options.onFinished });
  const clientSockets = new Set<net.Socket>();
  const upgradedSockets = new Set<Duplex>();
  const refused = new WeakSet<net.Socket>();
  let port = options.port;

  const isSelf = (target: Target) =>
    ((target.port === port && !target.tunnelled) || options.ownPorts?.has(target.port) === true) &&
    (target.host === options.host || target.host === 'localhost' || /^127\.|^::1$|^::ffff:127\./.test(target.host));
  const forwardContext: ForwardContext = {
    upstream,
    recorder,
    reverse,
    isSelf,
    rules: options.rules,
    replays: options.replays,
    conditions: options.conditions,
    setupPage: (req, res) => serveSetupPage(options.ca, req, res),
  };
  const webSockets = new LiveWebSockets();
  const upgradeContext: UpgradeContext = {
    ...forwardContext,
    webSockets,
    track(socket) {
      upgradedSockets.add(socket);
      socket.once('close', () => upgradedSockets.delete(socket));
    },
  };
  const outerSocket = (socket: net.Socket): net.Socket =>
    (socket as net.Socket & { connectRequest?: http.IncomingMessage }).connectRequest?.socket ?? socket;

  const proxy = new Proxy();
  proxy.onError((_ctx, err, kind) => options.onError?.(kind ?? 'PROXY_ERROR', err));
  proxy.onConnect((req, socket, _head, callback) => {
    if (refused.has(req.socket)) return callback(new Error('client not allowed'));
    // The target is checked before the tunnel is answered: `CONNECT garbage` gets 400 and a reason, not 200.
    const problem = connectTargetProblem(req.url);
    if (problem) {
      const text = `Hindsight: ${problem}\n`;
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`, () =>
        callback(new Error(problem)),
      );
      return;
    }
    return callback();
  });
  await new Promise<void>((resolve, reject) => {
    proxy.listen(
      {
        host: options.host,
        port: options.port,
        forceSNI: true,
        getSecureContext: (hostname) => options.ca.leafFor(hostname).context,
        handleRequest: (req, res, isSSL) => {
          if (refused.has(outerSocket(req.socket))) {
            res.destroy();
            return;
          }
          forwardRequest(forwardContext, req, res, isSSL);
        },
        handleUpgrade: (req, socket, head, isSSL) => {
          if (refused.has(outerSocket(req.socket))) {
            socket.destroy();
            return;
          }
          forwardUpgrade(upgradeContext, req, socket, head, isSSL);
        },
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
  const server = proxy.httpServer!;
  port = (server.address() as net.AddressInfo).port;
  const early = watchBeforeRequests(server, proxy.httpsServer, recorder, options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE);
  server.prependListener('connection', (socket: net.Socket) => {
    clientSockets.add(socket);
    socket.once('close', () => clientSockets.delete(socket));
    if (options.allowClient && !options.allowClient(plainIp(socket.remoteAddress ?? ''))) {
      refused.add(socket);
      const text = `Hindsight: ${plainIp(socket.remoteAddress ?? '')} is not allowed to use this proxy (see --allow)\n`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    }
  });

  let disposed: Promise<void> | undefined;
  return {
    address: () => ({ host: options.host, port }),
    get capturing() {
      return recorder.enabled;
    },
    webSockets,
    setCapture(enabled) {
      recorder.enabled = enabled;
    },
    dispose() {
      disposed ??= new Promise<void>((resolve) => {
        early.stop();
        server.close(() => resolve());
        proxy.httpsServer?.close();
        for (const socket of clientSockets) socket.destroy();
        for (const socket of upgradedSockets) socket.destroy();
        upstream.dispose();
      });
      return disposed;
    },
  };
}

/**
 * What happens on the front door before a request reaches forwardRequest(): the header limit of both servers
 * (Node reads `maxHeaderSize` per connection), `Expect: 100-continue` handed on unanswered (forward.ts relays
 * the server's own answer), and failures before a request exists recorded as flows (early-failures.ts).
 */
function watchBeforeRequests(server: http.Server, httpsServer: http.Server | undefined, recorder: Recorder, maxHeaderSize: number): EarlyFailures {
  const early = new EarlyFailures(recorder, maxHeaderSize);
  for (const [front, secure] of [[server, false], [httpsServer, true]] as const) {
    if (!front) continue;
    // Node has no setter for it after creation, but reads the field for every new connection (_http_server.js).
    (front as http.Server & { maxHeaderSize?: number }).maxHeaderSize = maxHeaderSize;
    front.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => front.emit('request', req, res));
    front.on('clientError', (err: Error, socket: Duplex) => early.clientError(err, socket as net.Socket, secure));
  }
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => early.watchTunnel(req, socket));
  httpsServer?.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => early.tlsClientError(err, socket));
  return early;
}
