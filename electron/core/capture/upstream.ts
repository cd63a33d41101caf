/**
 * Connections from the proxy to servers: one keep-alive pool for http and one for https, bounded per host
 * and in total, shared by every client. Upstream TLS is verified by default against Node's bundled roots,
 * NODE_EXTRA_CA_CERTS and the configured extra CAs, through ONE prebuilt TLS context (building a context per
 * connection, with a hundred-odd root certificates each time, costs more than the request).
 *
 * Every new socket records when its DNS lookup, TCP connect and TLS handshake finished (performance.now()),
 * so flows can report connection phases; a pooled socket reports none of them.
 */
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { urlHost, type Target } from './target';
import type { ProxyPlan } from '../upstream-proxy/service';
import { H2Upstream, type H2UpstreamRequest } from './h2/upstream-h2';
import { DEFAULT_MAX_HEADER_SIZE } from './header-limit';
import { acceptBareLfHeads } from './bare-lf-heads';

export interface UpstreamOptions {
  /** Skip certificate verification (`--insecure-upstream`). */
  insecure?: boolean;
  /** Extra trusted CAs (PEM) besides the defaults. */
  extraCa?: string[];
  lookup?: net.LookupFunction;
  /**
   * How long a request may wait for its response headers (connecting included). A response that has begun
   * is never cut for being quiet (SSE, long-polls, WebSockets), unless `bodyIdleTimeoutMs` is set.
   */
  timeoutMs: number;
  /** Cut a response body quiet for this long (off when absent or 0). */
  bodyIdleTimeoutMs?: number;
  /** The largest response header section accepted, in bytes (default 64 KB, header-limit.ts). */
  maxHeaderSize?: number;
  /** Idle pooled connections are closed after this long (default 60 s). */
  poolIdleMs?: number;
  maxSocketsPerHost?: number;
  maxTotalSockets?: number;
  /** Speak HTTP/2 to origins that negotiate it (default true; `serve --http2 off` turns it off). */
  http2?: boolean;
  /**
   * Trust only these CAs (PEM), instead of Node's roots, NODE_EXTRA_CA_CERTS and `extraCa`: the start's
   * warm-up (warm-up.ts) reaches its own loopback origin with such an Upstream, and nothing else.
   */
  trustOnly?: string[];
}

/** What the forwarder knows of the client's request when it picks the upstream protocol. */
export interface RequestTraits {
  /** The request came in over HTTP/2. */
  fromH2: boolean;
  /** gRPC or `te: trailers`: meaningful only over HTTP/2, so it goes out over h2 (h2c for plain origins). */
  h2Only: boolean;
  /** h2c inside a tunnel to a plain origin: the client knew the origin speaks h2c, so the proxy does too. */
  priorKnowledge?: boolean;
}

export interface ConnectionTimes {
  start: number;
  lookup?: number;
  connect?: number;
  secure?: number;
  /** The peer address, read at connect: a socket destroyed by a failed handshake no longer knows it. */
  remoteAddress?: string;
}

const connectionTimes = new WeakMap<net.Socket, ConnectionTimes>();

/** When the socket's connection phases finished; undefined for sockets this module did not open. */
export function timesOf(socket: net.Socket): ConnectionTimes | undefined {
  return connectionTimes.get(socket);
}

export class Upstream {
  readonly httpAgent: http.Agent;
  /** Replaced when the trusted CAs change (setExtraCa). */
  httpsAgent: https.Agent;
  private readonly httpsPool: https.AgentOptions;
  readonly timeoutMs: number;
  readonly bodyIdleTimeoutMs: number;
  /** HTTP/2 sessions to origins (h2/upstream-h2.ts); kept while HTTP/2 is off, for clients still on h2. */
  private readonly h2Pool: H2Upstream;
  /** HTTP/2 with origins for new requests (`serve --http2`, Settings); switchable while running. */
  private http2On: boolean;
  /** What a request through an upstream proxy's agent needs to verify the server like the pool does. */
  private serverTls: { secureContext?: tls.SecureContext; rejectUnauthorized: boolean; lookup?: net.LookupFunction };

  private readonly pool: http.AgentOptions & { lookup?: net.LookupFunction };
  private extraCa: string[];
  private readonly insecure: boolean;
  readonly maxHeaderSize: number;

