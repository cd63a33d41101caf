/**
 * Failures before a request exists, recorded as flows (issue 17): a TLS handshake the client gives up on
 * inside a CONNECT tunnel (it does not trust Hindsight's CA, or pins its certificate) and a request Node's
 * parser refuses (headers over the limit: 431; unparseable: 400). Without this, the most common first-run
 * problem — the CA not trusted yet — leaves nothing in the list. Each becomes a failed flow (phase `tls` or
 * `client`) whose message says what happened and what to do, at most one per client, reason and second
 * (failure-limit.ts).
 *
 * How a client rejects a certificate differs: OpenSSL clients (curl, browsers) send an alert (unknown_ca,
 * bad_certificate, certificate_unknown), which the in-process TLS socket reports as an error; others (Node's
 * TLS client, many pinned apps) just close or reset the connection right after Hindsight's certificate
 * arrived. Both reach the in-process TLS server's `tlsClientError` (our http-mitm-proxy patch reports a close
 * before the handshake completed as ECONNRESET, as Node's own TLS servers do); a close counts only when the
 * certificate had gone out.
 */
import type http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import type tls from 'node:tls';
import { emptyBody, type Flow, type FlowError } from '../../common/flow';
import { Emitter } from '../../common/events';
import { opensslReason, oneLine } from './failure-reasons';
import { FailureRateLimit } from './failure-limit';
import { headerPairs } from '../../common/headers';
import { headerLimitText } from './header-limit';
import type { EarlyFailure, Recorder } from './recorder';
import { clientOf, parseAuthority, plainIp, resolveTarget, urlHost, type ReverseTarget } from './target';
import { firstRequestLine, requestLineOf, requestParsed } from './request-line';
import { headersOverLimit, oversizedHeadersMessage } from './h2/header-limit';
import { h2ReadableUrl } from './h2/translate';
import { streamInfo } from './h2/front';
import { failureText } from './failure';
import { sendText } from './forward';

/** FlowError.code of an HTTP/2 request over the header limit (HTTP/1.1's is llhttp's HPE_HEADER_OVERFLOW). */
const H2_HEADER_OVERFLOW = 'HTTP2_HEADER_OVERFLOW';
/** The longest URL a failure flow keeps of a request line that could not be parsed (a 70 KB one is the failure). */
const MAX_URL = 2_048;
/** Alerts (as Node's error codes end) that mean "I do not accept your certificate". */
const CERTIFICATE_ALERTS = /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|ACCESS_DENIED|DECRYPT_ERROR)$/;

interface Tunnel {
  req: http.IncomingMessage;
  /** Read when the tunnel opens: a closed socket no longer knows its peer. */
  client: { ip: string; port: number };
  startedAt: number;
  /** The client's connection (its byte counts tell whether Hindsight's certificate went out). */
  socket: net.Socket;
  reported: boolean;
}

/** The suppressed count is announced at most this often: a flood is counted, not announced refusal by refusal. */
const ANNOUNCE_MS = 1_000;

export class EarlyFailures {
  private readonly tunnels = new WeakMap<http.IncomingMessage, Tunnel>();
  private readonly limit = new FailureRateLimit();
  private stopped = false;
  private readonly _onDidSuppress = new Emitter<number>();
  /** Failures held back by the rate limit since the last announcement (the new total; at most once a second). */
  readonly onDidSuppress = this._onDidSuppress.event;
  private announcing?: NodeJS.Timeout;

  constructor(
    private readonly recorder: Recorder,
    private readonly maxHeaderSize: number,
  ) {}

  /** A CONNECT tunnel opened: what a failed handshake inside it is reported with (client, start, host). */
  watchTunnel(req: http.IncomingMessage, socket: net.Socket): void {
    // The CONNECT line was the connection's first request: the tunnel's own first request comes next.
    requestParsed(req.socket);
    this.tunnels.set(req, { req, client: clientOf(socket), startedAt: Date.now(), socket, reported: false });
  }

  /** The in-process TLS server's handshake with a client failed (`tlsClientError`). */
  tlsClientError(err: NodeJS.ErrnoException & { reason?: string }, tlsSocket: tls.TLSSocket): void {
    const tunnel = this.tunnelOf(tlsSocket);
    if (!tunnel || tunnel.reported || this.stopped) return;
    // The patch reports every error of the tunnel's TLS socket; one after a completed handshake (a client that
    // resets the connection when it is done, as curl does over HTTP/2) is not a rejected certificate.
    if ((tlsSocket as tls.TLSSocket & { _secureEstablished?: boolean })._secureEstablished) return;
    const host = connectHost(tunnel.req);
    const name = typeof tlsSocket.servername === 'string' && tlsSocket.servername ? tlsSocket.servername : host.name;
    const code = err.code ?? 'ERR_TLS';
    if (code === 'ECONNRESET') {
      // Closed before Hindsight's certificate went out (only the "200" line was written): nothing it rejected.
      if (tunnel.socket.bytesWritten <= TUNNEL_OK.length) return;
      const message = `the client closed the connection during the TLS handshake for ${name}, right after receiving Hindsight's certificate — if it does not trust it, trust the CA: hindsight ca`;
      return this.recordTls(tunnel, { ...host, name }, { phase: 'tls', message });
    }
    const message = CERTIFICATE_ALERTS.test(code)
      ? `the client rejected Hindsight's certificate for ${name} (${alertName(code)}) — trust the CA: hindsight ca`
      : `the TLS handshake with the client for ${name} failed (${oneLine(err.reason ?? opensslReason(err.message) ?? err.message)})`;
    this.recordTls(tunnel, { ...host, name }, { phase: 'tls', message, code });
  }

