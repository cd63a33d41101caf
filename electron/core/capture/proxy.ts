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
import type { Event } from '../../common/events';
import { forwardRequest, type ForwardContext } from './forward';
import { Recorder } from './recorder';
import type { BodyStoreLike, CaptureSink, MessageLogLike } from '../store/sink';
import { connectTargetProblem, parseAuthority, parseReverseTarget, plainIp, urlHost, type Target } from './target';
import { forwardUpgrade, type UpgradeContext } from './upgrade';
import { Upstream } from './upstream';
import { EarlyFailures } from './early-failures';
import { DEFAULT_MAX_HEADER_SIZE } from './header-limit';
import { LiveWebSockets } from './websocket/registry';
import type { RulePipeline } from '../rules/pipeline';
import { serveSetupPage } from './setup-page';
import { warmUpProxy, type WarmUp } from './warm-up';
import type { ReplayLookup } from './replay-marks';
import type { ConditionsService } from '../conditions/service';
import { createH2Front } from './h2/front';
import { servePrefaceAsH2 } from './h2/preface';
import { encodeRequestTargets } from './request-target-bytes';
import { rawUtf8Recovery } from './raw-utf8-recovery';
import { doNotRecord, passthroughRule } from './connection-rules';
import { passThrough, type PassthroughContext } from './passthrough';
import { connectDirect } from '../upstream-proxy/direct';
import { UpstreamProxies } from '../upstream-proxy/service';
import { ClientCertificates } from '../client-certs/agents';
import { serveSocks, sniffSocks, type SocksContext, type SocksCredentials } from './socks';
import { noteFirstChunk, noteFirstTlsChunks, requestParsed } from './request-line';

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
  /**
   * Read every client connection through the request-target encoder (request-target-bytes.ts), as before raw
   * UTF-8 targets were taken by default. Off by default: only a connection whose target Node's parser refuses
   * for raw UTF-8 moves to that path (raw-utf8-recovery.ts); reading all of them in JavaScript cost 12–26 µs
   * of CPU per request in the quiet benchmark (10–20 % of HTTP/1.1 forwarding). On, it still takes a request
   * line whose start came in an earlier TCP read, which the default gives a 400.
   */
  rawUtf8Paths?: boolean;
  /** Which client addresses may use the proxy; everyone when absent. */
  allowClient?: (ip: string) => boolean;
  /** This Hindsight's other ports (the UI/API): requests to them on this machine are refused, never forwarded. */
  ownPorts?: ReadonlySet<number>;
  onFinished?: (flow: Flow) => void;
  /** The rules pipeline (electron/core/rules) every request passes through. */
  rules?: RulePipeline;
  /** Marks Hindsight's own replays (electron/core/capture/replay-marks.ts): replayOf, recorded with capture off, rules bypass. */
  replays?: ReplayLookup;
  /** Network conditions per device (electron/core/conditions): latency, failures, bandwidth. */
  conditions?: ConditionsService;
  /**
   * HTTP/2 with clients (ALPN h2 on intercepted TLS, h2c in tunnels and in reverse mode) and with origins
   * that negotiate it; 'off' keeps both sides on HTTP/1.1. Default 'auto'.
   */
  http2?: 'auto' | 'off';
  /**
   * Pages of http://hindsight.ca/ served beside the setup page (the device bind page, electron/core/devices):
   * true when it answered the request. `clientIp` is the real client, also inside a tunnel.
   */
  devicePage?: (req: http.IncomingMessage, res: http.ServerResponse, clientIp: string) => boolean;
  /** The data folder: client certificates (mTLS) are read from it. */
  dataDir?: string;
  /** SOCKS5 clients on the proxy port must give this username and password (RFC 1929); absent: no authentication. */
  socksCredentials?: SocksCredentials;
  /** Errors the proxy survived (bad TLS from a client, a refused tunnel): for the log, never fatal. */
  onError?: (kind: string, err: unknown) => void;
}

