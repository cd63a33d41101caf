/**
 * A local test origin for proxy tests and benchmarks: one HTTP and one HTTPS server on 127.0.0.1 (port 0),
 * the HTTPS side signed by its own test CA (pass `origin.caPem` to the proxy as CoreOptions.upstreamCa), and
 * a `lookup` for the proxy that resolves test host names to 127.0.0.1 without touching /etc/hosts or DNS.
 *
 * Host names (through `lookup`): every `*.test` name and `localhost` resolve to 127.0.0.1, except names
 * whose first label starts with `nope` (nope.test, nope-2.test), which fail with ENOTFOUND like a missing
 * DNS record; anything else fails with ENOTFOUND too. Over HTTPS every name gets a certificate for itself,
 * except names starting with `mismatch` (mismatch.test), which get a certificate for another name, so the
 * proxy's upstream verification fails.
 *
 * Endpoints (the same on both servers):
 *   GET  /json                 200 JSON {"hello":"world"}, with repeated and mixed-case headers
 *   ANY  /echo                 200 JSON describing the request as received: method, url, httpVersion,
 *                              rawHeaders, body (UTF-8) and bodyBytes, and rawTrailers when it had trailers
 *   GET  /bytes?n=N[&chunk=C][&delay=MS][&chunked=1]
 *                              N bytes of a repeating pattern (patternBytes(N)), Content-Length unless
 *                              chunked=1, written C bytes at a time (default 64 KB) honouring backpressure,
 *                              waiting MS between chunks
 *   GET  /gzip                 gzip-compressed JSON with Content-Encoding: gzip
 *   GET  /status/NNN           that status, a short text body
 *   GET  /reset                announces 100,000 bytes, sends 1,000, then resets the connection
 *   GET  /hang                 never answers (the socket is closed by close())
 *   GET  /ws (Upgrade)         WebSocket echo; picks the subprotocol `chat.v2` when offered, else the first
 *                              offered one; every message comes back prefixed with `echo:`. An upgrade
 *                              to any other path is refused: 403 with the body `no upgrade`
 *   GET  /ws-deflate (Upgrade)  the same echo with permessage-deflate (every message compressed, context kept)
 *   GET  /ws-deflate-reset      the same with server_ and client_no_context_takeover
 *   Server-side sockets of every WebSocket are appended to `webSockets` (tests ping, send or close from there).
 * Every request is appended to `received` (method, url, rawHeaders, secure) before it is answered.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import zlib from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadOrCreateCa } from '../../certs';
import type { CertificateAuthority } from '../../certs/types';

export interface ReceivedRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  secure: boolean;
  /** The proxy's side of the connection, as the origin saw it. */
  remoteAddress: string;
}

export interface Origin {
  httpPort: number;
  httpsPort: number;
  /** PEM of the test CA that signed the HTTPS certificates. */
  caPem: string;
  /** For the proxy (CoreOptions.lookup): *.test → 127.0.0.1, see the header comment. */
  lookup: net.LookupFunction;
  received: ReceivedRequest[];
  /** The origin's side of every WebSocket accepted, oldest first. */
  webSockets: WebSocket[];
  /** `http://json.test:PORT/path` or `https://…` with the right port for the scheme. */
  url(pathname: string, options?: { secure?: boolean; host?: string }): string;
  /** A port on 127.0.0.1 where nothing listens (connections are refused). */
  closedPort(): Promise<number>;
  close(): Promise<void>;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const PATTERN = Buffer.from(ALPHABET.repeat(1900)); // 68,400 bytes
const MAX_CHUNK = PATTERN.length - ALPHABET.length;

/** The first n bytes of the /bytes body. */
export function patternBytes(n: number): Buffer {
  return Buffer.from(ALPHABET.repeat(Math.ceil(n / ALPHABET.length)).slice(0, n));
}

/** The lookup the proxy gets: asynchronous, like real DNS, and honours `all` (Node's autoSelectFamily asks for it). */
export const testLookup: net.LookupFunction = (hostname, options, callback) => {
  const name = hostname.toLowerCase();
  const resolvable = (name === 'localhost' || name.endsWith('.test')) && !name.startsWith('nope');
  setImmediate(() => {
    if (!resolvable) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });
      return (callback as (err: Error) => void)(err);
    }
    if (typeof options === 'object' && options?.all) return (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    return (callback as (err: null, address: string, family: number) => void)(null, '127.0.0.1', 4);
  });
};

let sharedCa: Promise<{ ca: CertificateAuthority; dir: string }> | undefined;
/** One test CA per process (creating a CA costs an RSA key generation); the HTTP/2 origin (h2.ts) shares it. */
export function originCa(): Promise<{ ca: CertificateAuthority; dir: string }> {
  sharedCa ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-origin-ca-'));
    const ca = await loadOrCreateCa(dir, { commonName: 'Hindsight test origin CA' });
    // The CA files are read once; removing the folder at exit keeps the temp dir clean.
    process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return { ca, dir };
  })();
  return sharedCa;
}