  /**
   * Node's http server refused what a client sent (`clientError`): answers it like Node would (431 for headers
   * over the limit, 400 otherwise) with a line naming the problem, and records the failure.
   */
  clientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer; reason?: string }, socket: net.Socket, secure: boolean): void {
    const code = err.code ?? 'ERR_HTTP';
    // A response is on its way on this connection (the exchange in progress records its own failure), the
    // client has gone, or it stopped mid-request: nothing to answer.
    const busy = (socket as net.Socket & { _httpMessage?: unknown })._httpMessage !== undefined && (socket as net.Socket & { _httpMessage?: unknown })._httpMessage !== null;
    if (busy || !socket.writable || code === 'ECONNRESET' || code === 'HPE_INVALID_EOF_STATE' || code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.destroy();
      return;
    }
    const overflow = code === 'HPE_HEADER_OVERFLOW';
    const status = overflow ? 431 : 400;
    const message = overflow
      ? `the request's headers are larger than the ${headerLimitText(this.maxHeaderSize)} limit (raise it with --max-header-size); Hindsight answered 431`
      : `the client sent a request Hindsight cannot parse: ${requestParseProblem(err)}; Hindsight answered 400`;
    const text = `Hindsight: ${message}\n`;
    socket.end(`HTTP/1.1 ${status} ${overflow ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    socket.destroySoon?.();
    if (this.stopped) return;
    const client = clientOf(socket);
    const repeats = this.limit.admit(`${client.ip}|client|${code}`);
    if (repeats === undefined) return this.heldBack();
    const error: FlowError = { phase: 'client', message, code };
    if (repeats > 0) error.repeats = repeats;
    this.recorder.failedEarly(requestAsRead(err.rawPacket, socket, secure, client), error);
  }

  /**
   * An HTTP/2 request whose header fields are over the limit (h2/header-limit.ts) is answered 431 on its stream,
   * as HTTP/1.1 gets it, and recorded with what is known of it (method, URL, stream) but not the fields
   * themselves, which are the problem. False when the request is within the limit (it goes on as usual).
   */
  h2HeadersOverLimit(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, isSSL: boolean, reverse: ReverseTarget | undefined): boolean {
    const over = headersOverLimit(req.rawHeaders, this.maxHeaderSize);
    if (!over) return false;
    const message = oversizedHeadersMessage(over, this.maxHeaderSize);
    req.resume();
    // RFC 9113 §8.1: a server that answered before the request ended may ask the client to stop, without error.
    res.once('finish', () => {
      if (!req.complete && !res.stream.destroyed) res.stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
    sendText(res as unknown as http.ServerResponse, 431, failureText({ phase: 'client', message }));
    if (this.stopped) return true;
    const client = clientOf(req.socket as net.Socket);
    const repeats = this.limit.admit(`${client.ip}|client|${H2_HEADER_OVERFLOW}`);
    if (repeats === undefined) {
      this.heldBack();
      return true;
    }
    const error: FlowError = { phase: 'client', message, code: H2_HEADER_OVERFLOW };
    if (repeats > 0) error.repeats = repeats;
    const request = req as unknown as http.IncomingMessage;
    const target = h2ReadableUrl(request, resolveTarget(request, isSSL, reverse));
    const url = target?.url ?? '';
    const failure: EarlyFailure = {
      startedAt: Date.now(),
      client,
      request: { method: req.method, url: url.length > MAX_URL ? `${url.slice(0, MAX_URL)}…` : url, httpVersion: '2', headers: [], body: emptyBody() },
      http2: streamInfo(req, client),
    };
    if (target) failure.server = { host: target.host, port: target.port };
    this.recorder.failedEarly(failure, error);
    return true;
  }

  /** Failures held back by the rate limit since the start (each recorded flow counts its own in error.repeats). */
  get suppressed(): number {
    return this.limit.suppressed;
  }

  /** No more flows: the proxy is closing every socket. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.announcing);
    this._onDidSuppress.dispose();
  }

  /** The rate limit held one back: the new total is announced within a second (no flow is added to tell of it). */
  private heldBack(): void {
    if (this.announcing || this.stopped) return;
    this.announcing = setTimeout(() => {
      this.announcing = undefined;
      this._onDidSuppress.fire(this.limit.suppressed);
    }, ANNOUNCE_MS);
    this.announcing.unref();
  }

  private tunnelOf(tlsSocket: tls.TLSSocket): Tunnel | undefined {
    const req = (tlsSocket as tls.TLSSocket & { connectRequest?: http.IncomingMessage }).connectRequest;
    return req ? this.tunnels.get(req) : undefined;
  }

  private recordTls(tunnel: Tunnel, host: { name: string; port: number }, error: FlowError): void {
    tunnel.reported = true;
    const { client } = tunnel;
    const repeats = this.limit.admit(`${client.ip}|tls|${error.code ?? 'closed'}`);
    if (repeats === undefined) return this.heldBack();
    if (repeats > 0) error.repeats = repeats;
    const { req } = tunnel;
    const failure: EarlyFailure = {
      startedAt: tunnel.startedAt,
      client,
      server: { host: host.name, port: host.port },
      request: { method: 'CONNECT', url: `https://${urlHost(host.name)}${host.port === 443 ? '' : `:${host.port}`}/`, httpVersion: req.httpVersion, headers: headerPairs(req.rawHeaders), body: emptyBody() },
    };
    this.recorder.failedEarly(failure, error);
  }
}

