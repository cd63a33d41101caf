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
import type { Target } from './target';
import { DEFAULT_MAX_HEADER_SIZE } from './header-limit';

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
  readonly httpsAgent: https.Agent;
  readonly timeoutMs: number;
  readonly bodyIdleTimeoutMs: number;
  readonly maxHeaderSize: number;

  constructor(options: UpstreamOptions) {
    this.timeoutMs = options.timeoutMs;
    this.maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
    this.bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? 0;
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
    this.httpAgent = new http.Agent(pool);
    this.httpsAgent = new https.Agent({
      ...pool,
      rejectUnauthorized: !options.insecure,
      secureContext: upstreamSecureContext(options.extraCa ?? []),
      ALPNProtocols: ['http/1.1'],
    });
    recordConnectionTimes(this.httpAgent);
    recordConnectionTimes(this.httpsAgent);
  }

  /** Throws (synchronously) on what Node refuses to send, e.g. a path with spaces. */
  request(target: Target, method: string, headers: string[]): http.ClientRequest {
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
      agent: target.secure ? this.httpsAgent : this.httpAgent,
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
  }
}

function upstreamSecureContext(extraCa: string[]): tls.SecureContext {
  if (extraCa.length === 0) return tls.createSecureContext({});
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
  return tls.createSecureContext({ ca: [...tls.rootCertificates, ...envCa, ...extraCa] });
}

type CreateConnection = (options: Record<string, unknown>, callback?: (err: Error | null, socket: net.Socket) => void) => net.Socket;

function recordConnectionTimes(agent: http.Agent): void {
  const target = agent as unknown as { createConnection: CreateConnection };
  const base = target.createConnection.bind(agent);
  target.createConnection = (options, callback) => {
    const times: ConnectionTimes = { start: performance.now() };
    const lookup = (options.lookup as net.LookupFunction | undefined) ?? (dns.lookup as unknown as net.LookupFunction);
    const timedLookup: net.LookupFunction = (hostname, lookupOptions, done) =>
      lookup(hostname, lookupOptions, ((err: NodeJS.ErrnoException | null, ...rest: unknown[]) => {
        times.lookup = performance.now();
        (done as (...args: unknown[]) => void)(err, ...rest);
      }) as typeof done);
    const socket = base({ ...options, lookup: timedLookup }, callback);
    connectionTimes.set(socket, times);
    socket.once('connect', () => {
      times.connect = performance.now();
      times.remoteAddress = socket.remoteAddress;
    });
    socket.once('secureConnect', () => (times.secure = performance.now()));
    return socket;
  };
}
