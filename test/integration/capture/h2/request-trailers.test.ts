// A client's request trailers go upstream (RFC 9113 §8.1, RFC 9110 §6.5): Node's http2 client sends a body and
// then trailer fields through the proxy; an h2 origin gets them as trailers after the body, an HTTP/1.1 origin
// with the last chunk of the chunked body the proxy translates to. Each origin says what it received; the flow
// records the trailers. Both compared whole.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type http from 'node:http';
import tls from 'node:tls';
import { once } from 'node:events';
import { stableFlow, type TestCore } from '../../../helpers/core';
import { h2Request, tunnel } from '../../../helpers/h2';
import { useTrailerRig } from '../../../helpers/trailer-rig';

const rig = useTrailerRig();

const TRAILERS = { 'x-checksum': 'c0ffee', 'x-count': '2' };

/**
 * One HTTP/1.1 request through a CONNECT tunnel and TLS (ALPN http/1.1, trusting the proxy's CA), with Node's
 * http client: a body with `trailers` goes chunked, the trailers with its last chunk. Resolves with the status.
 */
async function http1Request(host: string, port: number, method: string, path: string, body?: string, trailers?: Record<string, string>): Promise<number> {
  const socket = await tunnel(rig.proxy.port, `${host}:${port}`);
  const secure = tls.connect({ socket, servername: host, ca: [rig.proxy.caPem], ALPNProtocols: ['http/1.1'] });
  await once(secure, 'secureConnect');
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ createConnection: () => secure, method, path, headers: { host: `${host}:${port}`, ...(body !== undefined ? { 'content-type': 'text/plain' } : {}) } }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      if (body !== undefined) req.write(body);
      if (trailers) req.addTrailers(trailers);
      req.end();
    });
  } finally {
    secure.destroy();
  }
}

/** The flow as stableFlow() gives it, with the values that change per run (dates, the client's port, body files) named. */
function stable(flow: Awaited<ReturnType<TestCore['finishedFlows']>>[number]): Record<string, unknown> {
  const copy = stableFlow(flow) as {
    request: { pseudoHeaders?: [string, string][]; body: { blob?: string } };
    response?: { headers: [string, string][]; body: { blob?: string } };
    http2?: { connection: string };
  };
  // Node's http2 server sends pseudo-headers in its own order: sorted here, so the comparison says what, not where.
  copy.request.pseudoHeaders?.sort(([a], [b]) => a.localeCompare(b));
  if (copy.request.body.blob) copy.request.body.blob = 'BLOB';
  if (copy.response?.body.blob) copy.response.body.blob = 'BLOB';
  if (copy.response) copy.response.headers = copy.response.headers.map(([n, v]) => [n, n.toLowerCase() === 'date' ? 'DATE' : v]);
  if (copy.http2) copy.http2.connection = copy.http2.connection.replace(/:\d+$/, ':PORT');
  return copy;
}

const NEW_CONNECTION = { reusedConnection: false, dnsMs: 'ms', connectMs: 'ms', tlsMs: 'ms', sendMs: 'ms', waitMs: 'ms', receiveMs: 'ms', totalMs: 'ms' };