export interface CaptureProxy {
  address(): { host: string; port: number };
  /** Client connections open now (the proxy port's), for /metrics. */
  openConnections(): number;
  /** Whether the proxy port is listening (false once disposed), for /healthz. */
  listening(): boolean;
  readonly capturing: boolean;
  /** Open WebSockets by flow id (sending a message into one). */
  readonly webSockets: LiveWebSockets;
  setCapture(enabled: boolean): void;
  /** Replaces the private CAs trusted for servers' TLS (upstream-ca.ts). */
  setUpstreamCa(certs: string[]): void;
  /** HTTP/2 with clients and origins on or off for new connections (Settings; `serve --http2 off` wins at start). */
  setHttp2(on: boolean): void;
  /**
   * Failures before a request exists (a rejected certificate, a refused request) that the rate limit held back
   * since the start, over every client and reason (early-failures.ts).
   */
  suppressedFailures(): number;
  /** That count grew: its new value, at most once a second. */
  readonly onDidSuppressFailure: Event<number>;
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
    http2: options.http2 !== 'off',
    maxHeaderSize: options.maxHeaderSize,
  });
  const recorder = new Recorder({ sink: options.sink, bodies: options.bodies, messages: options.messages, nextSeq: options.nextSeq, onFinished: options.onFinished, skip: doNotRecord(options.rules) });
  const clientSockets = new Set<net.Socket>();
  const upgradedSockets = new Set<Duplex>();
  const refused = new WeakSet<net.Socket>();
  let port = options.port;

  const isSelf = (target: Target) =>
    ((target.port === port && !target.tunnelled) || options.ownPorts?.has(target.port) === true) &&
    (target.host === options.host || target.host === 'localhost' || /^127\.|^::1$|^::ffff:127\./.test(target.host));
  const proxies = options.rules
    ? new UpstreamProxies({ rules: options.rules, lookup: options.lookup, self: () => ({ host: options.host, ports: [port, ...(options.ownPorts ?? [])] }) })
    : undefined;
  const clientCertificates = options.rules && options.dataDir ? new ClientCertificates(options.dataDir, options.rules, upstream) : undefined;
  const forwardContext: ForwardContext = {
    proxies,
    clientCertificates,
    upstream,
    recorder,
    reverse,
    isSelf,
    rules: options.rules,
    replays: options.replays,
    conditions: options.conditions,
    setupPage: (req, res) => {
      // The real client: for a tunnelled request, the peer of the outer CONNECT connection.
      if (options.devicePage?.(req, res, plainIp(outerSocket(req.socket).remoteAddress ?? ''))) return;
      serveSetupPage(options.ca, req, res);
    },
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

  const maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  const h2Front = createH2Front(
    (req, res, isSSL) => {
      const request = req as unknown as http.IncomingMessage;
      // Everything downstream reads the authority from Host, as HTTP/1.1 has it.
      if (!req.headers.host && req.authority) req.headers.host = req.authority;
      // Over --max-header-size: a 431 and one failed flow, as HTTP/1.1 gets (h2/header-limit.ts).
      if (early.h2HeadersOverLimit(req, res, isSSL, reverse)) return;
      forwardRequest(forwardContext, request, res as unknown as http.ServerResponse, isSSL);
    },
    (kind, err) => options.onError?.(kind, err),
    maxHeaderSize,
  );
  // Asked per connection, so Settings can switch it while running (new connections; open ones keep theirs).
  let http2On = options.http2 !== 'off';

  const proxy = new Proxy();
  proxy.onError((_ctx, err, kind) => options.onError?.(kind ?? 'PROXY_ERROR', err));
  const passthrough: PassthroughContext = {
    recorder,
    async open(host, port, clientIp) {
      if (!proxies) return { socket: await connectDirect(host, port, options.lookup) };
      const route = await proxies.route(() => ({ clientIp, method: 'CONNECT', url: `https://${urlHost(host)}:${port}/`, headers: [] }), { host, port });
      return { socket: await proxies.openTunnel(route, host, port), via: route?.label };
    },
    track(socket) {
      upgradedSockets.add(socket);
      socket.once('close', () => upgradedSockets.delete(socket));
    },
  };
  let warmUp: WarmUp | undefined;
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
    // A passthrough rule takes the tunnel here: the library never sees it (its callback is not called).
    const clientIp = plainIp(req.socket.remoteAddress ?? '');
    const to = parseAuthority(req.url ?? '', 443)!;
    // The start's own warm-up is always intercepted: its exchange never leaves this machine (warm-up.ts).
    const rule = warmUp?.isWarmUp(req.socket) ? undefined : passthroughRule(options.rules, clientIp, to.host, to.port, req);
    if (rule) return passThrough(passthrough, req, socket as net.Socket, _head, { to, client: { ip: clientIp, port: req.socket.remotePort ?? 0 }, rule });
    return callback();
  });
  await new Promise<void>((resolve, reject) => {
    proxy.listen(
      {
        host: options.host,
        port: options.port,
        forceSNI: true,
        alpnProtocols: () => (http2On ? ['h2', 'http/1.1'] : ['http/1.1']),
        handleHttp2: (socket, isSSL) => {
          // Off: a plain tunnel opening with the preface gets no h2 session (TLS offers no h2 then).
          if (!http2On) return void socket.destroy();
          clientSockets.add(socket);
          socket.once('close', () => clientSockets.delete(socket));
          h2Front.take(socket, isSSL);
        },
        getSecureContext: (hostname) => options.ca.leafFor(hostname).context,
        handleRequest: (req, res, isSSL) => {
          const outer = outerSocket(req.socket);
          if (refused.has(outer)) {
            res.destroy();
            return;
          }
          // The start's own warm-up goes to its own origin, past rules and recording (warm-up.ts).
          forwardRequest(warmUp?.isWarmUp(outer) ? warmUp.context : forwardContext, req, res, isSSL);
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
  // --raw-utf8-paths: every connection read in JavaScript through the request-target encoder, as before raw
  // UTF-8 targets were taken by default (raw-utf8-recovery.ts); first, so the sniffers below (h2c preface,
  // SOCKS) stay in front of it.
  if (options.rawUtf8Paths) {
    encodeRequestTargets(server, 'connection', options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE);
    if (proxy.httpsServer) encodeRequestTargets(proxy.httpsServer, 'secureConnection', options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE);
  }
  // The first request line of intercepted TLS connections, for a 431 that names it (request-line.ts); after the encoder.
  if (proxy.httpsServer) noteFirstTlsChunks(proxy.httpsServer);
  // Reverse mode: a plain connection that opens with the HTTP/2 preface is h2c (h2/preface.ts).
  if (reverse) servePrefaceAsH2(server, () => http2On, (socket) => h2Front.take(socket, false));
  const socks: SocksContext = {
    credentials: options.socksCredentials,
    onError: options.onError,
    onConnect(socket, connect, to, reply) {
      const clientIp = plainIp(socket.remoteAddress ?? '');
      const rule = passthroughRule(options.rules, clientIp, to.host, to.port, connect);
      if (rule) return passThrough(passthrough, connect, socket, Buffer.alloc(0), { to, client: { ip: clientIp, port: socket.remotePort ?? 0 }, rule }, reply);
      reply.opened(socket);
      interceptTunnel(proxy, socket, connect);
    },
  };
  sniffSocks(server, (socket) => (refused.has(socket) ? socket.destroy() : serveSocks(socks, socket)), noteFirstChunk);
  server.prependListener('connection', (socket: net.Socket) => {
    clientSockets.add(socket);
    socket.once('close', () => clientSockets.delete(socket));
    if (options.allowClient && !options.allowClient(plainIp(socket.remoteAddress ?? ''))) {
      refused.add(socket);
      const text = `Hindsight: ${plainIp(socket.remoteAddress ?? '')} is not allowed to use this proxy (see --allow)\n`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    }
  });
  // Before the proxy is announced: the first client's request then runs warm (warm-up.ts).
  warmUp = warmUpProxy({ listenHost: options.host, port, ca: options.ca, setupPage: reverse ? undefined : forwardContext.setupPage, isSelf });
  await warmUp.done;
  warmUp = undefined;

  let disposed: Promise<void> | undefined;
  return {
    address: () => ({ host: options.host, port }),
    openConnections: () => clientSockets.size,
    listening: () => server.listening,
    get capturing() {
      return recorder.enabled;
    },
    webSockets,
    setCapture(enabled) {
      recorder.enabled = enabled;
    },
    setUpstreamCa(certs) {
      upstream.setExtraCa(certs);
    },
    setHttp2(on) {
      http2On = on;
      upstream.setHttp2(on);
    },
    suppressedFailures: () => early.suppressed,
    onDidSuppressFailure: early.onDidSuppress,
    dispose() {
      disposed ??= new Promise<void>((resolve) => {
        early.stop();
        server.close(() => resolve());
        proxy.httpsServer?.close();
        h2Front.dispose();
        for (const socket of clientSockets) socket.destroy();
        for (const socket of upgradedSockets) socket.destroy();
        upstream.dispose();
        proxies?.dispose();
        clientCertificates?.dispose();
      });
      return disposed;
    },
  };
}

/** What http-mitm-proxy (patched) offers for handing a tunnel to its in-process servers. */
interface TunnelHandOff {
  httpServer?: http.Server;
  _startTunnelTls(req: http.IncomingMessage, socket: net.Socket, handshakeTimeout: number): void;
}

const TUNNEL_HANDSHAKE_MS = 120_000;

/**
 * A SOCKS tunnel the proxy intercepts, handed over like the patch's _handOffTunnel does for CONNECT (minus
 * its "200" line: the SOCKS reply was sent): TLS to the in-process HTTPS server, anything else to the HTTP one.
 */
function interceptTunnel(proxy: Proxy, socket: net.Socket, connect: http.IncomingMessage): void {
  const handOff = proxy as unknown as TunnelHandOff;
  (socket as net.Socket & { connectRequest?: http.IncomingMessage }).connectRequest = connect;
  socket.setTimeout(TUNNEL_HANDSHAKE_MS, () => socket.destroy());
  socket.once('data', (first: Buffer) => {
    socket.pause();
    socket.unshift(first);
    if (first[0] === 0x16 || first[0] === 0x80 || first[0] === 0x00) return handOff._startTunnelTls(connect, socket, TUNNEL_HANDSHAKE_MS);
    socket.setTimeout(0);
    handOff.httpServer!.emit('connection', socket);
    socket.resume();
  });
  socket.resume();
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
    // A target refused for raw UTF-8 moves its one connection to the encoder (raw-utf8-recovery.ts); any other
    // refusal is answered and recorded.
    const recoverRawUtf8 = rawUtf8Recovery(front, secure ? 'secureConnection' : 'connection', maxHeaderSize);
    front.on('clientError', (err: Error, socket: Duplex) => recoverRawUtf8(err, socket as net.Socket) || early.clientError(err, socket as net.Socket, secure));
  }
  // A refusal after this is about a later request than the one whose line the first chunk held (request-line.ts;
  // both servers' connections have their first chunk noted).
  server.on('request', (req: http.IncomingMessage) => requestParsed(req.socket));
  httpsServer?.on('request', (req: http.IncomingMessage) => requestParsed(req.socket));
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => early.watchTunnel(req, socket));
  httpsServer?.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => early.tlsClientError(err, socket));
  return early;
}
