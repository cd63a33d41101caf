// Failures before a request exists are flows (issue 17): a client that rejects Hindsight's certificate, a
// request whose headers are over the limit (431) and one Node cannot parse (400) each leave one failed flow
// saying what happened, and a flood of them is held to one flow per client, reason and second.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import type { Flow } from '../../../electron/common/flow';
import { startOrigin, type Origin } from '../../helpers/origin';
import { stableFlow, startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from './clients';

let origin: Origin;
let proxy: TestCore;

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  proxy = await startTestCore({ origin });
});
afterEach(() => proxy.dispose());

/** Opens a CONNECT tunnel to `target` from `localAddress` and returns the socket once the proxy said 200. */
async function tunnel(target: string, localAddress = '127.0.0.1'): Promise<net.Socket> {
  const socket = net.connect({ port: proxy.port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const [head] = (await once(socket, 'data')) as [Buffer];
  assert.equal(head.toString('latin1'), 'HTTP/1.1 200 OK\r\n\r\n');
  return socket;
}

/** A Node TLS client inside a tunnel that trusts another CA (the origin's): it refuses Hindsight's certificate. */
async function rejectingHandshake(target: string, localAddress?: string): Promise<string> {
  const socket = await tunnel(target, localAddress);
  const host = target.replace(/:\d+$/, '');
  const client = tls.connect({ socket, servername: host, ca: [origin.caPem] });
  const [err] = (await once(client, 'error')) as [NodeJS.ErrnoException];
  // A client that gives up closes the tunnel's connection (destroying the TLS socket alone leaves it open).
  client.destroy();
  socket.destroy();
  return err.code ?? '';
}

/** Finished flows after a short settle, for counts that must not grow. */
async function settledFlows(count: number): Promise<Flow[]> {
  const flows = await proxy.finishedFlows(count);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const all = proxy.core.store.query({ limit: 100 }).flows;
  assert.equal(all.length, count, `expected exactly ${count} flows, found ${all.map((f) => `${f.method} ${f.url}`).join(', ')}`);
  return flows;
}

/**
 * After a flood (lasting `elapsed` ms) and one more a second later: the flows stored, and the failures they say
 * were held back. One flow per second of flood at most (plus the last), and at least two.
 */
async function rateLimited(elapsed: number) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const flows = proxy.core.store.query({ limit: 100 }).flows;
  const recorded = await Promise.all(flows.map((f) => proxy.core.store.get(f.id)));
  const repeats = recorded.reduce((sum, f) => sum + (f?.error?.repeats ?? 0), 0);
  assert.ok(flows.length >= 2 && flows.length <= Math.ceil(elapsed / 1000) + 2, `${flows.length} flows in ${elapsed} ms`);
  return { flows, recorded, repeats };
}

const connectHeaders = (target: string): [string, string][] => [['Host', target]];
const noBody = { size: 0, storedSize: 0, truncated: false };

/** A failure before any request, as stableFlow() shows it: only where, the request as read and the error vary. */
function earlyFlow(parts: { server?: unknown; request: unknown; error: unknown }): Record<string, unknown> {
  const { server, request, error } = parts;
  return { id: 'ID', seq: 1, schema: 1, startedAt: 0, state: 'failed', client: { ip: '127.0.0.1', port: 0 }, ...(server ? { server } : {}), request, timings: { totalMs: 'ms' }, appliedRules: [], error };
}

describe('a client that rejects the CA', () => {
  test('Node TLS client trusting another CA: one failed flow, phase tls, telling what to do', async () => {
    assert.equal(await rejectingHandshake('api.example.com:443'), 'SELF_SIGNED_CERT_IN_CHAIN');
    const [flow] = await settledFlows(1);
    assert.deepEqual(stableFlow(flow), earlyFlow({
      server: { host: 'api.example.com', port: 443 },
      request: { method: 'CONNECT', url: 'https://api.example.com/', httpVersion: '1.1', headers: connectHeaders('api.example.com:443'), body: noBody },
      error: {
        phase: 'tls',
        message: "the client closed the connection during the TLS handshake for api.example.com, right after receiving Hindsight's certificate — if it does not trust it, trust the CA: hindsight ca",
      },
    }));
  });

  test('curl (OpenSSL) with another CA sends alert unknown_ca: the flow names the alert', async () => {
    const other = pemFile(origin.caPem);
    try {
      const result = await curl(proxy.proxyUrl, ['https://api.example.com:8443/x'], { caFile: other.file });
      assert.equal(result.exit, 60); // 60: peer certificate cannot be authenticated with known CA certificates
    } finally {
      other.dispose();
    }
    const [flow] = await settledFlows(1);
    const stable = stableFlow(flow) as { request: { headers: [string, string][] } };
    assert.deepEqual(
      { ...stable, request: { ...stable.request, headers: stable.request.headers.map(([name]) => name) } },
      earlyFlow({
        server: { host: 'api.example.com', port: 8443 },
        request: { method: 'CONNECT', url: 'https://api.example.com:8443/', httpVersion: '1.1', headers: ['Host', 'User-Agent', 'Proxy-Connection'], body: noBody },
        error: {
          phase: 'tls',
          message: "the client rejected Hindsight's certificate for api.example.com (alert unknown_ca) — trust the CA: hindsight ca",
          code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
        },
      }),
    );
  });

  test('a client that trusts the CA leaves no failure behind (the tunnel is not mistaken for a rejection)', async () => {
    const ca = pemFile(proxy.caPem);
    try {
      const result = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true })], { caFile: ca.file });
      assert.equal(result.status, 200);
    } finally {
      ca.dispose();
    }
    const flows = await settledFlows(1);
    assert.deepEqual(flows.map((f) => [f.state, f.request.method]), [['completed', 'GET']]);
  });

  test('a client that resets the connection after its exchange is done leaves no TLS failure behind', async () => {
    const target = new URL(origin.url('/json', { secure: true })).host;
    const socket = await tunnel(target);
    const client = tls.connect({ socket, servername: 'origin.test', ca: [proxy.caPem] });
    await once(client, 'secureConnect');
    client.write(`GET /json HTTP/1.1\r\nHost: ${target}\r\nConnection: keep-alive\r\n\r\n`);
    let answer = '';
    while (!/\r\n\r\n[\s\S]*\}/.test(answer)) answer += ((await once(client, 'data')) as [Buffer])[0].toString('latin1');
    // A TCP reset of the tunnel's connection, as curl's connection teardown can look under load.
    socket.resetAndDestroy();
    const flows = await settledFlows(1);
    assert.deepEqual([answer.slice(0, 15), flows.map((f) => [f.state, f.request.method])], ['HTTP/1.1 200 OK', [['completed', 'GET']]]);
  });

  test('a flood of bad handshakes from one client: one flow per second, the rest counted on the next', async () => {
    const flood = 25;
    const started = Date.now();
    for (let i = 0; i < flood; i++) await rejectingHandshake(`h${i}.example.com:443`, '127.0.0.2');
    const elapsed = Date.now() - started;
    // A second later one more: it is recorded, carrying the count of those held back since the last flow.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await rejectingHandshake('last.example.com:443', '127.0.0.2');
    const { flows, repeats } = await rateLimited(elapsed);
    assert.deepEqual(
      { seen: flows.length + repeats, clients: [...new Set(flows.map((f) => f.clientIp))], last: flows.some((f) => f.url === 'https://last.example.com/') },
      { seen: flood + 1, clients: ['127.0.0.2'], last: true },
    );
  });
});