describe('request trailers through the proxy', () => {
  test('an h2 client to an h2 origin: the trailers follow the body upstream, and the flow records them', async () => {
    const authority = `h2.test:${rig.h2origin.tlsPort}`;
    const s = await rig.session('h2.test', rig.h2origin.tlsPort);
    const before = rig.h2origin.received.length;
    const answer = await h2Request(s, { ':method': 'POST', ':path': '/echo', 'content-type': 'text/plain', te: 'trailers' }, 'payload', TRAILERS);
    const [flow] = await rig.proxy.finishedFlows(1);
    const seen = rig.h2origin.received.slice(before).map((r) => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers)) }));
    assert.deepEqual(
      { status: answer.status, echoed: (JSON.parse(answer.body) as { body: string }).body, seen },
      {
        status: 200,
        echoed: 'payload',
        seen: [
          {
            httpVersion: '2.0', method: 'POST', path: '/echo',
            headers: { ':method': 'POST', ':scheme': 'https', ':authority': authority, ':path': '/echo', 'content-type': 'text/plain', te: 'trailers' },
            trailers: ['x-checksum', 'c0ffee', 'x-count', '2'],
          },
        ],
      },
    );
    const bodyLength = Buffer.byteLength(answer.body);
    assert.deepEqual(stable(flow), {
      id: 'ID', seq: 1, schema: 1, startedAt: 0, state: 'completed', client: { ip: '127.0.0.1', port: 0 }, appliedRules: [],
      server: { host: 'h2.test', port: rig.h2origin.tlsPort, ip: '127.0.0.1', tls: { version: 'TLSv1.3', alpn: 'h2', sni: 'h2.test' } },
      request: {
        method: 'POST', url: `https://${authority}/echo`, httpVersion: '2',
        pseudoHeaders: [[':authority', authority], [':method', 'POST'], [':path', '/echo'], [':scheme', 'https']],
        headers: [['content-type', 'text/plain'], ['te', 'trailers']],
        body: { size: 7, storedSize: 7, truncated: false, contentType: 'text/plain', blob: 'BLOB' },
        trailers: [['x-checksum', 'c0ffee'], ['x-count', '2']],
      },
      response: {
        status: 200, statusText: '', pseudoHeaders: [[':status', '200']],
        headers: [['content-type', 'application/json'], ['date', 'DATE']],
        body: { size: bodyLength, storedSize: bodyLength, truncated: false, contentType: 'application/json', blob: 'BLOB' },
      },
      timings: NEW_CONNECTION,
      http2: { connection: '127.0.0.1:PORT', stream: 1 },
    });
  });

  test('an h2 client to an HTTP/1.1 origin: the body goes chunked, the trailers with its last chunk', async () => {
    const authority = `chunked.test:${rig.h1origin.port}`;
    const s = await rig.session('chunked.test', rig.h1origin.port);
    const before = rig.h1origin.received.length;
    const answer = await h2Request(s, { ':method': 'PUT', ':path': '/upload?v=1', 'content-type': 'text/plain' }, 'two parts', TRAILERS);
    const [flow] = await rig.proxy.finishedFlows(1);
    assert.deepEqual(
      { status: answer.status, seen: rig.h1origin.received.slice(before) },
      {
        status: 204,
        seen: [
          {
            httpVersion: '1.1', method: 'PUT', url: '/upload?v=1',
            rawHeaders: ['host', authority, 'content-type', 'text/plain', 'Connection', 'keep-alive', 'Transfer-Encoding', 'chunked'],
            body: 'two parts',
            rawTrailers: ['x-checksum', 'c0ffee', 'x-count', '2'],
          },
        ],
      },
    );
    assert.deepEqual(stable(flow), {
      id: 'ID', seq: 1, schema: 1, startedAt: 0, state: 'completed', client: { ip: '127.0.0.1', port: 0 }, appliedRules: [],
      server: { host: 'chunked.test', port: rig.h1origin.port, ip: '127.0.0.1', tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: 'chunked.test' } },
      request: {
        method: 'PUT', url: `https://${authority}/upload?v=1`, httpVersion: '2',
        pseudoHeaders: [[':authority', authority], [':method', 'PUT'], [':path', '/upload?v=1'], [':scheme', 'https']],
        headers: [['content-type', 'text/plain']],
        body: { size: 9, storedSize: 9, truncated: false, contentType: 'text/plain', blob: 'BLOB' },
        trailers: [['x-checksum', 'c0ffee'], ['x-count', '2']],
      },
      response: { status: 204, statusText: 'No Content', headers: [['Date', 'DATE'], ['Connection', 'keep-alive'], ['Keep-Alive', 'timeout=5']], body: { size: 0, storedSize: 0, truncated: false } },
      timings: NEW_CONNECTION,
      http2: { connection: '127.0.0.1:PORT', stream: 1 },
    });
  });

  test('an HTTP/1.1 client with a chunked body to an h2-only origin: its trailers follow the body over h2', async () => {
    const authority = `h2.test:${rig.h2origin.tlsPort}`;
    // The first request teaches the proxy that the origin refuses http/1.1 (sent again over h2, remembered).
    const learned = await http1Request('h2.test', rig.h2origin.tlsPort, 'GET', '/status/204');
    const before = rig.h2origin.received.length;
    const status = await http1Request('h2.test', rig.h2origin.tlsPort, 'POST', '/echo', 'chunk', TRAILERS);
    const flows = await rig.proxy.finishedFlows(2);
    const seen = rig.h2origin.received.slice(before).map((r) => ({ ...r, headers: Object.fromEntries(Object.entries(r.headers)) }));
    assert.deepEqual(
      { learned, status, seen, flow: { version: flows[1].request.httpVersion, alpn: flows[1].server?.tls?.alpn, headers: flows[1].request.headers, trailers: flows[1].request.trailers, body: flows[1].request.body.size } },
      {
        learned: 204,
        status: 200,
        seen: [
          {
            httpVersion: '2.0', method: 'POST', path: '/echo',
            headers: { ':method': 'POST', ':scheme': 'https', ':authority': authority, ':path': '/echo', 'content-type': 'text/plain' },
            trailers: ['x-checksum', 'c0ffee', 'x-count', '2'],
          },
        ],
        flow: {
          version: '1.1',
          alpn: 'h2',
          headers: [['host', authority], ['content-type', 'text/plain'], ['Connection', 'close'], ['Transfer-Encoding', 'chunked']],
          trailers: [['x-checksum', 'c0ffee'], ['x-count', '2']],
          body: 5,
        },
      },
    );
  });
});
