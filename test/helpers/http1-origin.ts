/**
 * An HTTPS origin that speaks only HTTP/1.1 (no ALPN h2), signed by the test CA of origin.ts, that records each
 * request whole, trailers included, and answers 204: for tests of what reaches an HTTP/1.1 server.
 */
import https from 'node:https';
import type http from 'node:http';
import type net from 'node:net';
import { originCa } from './origin';

/** What the HTTP/1.1 origin saw of one request. */
export interface H1Received {
  httpVersion: string;
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
  rawTrailers: string[];
}

export async function startHttp1Origin(): Promise<{ port: number; received: H1Received[]; close(): Promise<void> }> {
  const { ca } = await originCa();
  const received: H1Received[] = [];
  const sockets = new Set<net.Socket>();
  const server = https.createServer({ SNICallback: (name, cb) => cb(null, ca.leafFor(name).context) }, (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ httpVersion: req.httpVersion, method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8'), rawTrailers: req.rawTrailers });
      res.writeHead(204);
      res.end();
    });
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