/** What the proxy answers a CONNECT it tunnels (the patch writes exactly this). */
const TUNNEL_OK = 'HTTP/1.1 200 OK\r\n\r\n';

function connectHost(req: http.IncomingMessage): { name: string; port: number } {
  const to = parseAuthority(req.url ?? '', 443);
  return to ? { name: to.host, port: to.port } : { name: req.url ?? '', port: 443 };
}

/** "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA" → "alert unknown_ca". */
function alertName(code: string): string {
  const m = /ALERT_([A-Z_]+)$/.exec(code);
  return m ? `alert ${m[1].toLowerCase()}` : code;
}

/** What was wrong with a request llhttp refused, in words. */
function requestParseProblem(err: NodeJS.ErrnoException & { reason?: string }): string {
  switch (err.code) {
    case 'HPE_INVALID_METHOD':
      return 'its method is not a valid token';
    case 'HPE_INVALID_URL':
      return 'its request target is malformed';
    case 'HPE_INVALID_VERSION':
      return 'its HTTP version is not HTTP/1.0 or HTTP/1.1';
    case 'HPE_INVALID_HEADER_TOKEN':
      return 'a header line is malformed';
    case 'HPE_CR_EXPECTED':
    case 'HPE_LF_EXPECTED':
      return 'a line ends with a bare LF or CR instead of CRLF';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'it has two Content-Length headers';
    case 'HPE_INVALID_CONTENT_LENGTH':
      return 'its Content-Length is not a number';
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return 'it has both Content-Length and Transfer-Encoding, or a Transfer-Encoding that does not end in chunked';
    case 'HPE_INVALID_CHUNK_SIZE':
      return 'its chunked body has a malformed chunk size';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'its chunk extensions are too long';
    default:
      return oneLine(err.reason ?? err.message).toLowerCase();
  }
}

/**
 * The request as far as it can be read: the request line from the bytes the parser refused or, when those hold
 * none (the line came in an earlier chunk, as with headers over the limit), from the connection's first chunk
 * while its first request is the one refused (request-line.ts).
 */
function requestAsRead(raw: Buffer | undefined, socket: net.Socket, secure: boolean, client: { ip: string; port: number }): EarlyFailure {
  const line = (raw && requestLineOf(raw)) || firstRequestLine(socket);
  const tunnel = (socket as net.Socket & { connectRequest?: http.IncomingMessage }).connectRequest;
  const target = line?.target ?? '/';
  let url: string;
  let server: Flow['server'];
  if (/^https?:\/\//i.test(target)) {
    url = target;
    const to = parseAuthority(/^https?:\/\/([^/?#]*)/i.exec(target)?.[1] ?? '', target.toLowerCase().startsWith('https') ? 443 : 80);
    if (to) server = { host: to.host, port: to.port };
  } else if (tunnel) {
    const to = parseAuthority(tunnel.url ?? '', 443);
    url = `${secure ? 'https' : 'http'}://${tunnel.url ?? ''}${target.startsWith('/') ? target : '/'}`;
    if (to) server = { host: to.host, port: to.port };
  } else {
    // No request line (neither in the refused bytes nor in the connection's first chunk): unknown.
    url = line ? `http://${urlHost(plainIp(socket.localAddress ?? '127.0.0.1'))}:${socket.localPort ?? 0}${target.startsWith('/') ? target : '/'}` : '';
  }
  const failure: EarlyFailure = {
    startedAt: Date.now(),
    client,
    request: { method: line?.method ?? '', url: url.length > MAX_URL ? `${url.slice(0, MAX_URL)}…` : url, httpVersion: line?.version ?? '1.1', headers: [], body: emptyBody() },
  };
  if (server) failure.server = server;
  return failure;
}
