// Raw UTF-8 bytes in an h2 :path (issue 18): Node's http2 client sends the bytes of "/café/ü?q=ß" as they are
// (a header string goes out as latin1, one byte per char; nghttp2 takes bytes >= 0x80 in :path), the proxy
// forwards them byte-exact to an h2 origin and to an HTTP/1.1 origin, and the flow records the URL readable:
// those bytes percent-encoded, as HTTP/1.1's --raw-utf8-paths records them (capture/request-target-bytes.ts).
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { startTestCore, type TestCore } from '../../../helpers/core';
import { originCa } from '../../../helpers/origin';
import { h2Request, h2ThroughProxy, startH2Origin, type H2Origin } from '../../../helpers/h2';
import tls from 'node:tls';
import type net from 'node:net';

let h2origin: H2Origin;
let h1origin: { port: number; lines: Buffer[]; close(): Promise<void> };
let proxy: TestCore;
const sessions: http2.ClientHttp2Session[] = [];

before(async () => {
  h2origin = await startH2Origin();
  h1origin = await startRequestLineOrigin();
});
after(async () => {
  await h2origin.close();
  await h1origin.close();
});
beforeEach(async () => {
  proxy = await startTestCore({ upstreamCa: [(await originCa()).ca.certPem] });
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  await proxy.dispose();
});

/**
 * An HTTPS origin that speaks HTTP/1.1 by hand (ALPN http/1.1): it keeps each request line's bytes as they came
 * and answers 204. Lenient servers take raw UTF-8 in a request line; Node's own parser would answer 400.
 */
async function startRequestLineOrigin(): Promise<{ port: number; lines: Buffer[]; close(): Promise<void> }> {
  const { ca } = await originCa();
  const lines: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ SNICallback: (name, cb) => cb(null, ca.leafFor(name).context), ALPNProtocols: ['http/1.1'] }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      lines.push(head.subarray(0, head.indexOf('\r\n')));
      head = head.subarray(end + 4);
      socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    lines,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The path's UTF-8 bytes as the latin1 string Node's http2 client writes byte for byte. */
const RAW_PATH = Buffer.from('/café/ü?q=ß', 'utf8').toString('latin1');
const ENCODED_PATH = '/caf%C3%A9/%C3%BC?q=%C3%9F';

async function send(host: string, port: number): Promise<number> {
  const s = await h2ThroughProxy(proxy.port, host, port, proxy.caPem);
  sessions.push(s);
  const answer = await h2Request(s, { ':method': 'GET', ':path': RAW_PATH });
  return answer.status;
}

describe('raw UTF-8 in an h2 :path', () => {
  test('an h2 origin gets the bytes as sent; the flow records them percent-encoded', async () => {
    const before = h2origin.received.length;
    const status = await send('h2.test', h2origin.tlsPort);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      {
        status,
        seen: h2origin.received.slice(before).map((r) => Buffer.from(r.path, 'latin1').toString('utf8')),
        flow: { url: flow.request.url, path: flow.request.pseudoHeaders?.find(([name]) => name === ':path') },
      },
      { status: 200, seen: ['/café/ü?q=ß'], flow: { url: `https://h2.test:${h2origin.tlsPort}${ENCODED_PATH}`, path: [':path', ENCODED_PATH] } },
    );
  });

  test('an HTTP/1.1 origin gets the same bytes in its request line', async () => {
    const before = h1origin.lines.length;
    const status = await send('h1.test', h1origin.port);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { status, seen: h1origin.lines.slice(before).map((line) => line.toString('utf8')), url: flow.request.url },
      { status: 204, seen: ['GET /café/ü?q=ß HTTP/1.1'], url: `https://h1.test:${h1origin.port}${ENCODED_PATH}` },
    );
  });
});