describe('requests the parser refuses', () => {
  test('headers over the 64 KB default: 431 naming the limit, one failed flow in phase client', async () => {
    const result = await curl(proxy.proxyUrl, ['-H', `X-Big: ${'b'.repeat(100_000)}`, origin.url('/echo')]);
    const message = "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431";
    assert.deepEqual({ status: result.status, body: result.body }, { status: 431, body: `Hindsight: ${message}\n` });
    const [flow] = await settledFlows(1);
    assert.deepEqual(stableFlow(flow), earlyFlow({
      // The request line came in an earlier chunk than the one over the limit: kept from the connection's first chunk.
      server: { host: 'origin.test', port: origin.httpPort },
      request: { method: 'GET', url: origin.url('/echo'), httpVersion: '1.1', headers: [], body: noBody },
      error: { phase: 'client', message, code: 'HPE_HEADER_OVERFLOW' },
    }));
  });

  test('the request line first, 70 KB of headers later: the 431 flow names the method and URL from the first chunk', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    const url = origin.url('/echo?q=1');
    socket.write(`POST ${url} HTTP/1.1\r\nHost: origin.test:${origin.httpPort}\r\n`);
    // The proxy reads the line on its own before the headers arrive.
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(`X-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const message = "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431";
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const [flow] = await settledFlows(1);
    assert.deepEqual(stableFlow(flow), earlyFlow({
      server: { host: 'origin.test', port: origin.httpPort },
      request: { method: 'POST', url, httpVersion: '1.1', headers: [], body: noBody },
      error: { phase: 'client', message, code: 'HPE_HEADER_OVERFLOW' },
    }));
  });

  test('inside a plain CONNECT tunnel too: the tunnel\'s first request line names the 431 flow', async () => {
    const target = `origin.test:${origin.httpPort}`;
    const socket = await tunnel(target);
    socket.write(`GET /echo?in=tunnel HTTP/1.1\r\nHost: ${target}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(`X-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`);
    for await (const _ of socket);
    const [flow] = await settledFlows(1);
    assert.deepEqual(stableFlow(flow), earlyFlow({
      server: { host: 'origin.test', port: origin.httpPort },
      request: { method: 'GET', url: origin.url('/echo?in=tunnel'), httpVersion: '1.1', headers: [], body: noBody },
      error: { phase: 'client', message: "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431", code: 'HPE_HEADER_OVERFLOW' },
    }));
  });

  test('inside an intercepted TLS tunnel (curl --http1.1 over HTTPS): the 431 flow names the method and the https URL', async () => {
    const ca = pemFile(proxy.caPem);
    try {
      const result = await curl(proxy.proxyUrl, ['--http1.1', '-X', 'PUT', '-H', `X-Big: ${'b'.repeat(100_000)}`, origin.url('/echo?over=tls', { secure: true })], { caFile: ca.file });
      const message = "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431";
      // Only the flow is compared: curl over TLS sometimes reports an empty reply instead of the 431 (before this
      // change too): Node's server has ended the TLS socket by the time the refusal is reported. Noted, not fixed here.
      assert.notEqual(result.status, 200);
      const [flow] = await settledFlows(1);
      assert.deepEqual(stableFlow(flow), earlyFlow({
        server: { host: 'origin.test', port: origin.httpsPort },
        request: { method: 'PUT', url: origin.url('/echo?over=tls', { secure: true }), httpVersion: '1.1', headers: [], body: noBody },
        error: { phase: 'client', message, code: 'HPE_HEADER_OVERFLOW' },
      }));
    } finally {
      ca.dispose();
    }
  });

  test('inside an intercepted TLS tunnel, the line in its own TLS record before the headers: still named', async () => {
    const target = `origin.test:${origin.httpsPort}`;
    const socket = await tunnel(target);
    const client = tls.connect({ socket, servername: 'origin.test', ca: [proxy.caPem], ALPNProtocols: ['http/1.1'] });
    client.on('error', () => {});
    await once(client, 'secureConnect');
    client.write(`GET /echo?in=tls HTTP/1.1\r\nHost: ${target}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.end(`X-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of client) chunks.push(chunk as Buffer);
    socket.destroy();
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const [flow] = await settledFlows(1);
    assert.deepEqual(stableFlow(flow), earlyFlow({
      server: { host: 'origin.test', port: origin.httpsPort },
      request: { method: 'GET', url: origin.url('/echo?in=tls', { secure: true }), httpVersion: '1.1', headers: [], body: noBody },
      error: { phase: 'client', message: "the request's headers are larger than the 64 KB limit (raise it with --max-header-size); Hindsight answered 431", code: 'HPE_HEADER_OVERFLOW' },
    }));
  });

  test('a second request on a kept-alive connection over the limit is not named after the first one', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    socket.write(`GET ${origin.url('/json')} HTTP/1.1\r\nHost: origin.test:${origin.httpPort}\r\n\r\n`);
    const [answer] = (await once(socket, 'data')) as [Buffer];
    assert.match(answer.toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
    socket.write(`GET ${origin.url('/echo')} HTTP/1.1\r\nHost: origin.test:${origin.httpPort}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.end(`X-Big: ${'b'.repeat(70 * 1024)}\r\n\r\n`);
    for await (const _ of socket);
    const flows = await settledFlows(2);
    assert.deepEqual(
      flows.map((f) => [f.state, f.request.method, f.request.url, f.error?.code ?? null]),
      [
        ['completed', 'GET', origin.url('/json'), null],
        ['failed', '', '', 'HPE_HEADER_OVERFLOW'],
      ],
    );
  });

  test('a scanner sending garbage from one address: one flow per second, each refusal counted', async () => {
    const sent = 30;
    const started = Date.now();
    for (let i = 0; i < sent; i++) {
      const socket = net.connect({ port: proxy.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.end('\x16\x03\x01 not http at all\r\n\r\n');
      for await (const chunk of socket) assert.match((chunk as Buffer).toString(), /^HTTP\/1\.1 400 Bad Request/);
    }
    const elapsed = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const last = net.connect({ port: proxy.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
    last.on('error', () => {});
    await once(last, 'connect');
    last.end('\x16\x03\x01 not http at all\r\n\r\n');
    for await (const _ of last);
    const { flows, recorded, repeats } = await rateLimited(elapsed);
    assert.deepEqual(
      { seen: flows.length + repeats, phases: [...new Set(recorded.map((f) => `${f?.error?.phase} ${f?.error?.code}`))], clients: [...new Set(flows.map((f) => f.clientIp))] },
      { seen: sent + 1, phases: ['client HPE_INVALID_METHOD'], clients: ['127.0.0.3'] },
    );
  });

  test('an unparseable request: 400 naming the parse error, one failed flow in phase client', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end(`GET ${origin.url('/echo')} HTTP/1.1\r\nHost: origin.test\r\nBad Header: x\r\n\r\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const message = 'the client sent a request Hindsight cannot parse: a header line is malformed; Hindsight answered 400';
    const text = `Hindsight: ${message}\n`;
    assert.equal(
      Buffer.concat(chunks).toString(),
      `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
    const [flow] = await settledFlows(1);
    assert.deepEqual(stableFlow(flow), earlyFlow({
      server: { host: 'origin.test', port: origin.httpPort },
      request: { method: 'GET', url: origin.url('/echo'), httpVersion: '1.1', headers: [], body: noBody },
      error: { phase: 'client', message, code: 'HPE_INVALID_HEADER_TOKEN' },
    }));
  });
});
