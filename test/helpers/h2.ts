/**
 * HTTP/2 parts for proxy tests: an origin speaking h2 over TLS (signed by the same test CA as origin.ts, so
 * the proxy trusts it through CoreOptions.upstreamCa) and h2c in plain text, and a Node `http2` client that
 * reaches it through the proxy's CONNECT tunnel (TLS with ALPN h2, trusting the proxy's CA, or h2c).
 *
 * Endpoints (both servers):
 *   ANY /echo       200 JSON { method, path, authority, scheme, headers (raw, no pseudo-headers), body }
 *   ANY /trailers   200 text "body", then the trailers x-checksum: abc and x-count: 2
 *   ANY /trailers-with-length  the same with content-length: 4 and the trailers announced (trailer: x-checksum, x-count)
 *   ANY /status/NNN that status, an empty body
 *   GET /bytes?n=N  N bytes of origin.ts's pattern (patternBytes), with content-length
 * Each request is appended to `received` with the HTTP version it came over (and its trailers once it ended).
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { ipCertificate, originCa, patternBytes } from './origin';

export interface H2Received {
  httpVersion: string;
  method: string;
  path: string;
  headers: http2.IncomingHttpHeaders;
  /** Trailer fields after the body, as a flat raw list; filled in when the request ended. */
  trailers: string[];
}

export interface H2Origin {
  /** The TLS port (ALPN h2; also http/1.1 when started with allowHTTP1). */
  tlsPort: number;
  /** The h2c port (prior knowledge only). */
  plainPort: number;
  received: H2Received[];
  close(): Promise<void>;
}

export async function startH2Origin(options: { allowHTTP1?: boolean } = {}): Promise<H2Origin> {
  const { ca } = await originCa();
  const received: H2Received[] = [];
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    const entry: H2Received = { httpVersion: req.httpVersion, method: req.method, path: req.url, headers: req.headers, trailers: [] };
    received.push(entry);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.trailers = req.rawTrailers;
      answer(req, res, Buffer.concat(chunks));
    });
  };
  // Clients that connect by IP send no SNI: they get the certificate for 127.0.0.1.
  const secure = http2.createSecureServer({ SNICallback: (name, cb) => cb(null, ca.leafFor(name).context), ...ipCertificate(ca), allowHTTP1: options.allowHTTP1 ?? false }, handler);
  const plain = http2.createServer({}, handler);
  const sockets = new Set<net.Socket>();
  for (const server of [secure, plain] as net.Server[]) {
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  return {
    tlsPort: (secure.address() as net.AddressInfo).port,
    plainPort: (plain.address() as net.AddressInfo).port,
    received,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([secure, plain].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
}

function answer(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, body: Buffer): void {
  const status = /^\/status\/(\d{3})$/.exec(req.url);
  if (status) {
    res.writeHead(Number(status[1]));
    res.end();
    return;
  }
  const bytes = /^\/bytes\?n=(\d+)$/.exec(req.url);
  if (bytes) {
    const body = patternBytes(Math.min(Number(bytes[1]), 64 * 1024 * 1024));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
    return;
  }
  if (req.url === '/trailers-with-length') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 4, trailer: 'x-checksum, x-count' });
    res.addTrailers({ 'x-checksum': 'abc', 'x-count': '2' });
    res.end('body');
    return;
  }
  if (req.url.startsWith('/trailers')) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.addTrailers({ 'x-checksum': 'abc', 'x-count': '2' });
    res.end('body');
    return;
  }
  const headers: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (!req.rawHeaders[i].startsWith(':')) headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const json = JSON.stringify({ httpVersion: req.httpVersion, method: req.method, path: req.url, authority: req.authority ?? req.headers.host, scheme: req.scheme ?? null, headers, body: body.toString('utf8') });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(json);
}

/** Opens a CONNECT tunnel through the proxy to `authority` and resolves with the socket after the 200. */
export function tunnel(proxyPort: number, authority: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority, headers: { host: authority } });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) resolve(socket);
      else reject(new Error(`CONNECT answered ${res.statusCode}`));
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * An http2 client session through the proxy: TLS with ALPN `alpn` trusting `caPem`, or h2c when caPem is null.
 * `options`: more of the session's options (a larger `maxSendHeaderBlockLength`, for one).
 */
export async function h2ThroughProxy(proxyPort: number, host: string, port: number, caPem: string | null, options: http2.ClientSessionOptions = {}): Promise<http2.ClientHttp2Session> {
  const socket = await tunnel(proxyPort, `${host}:${port}`);
  if (caPem === null) return http2.connect(`http://${host}:${port}`, { ...options, createConnection: () => socket });
  const secure = tls.connect({ socket, servername: host, ca: [caPem], ALPNProtocols: ['h2'] });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return http2.connect(`https://${host}:${port}`, { ...options, createConnection: () => secure });
}

export interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: string;
}

/** One request on a session; resolves with the whole answer. `requestTrailers`: sent after the body (RFC 9113 §8.1). */
export function h2Request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string | Buffer, requestTrailers?: http2.OutgoingHttpHeaders): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined && requestTrailers === undefined, waitForTrailers: requestTrailers !== undefined });
    if (requestTrailers) stream.once('wantTrailers', () => stream.sendTrailers(requestTrailers));
    let head: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const { ':status': status, date: _date, ...rest } = head;
      // Plain objects: Node's header objects carry a symbol of sensitive names.
      resolve({ status: Number(status), headers: Object.fromEntries(Object.entries(rest)), trailers: Object.fromEntries(Object.entries(trailers)), body: Buffer.concat(chunks).toString('utf8') });
    });
    stream.on('error', reject);
    if (body !== undefined || requestTrailers !== undefined) stream.end(body);
  });
}