  constructor(options: UpstreamOptions) {
    this.timeoutMs = options.timeoutMs;
    this.maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? 0;
    const secureContext = options.trustOnly ? tls.createSecureContext({ ca: options.trustOnly }) : upstreamSecureContext(options.extraCa ?? []);
    const pool = {
      keepAlive: true,
      maxSockets: options.maxSocketsPerHost ?? 256,
      maxTotalSockets: options.maxTotalSockets ?? 2048,
      maxFreeSockets: 64,
      scheduling: 'lifo' as const,
      // Applies to idle pooled sockets only: each request sets its socket's own limit (timeout: 0 below).
      timeout: options.poolIdleMs ?? 60_000,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    };
    this.pool = pool;
    this.extraCa = options.extraCa ?? [];
    this.insecure = !!options.insecure;
    this.httpAgent = new http.Agent(pool);
    this.httpsPool = { ...pool, rejectUnauthorized: !options.insecure, ALPNProtocols: ['http/1.1'] };
    this.httpsAgent = this.newHttpsAgent(secureContext);
    this.serverTls = { secureContext, rejectUnauthorized: !options.insecure, ...(options.lookup ? { lookup: options.lookup } : {}) };
    recordConnectionTimes(this.httpAgent);
    this.http2On = options.http2 !== false;
    // Made even with HTTP/2 off (it opens nothing until asked), so Settings can turn HTTP/2 on while running.
    this.h2Pool = new H2Upstream({
      insecure: options.insecure,
      secureContext,
      lookup: options.lookup,
      timeoutMs: this.timeoutMs,
      bodyIdleTimeoutMs: this.bodyIdleTimeoutMs,
      idleMs: options.poolIdleMs ?? 60_000,
    });
  }

  private newHttpsAgent(secureContext: tls.SecureContext): https.Agent {
    const agent = new https.Agent({ ...this.httpsPool, secureContext });
    recordConnectionTimes(agent);
    return agent;
  }