export async function startOrigin(): Promise<Origin> {
  const { ca } = await originCa();
  const received: ReceivedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const handler = (secure: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, secure, remoteAddress: req.socket.remoteAddress ?? '' });
    answer(req, res);
  };
  const contextFor = (name: string): tls.SecureContext => ca.leafFor(name.startsWith('mismatch') ? 'someone-else.test' : name).context;
  const httpServer = http.createServer(handler(false));
  const httpsServer = https.createServer({ SNICallback: (name, cb) => cb(null, contextFor(name)), ...ipCertificate(ca) }, handler(true));
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : ([...protocols][0] ?? false)),
  });
  const deflating = (reset: boolean) =>
    new WebSocketServer({
      noServer: true,
      perMessageDeflate: { threshold: 0, serverNoContextTakeover: reset, clientNoContextTakeover: reset },
      handleProtocols: (protocols) => [...protocols][0] ?? false,
    });
  const servers: Record<string, WebSocketServer> = { '/ws': wss, '/ws-deflate': deflating(false), '/ws-deflate-reset': deflating(true) };
  const webSockets: WebSocket[] = [];
  for (const server of Object.values(servers)) {
    server.on('connection', (ws) => {
      webSockets.push(ws);
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${data.toString()}`));
    });
  }
  for (const [server, secure] of [
    [httpServer, false],
    [httpsServer, true],
  ] as const) {
    server.on('connection', track);
    server.on('secureConnection', track);
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      received.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, secure, remoteAddress: socket.remoteAddress ?? '' });
      const server = servers[req.url ?? ''];
      if (!server) return socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\nno upgrade');
      server.handleUpgrade(req, socket, head, (ws) => server.emit('connection', ws, req));
    });
  }
  await Promise.all([listen(httpServer), listen(httpsServer)]);
  const httpPort = (httpServer.address() as net.AddressInfo).port;
  const httpsPort = (httpsServer.address() as net.AddressInfo).port;

  return {
    httpPort,
    httpsPort,
    webSockets,
    caPem: ca.certPem,
    lookup: testLookup,
    received,
    url: (pathname, options = {}) => `${options.secure ? 'https' : 'http'}://${options.host ?? 'origin.test'}:${options.secure ? httpsPort : httpPort}${pathname}`,
    async closedPort() {
      const probe = net.createServer();
      await listen(probe);
      const port = (probe.address() as net.AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      return port;
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      await Promise.all([close(httpServer), close(httpsServer), new Promise((resolve) => wss.close(resolve))]);
    },
  };
}

/** Clients that connect by IP send no SNI: they get the certificate for 127.0.0.1. */
export function ipCertificate(ca: CertificateAuthority): { cert: string; key: string } {
  const leaf = ca.leafFor('127.0.0.1');
  return { cert: leaf.cert + ca.certPem, key: leaf.key };
}

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://origin');
  const route = url.pathname;
  if (route === '/json') {
    const body = JSON.stringify({ hello: 'world' });
    res.writeHead(200, 'OK', ['Content-Type', 'application/json', 'X-Dup', 'one', 'x-dup', 'two', 'X-Mixed-Case', 'yes', 'Content-Length', String(Buffer.byteLength(body))]);
    res.end(body);
    return;
  }
  if (route === '/echo') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // Trailers (after a chunked body) only when there were some: the usual echo stays as it was.
      const trailers = req.rawTrailers.length ? { rawTrailers: req.rawTrailers } : {};
      const text = JSON.stringify({ method: req.method, url: req.url, httpVersion: req.httpVersion, rawHeaders: req.rawHeaders, body: body.toString('utf8'), bodyBytes: body.length, ...trailers });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
    return;
  }
  if (route === '/bytes') {
    const n = Number(url.searchParams.get('n') ?? 1024);
    const chunk = Number(url.searchParams.get('chunk') ?? 65536);
    const delay = Number(url.searchParams.get('delay') ?? 0);
    const chunked = url.searchParams.get('chunked') === '1';
    const headers: Record<string, string | number> = { 'Content-Type': 'application/octet-stream' };
    if (!chunked) headers['Content-Length'] = n;
    res.writeHead(200, headers);
    streamPattern(res, n, chunk, delay);
    return;
  }
  if (route === '/gzip') {
    const body = zlib.gzipSync(JSON.stringify({ compressed: true, filler: 'x'.repeat(2000) }));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  const status = /^\/status\/(\d{3})$/.exec(route);
  if (status) {
    const code = Number(status[1]);
    const body = `status ${code}\n`;
    res.writeHead(code, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  if (route === '/reset') {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 100_000 });
    res.write(patternBytes(1000), () => setTimeout(() => req.socket.resetAndDestroy(), 20));
    return;
  }
  if (route === '/hang') {
    req.resume();
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' });
  res.end('no such test endpoint\n');
}

function streamPattern(res: http.ServerResponse, total: number, chunkSize: number, delayMs: number): void {
  const size = Math.max(1, Math.min(chunkSize, MAX_CHUNK));
  let offset = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on('close', () => clearTimeout(timer));
  const next = () => {
    while (offset < total && !res.destroyed) {
      const count = Math.min(size, total - offset);
      // The pattern repeats every ALPHABET.length bytes, so any stretch of it is a slice of PATTERN.
      const start = offset % ALPHABET.length;
      offset += count;
      const more = res.write(PATTERN.subarray(start, start + count));
      if (offset >= total) {
        res.end();
        return;
      }
      if (delayMs > 0) {
        timer = setTimeout(next, delayMs);
        return;
      }
      if (!more) {
        res.once('drain', next);
        return;
      }
    }
  };
  next();
}

function listen(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
