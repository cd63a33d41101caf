/**
 * The headless server (`hindsight serve` / ../../../docs): one HTTP port that serves the built renderer,
 * the API over a WebSocket (/api/ws) and body bytes and CA downloads over plain GETs (/api/*). Every /api
 * request needs the token, in a header or WebSocket subprotocol, never in the URL (access.ts); the URL
 * printed for the user carries it in the fragment so it never reaches a log. Listens on 127.0.0.1 unless
 * told otherwise; clients the proxy's allow-list refuses are refused here too.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
// Team mode (issue 21): who signed in, their role per connection, /healthz and /metrics.
import { authorize } from './principal';
import { scopedApi } from './scoped-api';
import type { Principal } from '../users/types';
import { serveHealth, serveMetrics } from './ops-routes';
import type { BodySide } from '../../common/flow';
import type { AnyCore } from '../core-types';
import { createApiHandlers } from '../api/handlers';
import { createApiServerSide, type ApiServerSide } from '../api/dispatcher';
import { readFlowBody } from '../store/body-read';
import { serveWebSocket } from '../api/transport.ws';
import { chooseProtocol, hostAllowed, isWildcardHost, newToken, originAllowed, requestToken, tokenMatches } from './access';
import { serveExport, streamExport } from './export-route';
import { removeStaleImportSpools, serveImport } from './import-route';
import { downloadTickets } from '../api/tickets';
import { serveStatic } from './static-files';

export const DEFAULT_UI_PORT = 8081;
export const WS_PATH = '/api/ws';
/** Requests are small; the biggest is a pin/delete of many ids. */
const MAX_REQUEST_FRAME = 16 * 1024 * 1024;

export interface UiServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8081; 0 picks a free port. */
  port?: number;
  /** Default: 32 fresh random bytes, base64url. */
  token?: string;
  /** The renderer build; default dist/renderer next to the compiled code. */
  rendererDir?: string;
  /** Share an API server side (e.g. with Electron IPC); by default the UI server makes and disposes its own. */
  api?: ApiServerSide;
  /** Longest wait before pending events are pushed (default 50 ms). */
  flushMs?: number;
  /** Unexpected failures (a handler's bug, a disk error), for the log. */
  onError?: (err: unknown, where: string) => void;
  /** Which client addresses may connect; default the core's (the proxy port's allow-list). */
  allowClient?: (ip: string) => boolean;
  /** A new token replaced the old one (token.rotate): keep it (serve writes the token file and the lock). */
  onTokenRotated?: (token: string) => void;
  /** GET /metrics without a token (`serve --metrics-public`); by default it needs a Bearer token like /api. */
  metricsPublic?: boolean;
}