  /**
   * Trusts these private CAs (besides the system's) from now on: new connections use them; pooled idle
   * sockets and HTTP/2 sessions, verified against the old list, are closed so none outlives a removed CA.
   */
  setExtraCa(extraCa: string[]): void {
    const secureContext = upstreamSecureContext(extraCa);
    // A new pool, not a new context in the old one: the old pool's cached TLS sessions would resume without
    // verifying the server against the new list. Exchanges in flight finish on the old pool, which then closes.
    const old = this.httpsAgent;
    this.httpsAgent = this.newHttpsAgent(secureContext);
    old.on('free', (socket: net.Socket) => socket.destroy());
    for (const sockets of Object.values(old.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    this.h2Pool.setSecureContext(secureContext);
    this.extraCa = extraCa;
    this.serverTls = { ...this.serverTls, secureContext };
  }

  /** The HTTP/2 sessions to origins, when HTTP/2 is on (undefined with `serve --http2 off` or Settings off). */
  get h2(): H2Upstream | undefined {
    return this.http2On ? this.h2Pool : undefined;
  }

  /** Turns HTTP/2 with origins on or off for new requests; a client still on an h2 connection keeps h2 upstream. */
  setHttp2(on: boolean): void {
    this.http2On = on;
  }

  /** The sessions for this request: also with HTTP/2 off when its client still speaks h2 (it was on when it connected). */
  private h2For(traits: RequestTraits | undefined): H2Upstream | undefined {
    return traits?.fromH2 ? this.h2Pool : this.h2;
  }

  /** Whether this request goes out over HTTP/2 (see h2/upstream-h2.ts for how an origin's protocol is learned). */
  viaH2(target: Target, traits: RequestTraits | undefined): boolean {
    const h2 = this.h2For(traits);
    if (!h2) return false;
    if (!target.secure) return traits?.fromH2 === true && (traits.h2Only || traits.priorKnowledge === true);
    // Unknown after prepare() asked: the origin could not be reached, and HTTP/1.1's path names the failure.
    return h2.protocolOf(target) === 'h2';
  }

  /**
   * Resolves when the protocol for this request is known: an h2 client's first request to an https origin
   * asks the origin by ALPN first. Undefined when nothing needs asking (the common case: no wait at all).
   */
  prepare(target: Target, traits: RequestTraits | undefined): Promise<void> | undefined {
    const h2 = this.h2For(traits);
    if (!h2 || !target.secure || !traits?.fromH2 || h2.protocolOf(target)) return undefined;
    return h2.probe(target);
  }

  /** A pool for https servers that also presents a client certificate (mTLS); the caller caches it. */
  httpsAgentWith(identity: tls.SecureContextOptions): https.Agent {
    const agent = new https.Agent({ ...this.pool, rejectUnauthorized: !this.insecure, secureContext: upstreamSecureContext(this.extraCa, identity), ALPNProtocols: ['http/1.1'] });
    recordConnectionTimes(agent);
    return agent;
  }

  /**
   * Throws (synchronously) on what Node refuses to send, e.g. a path with spaces. `via`: through an upstream
   * proxy (electron/core/upstream-proxy) instead of the direct pools.
   */
  request(target: Target, method: string, headers: string[], traits?: RequestTraits, via?: ProxyPlan): http.ClientRequest {
    // Through an upstream proxy or with a client certificate: HTTP/1.1 (those paths build their own connections).
    if (!via && this.viaH2(target, traits)) return this.h2Pool.request(target, method, headers) as H2UpstreamRequest & http.ClientRequest;
    if (via?.absoluteForm) {
      // An http:// request through an HTTP(S) proxy: the proxy gets the absolute URL, the server's Host stays.
      const to = via.absoluteForm;
      const options: https.RequestOptions = { host: to.host, port: to.port, method, path: `http://${urlHost(target.host)}:${target.port}${target.path}`, headers: [...headers, ...to.headers], setHost: false, timeout: 0, agent: via.agent };
      if (!to.tls) return this.withDeadlines(http.request(options));
      return this.withDeadlines(https.request({ ...options, ...this.serverTls, ...(net.isIP(to.host) ? {} : { servername: to.host }) }));
    }
    const viaAgent = via?.agent;
    const options: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method,
      path: target.path,
      headers,
      setHost: false,
      maxHeaderSize: this.maxHeaderSize,
      // No idle limit on the socket while it carries this exchange: a long-poll or a quiet stream is not cut.
      timeout: 0,
      agent: viaAgent ?? (target.secure ? this.httpsAgent : this.httpAgent),
      ...(viaAgent && !via?.ownTls ? this.serverTls : {}),
    };
    if (!target.secure) return this.withDeadlines(http.request(options));
    if (!net.isIP(target.host)) options.servername = target.host;
    return this.withDeadlines(https.request(options));
  }

  /**
   * The request emits 'timeout' when no response head arrived within `timeoutMs`, and (only when
   * `bodyIdleTimeoutMs` is set) when its response body is quiet that long; callers fail the exchange on it.
   */
  private withDeadlines(request: http.ClientRequest): http.ClientRequest {
    // Every HTTP/1.1 request passes here: response heads with bare-LF line ends are taken (bare-lf-heads.ts).
    // Twice the header limit: interim 1xx heads come first, and the parser refuses an oversized head itself.
    acceptBareLfHeads(request, 2 * this.maxHeaderSize);
    let timer = setTimeout(() => request.emit('timeout'), this.timeoutMs);
    timer.unref();
    let answered = false;
    const clear = () => {
      answered = true;
      clearTimeout(timer);
    };
    // The wait is counted again from the request's last byte, so a long upload does not use it up.
    request.once('finish', () => {
      if (answered) return;
      clearTimeout(timer);
      timer = setTimeout(() => request.emit('timeout'), this.timeoutMs);
      timer.unref();
    });
    request.once('response', (response: http.IncomingMessage) => {
      clear();
      const idle = this.bodyIdleTimeoutMs;
      if (idle > 0) {
        const socket = response.socket;
        const onTimeout = () => request.emit('timeout');
        socket.setTimeout(idle);
        socket.on('timeout', onTimeout);
        response.once('close', () => socket.off('timeout', onTimeout));
      }
    });
    request.once('upgrade', clear);
    request.once('close', clear);
    request.once('error', clear);
    return request;
  }

  dispose(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.h2Pool.dispose();
  }
}

function upstreamSecureContext(extraCa: string[], identity: tls.SecureContextOptions = {}): tls.SecureContext {
  if (extraCa.length === 0) return tls.createSecureContext(identity);
  // Passing `ca` replaces the default store, so the defaults are listed again.
  const envCa: string[] = [];
  const envFile = process.env.NODE_EXTRA_CA_CERTS;
  if (envFile) {
    try {
      envCa.push(fs.readFileSync(envFile, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we, by ignoring it.
    }
  }
  return tls.createSecureContext({ ...identity, ca: [...tls.rootCertificates, ...envCa, ...extraCa] });
}

type CreateConnection = (options: Record<string, unknown>, callback?: (err: Error | null, socket: net.Socket) => void) => net.Socket;

function recordConnectionTimes(agent: http.Agent): void {
  const target = agent as unknown as { createConnection: CreateConnection };
  const base = target.createConnection.bind(agent);
  target.createConnection = (options, callback) => timedSocket(options.lookup as net.LookupFunction | undefined, (lookup) => base({ ...options, lookup }, callback));
}

/**
 * Opens a socket through `open` (given a lookup that notes when DNS answered) and records when its DNS,
 * connect and TLS phases finished, for timesOf(): the HTTP/1.1 agents and the HTTP/2 sessions both use it.
 */
export function timedSocket(lookup: net.LookupFunction | undefined, open: (lookup: net.LookupFunction) => net.Socket): net.Socket {
  const times: ConnectionTimes = { start: performance.now() };
  const base = lookup ?? (dns.lookup as unknown as net.LookupFunction);
  const timedLookup: net.LookupFunction = (hostname, lookupOptions, done) =>
    base(hostname, lookupOptions, ((err: NodeJS.ErrnoException | null, ...rest: unknown[]) => {
      times.lookup = performance.now();
      (done as (...args: unknown[]) => void)(err, ...rest);
    }) as typeof done);
  const socket = open(timedLookup);
  connectionTimes.set(socket, times);
  socket.once('connect', () => {
    times.connect = performance.now();
    times.remoteAddress = socket.remoteAddress;
  });
  socket.once('secureConnect', () => (times.secure = performance.now()));
  return socket;
}
