/**
 * An origin for replay tests that keeps exactly what reached it: method, raw request target, HTTP version,
 * raw headers (order, case, duplicates) and the body bytes, over HTTP and HTTPS on 127.0.0.1 (port 0).
 * HTTPS is signed by a test CA made for it (pass `caPem` to the core as upstreamCa); test host names resolve
 * through test/helpers/origin.ts's lookup (*.test → 127.0.0.1).
 * Every request is answered 200 with a JSON body naming its place in `received` and a Date header
 * (so a replay differs from its original the way real responses do); /status/NNN answers NNN.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../../certs';

export interface Received {
  method: string;
  target: string;
  httpVersion: string;
  rawHeaders: string[];
  /** Base64 of the body bytes. */
  body: string;
  secure: boolean;
}

export interface RecordingOrigin {
  httpPort: number;
  httpsPort: number;
  caPem: string;
  received: Received[];
  url(pathname: string, secure?: boolean): string;
  close(): Promise<void>;
}

export async function startRecordingOrigin(): Promise<RecordingOrigin> {
  const caDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-replay-ca-'));
  const ca = await loadOrCreateCa(caDir, { commonName: 'Hindsight replay test origin CA' });
  const received: Received[] = [];
  const sockets = new Set<net.Socket>();
  const handler = (secure: boolean) => (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const index = received.push({ method: req.method ?? '', target: req.url ?? '', httpVersion: req.httpVersion, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('base64'), secure }) - 1;
      const status = /^\/status\/(\d{3})$/.exec(req.url ?? '');
      const text = JSON.stringify({ index, path: req.url });
      res.writeHead(status ? Number(status[1]) : 200, { 'Content-Type': 'application/json', Date: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toUTCString(), 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  };
  const httpServer = http.createServer(handler(false));
  const httpsServer = https.createServer({ SNICallback: (name, cb) => cb(null, ca.leafFor(name).context) }, handler(true));
  for (const server of [httpServer, httpsServer]) {
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
  }
  await Promise.all([httpServer, httpsServer].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const httpPort = (httpServer.address() as net.AddressInfo).port;
  const httpsPort = (httpsServer.address() as net.AddressInfo).port;
  return {
    httpPort,
    httpsPort,
    caPem: ca.certPem,
    received,
    url: (pathname, secure = false) => `${secure ? 'https' : 'http'}://origin.test:${secure ? httpsPort : httpPort}${pathname}`,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([httpServer, httpsServer].map((s) => new Promise((resolve) => s.close(resolve))));
      fs.rmSync(caDir, { recursive: true, force: true });
    },
  };
}