export interface UiServer {
  /** Open this in a browser: http://host:port/#token=… (changes with token.rotate). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** dist/renderer, from both the compiled file (dist/electron/core/server) and the source (tsx). */
export function defaultRendererDir(): string {
  return path.resolve(__dirname, '..', '..', '..', __dirname.split(path.sep).includes('dist') ? '' : 'dist', 'renderer');
}

export async function startUiServer(core: AnyCore, options: UiServerOptions = {}): Promise<UiServer> {
  const host = options.host ?? '127.0.0.1';
  let token = options.token ?? newToken();
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  const onError = options.onError ?? (() => {});
  const allowClient = options.allowClient ?? ((ip: string) => core.admitsClient(ip));
  removeStaleImportSpools(core.dataDir);
  const hostOk = (hostHeader: string | undefined) => hostAllowed(hostHeader, host, allowClient);
  /** Connections refused by the allow-list: answered 403 at connect; whatever they send is never handled. */
  const refused = new WeakSet<object>();
  const ownsApi = !options.api;
  const sockets = new Set<WebSocket>();
  /** Who signed in on each open socket: a revoked user's sockets are closed as soon as the users change. */
  const principals = new Map<WebSocket, Principal>();
  const signedIn = (req: http.IncomingMessage) => authorize(requestToken(req), token, core.users);
  const usersChanged = core.users.onDidChange((users) => {
    const names = new Set(users.map((u) => u.name));
    for (const [ws, who] of principals) if (who.kind === 'user' && !names.has(who.name)) ws.close(4003, 'token revoked');
  });
  /**
   * token.rotate: the new token takes effect at once; every socket (the caller's too) is closed just after
   * the answer has gone out, so holders of the old token are out, and the caller reconnects with the new one.
   */
  const rotateToken = async (): Promise<{ token: string }> => {
    token = newToken();
    options.onTokenRotated?.(token);
    // Users' own tokens are unchanged: only the sockets signed in with the old UI token are closed.
    const open = [...sockets].filter((ws) => principals.get(ws)?.kind !== 'user');
    setTimeout(() => {
      for (const ws of open) ws.close(4001, 'token rotated');
    }, 100).unref();
    return { token };
  };
  const api = options.api ?? createApiServerSide({ ...createApiHandlers(core), 'token.rotate': rotateToken }, core, { flushMs: options.flushMs, onInternalError: onError });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_FRAME, handleProtocols: chooseProtocol });
  const server = http.createServer((req, res) => {
    handleHttp(req, res).catch((err) => {
      onError(err, `${req.method} ${req.url}`);
      if (!res.headersSent) sendText(res, 500, 'Internal error');
      else res.destroy();
    });
  });
  let port = 0;

  const securityHeaders = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // The page connects back to the host it was loaded from; only a plain host[:port] goes into the policy.
    const asked = req.headers.host;
    const wsOrigin = `ws://${asked && /^[A-Za-z0-9.:[\]-]+$/.test(asked) ? asked : `${urlHost(host)}:${port}`}`;
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ${wsOrigin}; ` +
        `object-src 'none'; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
  };

  async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (refused.has(req.socket)) return void req.socket.destroy();
    securityHeaders(req, res);
    if (!hostOk(req.headers.host)) return sendText(res, 403, 'Forbidden: unexpected Host header');
    const url = parseUrl(req.url);
    if (!url) return sendText(res, 400, 'Bad request');
    if (req.method === 'POST' && url.pathname === '/api/import') return handleImportPost(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'Method not allowed');
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return handleApiGet(req, res, url);
    // Operations (./ops-routes.ts): /healthz is open (it says nothing private), /metrics needs a token unless --metrics-public.
    if (url.pathname === '/healthz') return serveHealth(core, req, res);
    if (url.pathname === '/metrics') {
      if (!options.metricsPublic && !signedIn(req)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="hindsight"');
        return sendText(res, 401, 'Unauthorized: /metrics needs Authorization: Bearer <token> (or serve --metrics-public)');
      }
      return serveMetrics(core, req, res);
    }

    const result = await serveStatic(req, res, rendererDir, url.pathname);
    if (result === 'served') return;
    if (result === 'bad-path') return sendText(res, 400, 'Bad path');
    if (result === 'not-found') return sendText(res, 404, 'Not found');
    res.statusCode = 503;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(
      '<!doctype html><meta charset="utf-8"><title>Hindsight</title>' +
        '<h1>The Hindsight UI is not built</h1><p>Run <code>npm run build</code> in the Hindsight folder, then reload this page. ' +
        'The proxy and the API are running.</p>\n',
    );
  }

  async function handleApiGet(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    // Nothing under /api may be embedded by another site, even by one holding a leaked URL.
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // A token in a URL ends up in logs, histories and proxies (Hindsight's own flows included): refused.
    if (url.searchParams.has('token')) return sendText(res, 401, 'Unauthorized: tokens in URLs are refused; send the header Authorization: Bearer <token>');
    if (url.pathname === '/api/export' && url.searchParams.has('ticket')) {
      const request = downloadTickets(core).redeem(url.searchParams.get('ticket'));
      if (!request) return sendText(res, 401, 'Unauthorized: this download ticket is unknown, used or expired; start the download again');
      return streamExport(core, req, res, request);
    }
    if (!signedIn(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="hindsight"');
      return sendText(res, 401, 'Unauthorized: token required');
    }
    const body = /^\/api\/flows\/([^/]+)\/(request|response)\/body$/.exec(url.pathname);
    if (body) {
      let id: string;
      try {
        id = decodeURIComponent(body[1]);
      } catch {
        return sendText(res, 400, 'Bad flow id');
      }
      return sendBody(req, res, id, body[2] as BodySide, flag(url, 'decode'), flag(url, 'download'));
    }
    if (url.pathname === '/api/export') return serveExport(core, req, res, url);
    if (url.pathname === '/api/ca.pem' || url.pathname === '/api/ca.crt') {
      const pem = url.pathname.endsWith('.pem');
      const bytes = pem ? Buffer.from(core.ca.certPem) : core.ca.certDer();
      res.statusCode = 200;
      res.setHeader('Content-Type', pem ? 'application/x-pem-file' : 'application/x-x509-ca-cert');
      res.setHeader('Content-Disposition', `attachment; filename="hindsight-ca.${pem ? 'pem' : 'crt'}"`);
      res.setHeader('Content-Length', bytes.length);
      res.end(req.method === 'HEAD' ? undefined : bytes);
      return;
    }
    return sendText(res, 404, 'Not found');
  }

  /** `hindsight import` while this server holds the data folder (import-route.ts): token and Origin checked. */
  async function handleImportPost(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    if (url.searchParams.has('token')) return sendText(res, 401, 'Unauthorized: tokens in URLs are refused; send the header Authorization: Bearer <token>');
    if (!originAllowed(req)) return sendText(res, 403, 'Forbidden');
    if (!tokenMatches(requestToken(req), token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="hindsight"');
      return sendText(res, 401, 'Unauthorized: token required');
    }
    return serveImport(core, req, res);
  }

  async function sendBody(req: http.IncomingMessage, res: http.ServerResponse, id: string, side: BodySide, decode: boolean, download: boolean) {
    await core.store.ready;
    const body = await readFlowBody(core.store, id, side, decode);
    if (!body) return sendText(res, 404, 'No such flow or body');
    res.statusCode = 200;
    res.setHeader('Content-Type', body.ref.contentType ?? 'application/octet-stream');
    res.setHeader('Content-Length', body.bytes.length);
    // Captured HTML or SVG must never run as our origin: served bodies get a sandbox of their own.
    res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    if (body.ref.truncated) res.setHeader('X-Hindsight-Truncated', `${body.ref.storedSize}/${body.ref.size}`);
    if (body.ref.encoding && !body.decoded) res.setHeader('X-Hindsight-Content-Encoding', asciiHeader(body.ref.encoding));
    if (body.decodeError) res.setHeader('X-Hindsight-Decode-Error', asciiHeader(body.decodeError));
    if (download) res.setHeader('Content-Disposition', `attachment; filename="${downloadName(id, side)}"`);
    res.end(req.method === 'HEAD' ? undefined : body.bytes);
  }

  function onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', () => {});
    if (refused.has(socket)) return void socket.destroy();
    const url = parseUrl(req.url);
    if (!url || url.pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!hostOk(req.headers.host) || !originAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden');
    const principal = signedIn(req);
    if (!principal) return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      principals.set(ws, principal);
      const served = serveWebSocket(ws, scopedApi(api, core, principal));
      ws.once('close', () => {
        sockets.delete(ws);
        principals.delete(ws);
        served.dispose();
      });
    });
  }
  // The same allow-list as the proxy port: a client the proxy refuses gets neither the app nor the API.
  server.prependListener('connection', (socket) => {
    const ip = plainIp(socket.remoteAddress ?? '');
    if (allowClient(ip)) return;
    refused.add(socket);
    const text = `Hindsight: ${ip} is not allowed to use this server (see --allow)\n`;
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  });
  server.on('upgrade', onUpgrade);
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_UI_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as { port: number }).port;
  core.addOwnPort(port);
  const shownHost = isWildcardHost(host) ? '127.0.0.1' : host;

  let closing: Promise<void> | undefined;
  return {
    get url() {
      return `http://${urlHost(shownHost)}:${port}/#token=${token}`;
    },
    host,
    port,
    get token() {
      return token;
    },
    close() {
      closing ??= (async () => {
        usersChanged.dispose();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closeSockets([...sockets]);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await closed;
        if (ownsApi) api.dispose();
      })();
      return closing;
    },
  };
}

/** Closes each socket politely; those that have not finished the close handshake within a second are cut. */
async function closeSockets(sockets: WebSocket[]): Promise<void> {
  if (sockets.length === 0) return;
  const allClosed = Promise.all(sockets.map((ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once('close', () => resolve())))));
  for (const ws of sockets) ws.close(1001, 'server closing');
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)))]);
  clearTimeout(timer);
  for (const ws of sockets) ws.terminate();
}

function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    return new URL(raw ?? '/', 'http://ui.invalid');
  } catch {
    return undefined;
  }
}

function flag(url: URL, name: string): boolean {
  const v = url.searchParams.get(name);
  return v !== null && v !== '0' && v !== 'false';
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function asciiHeader(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 500);
}

function downloadName(id: string, side: BodySide): string {
  return `${id}-${side}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(text + '\n');
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
}
