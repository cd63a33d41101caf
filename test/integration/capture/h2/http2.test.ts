// HTTP/2 through the proxy with real clients: Node's http2 client and curl (nghttp2) on the client side,
// Node's http2 server (h2 over TLS, h2c) and the HTTP/1.1 test origin on the other; each flow checked whole.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http2 from 'node:http2';
import { startOrigin, type Origin } from '../../../helpers/origin';
import { stableFlow, startTestCore, type TestCore } from '../../../helpers/core';
import { h2Request, h2ThroughProxy, startH2Origin, tunnel, type H2Origin } from '../../../helpers/h2';
import { curl, pemFile } from '../clients';

let origin: Origin;
let h2origin: H2Origin;
let proxy: TestCore;
let ca: ReturnType<typeof pemFile>;
const sessions: http2.ClientHttp2Session[] = [];

before(async () => {
  origin = await startOrigin();
  h2origin = await startH2Origin();
});
after(async () => {
  await origin.close();
  await h2origin.close();
});
beforeEach(async () => {
  proxy = await startTestCore({ origin });
  ca = pemFile(proxy.caPem);
});
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  ca.dispose();
  await proxy.dispose();
});

const empty = { size: 0, storedSize: 0, truncated: false };
const NEW_CONNECTION = { reusedConnection: false, dnsMs: 'ms', connectMs: 'ms', tlsMs: 'ms', sendMs: 'ms', waitMs: 'ms', receiveMs: 'ms', totalMs: 'ms' };
const REUSED = { reusedConnection: true, sendMs: 'ms', waitMs: 'ms', receiveMs: 'ms', totalMs: 'ms' };

/** A flow with its Date header values and the client connection's port replaced (they change per run). */
function stable(flow: Awaited<ReturnType<TestCore['finishedFlows']>>[number]): Record<string, unknown> {
  const copy = stableFlow(flow) as { response?: { headers: [string, string][] }; http2?: { connection: string } };
  if (copy.response) copy.response.headers = copy.response.headers.map(([n, v]) => [n, n.toLowerCase() === 'date' ? 'DATE' : v]);
  if (copy.http2) copy.http2.connection = copy.http2.connection.replace(/:\d+$/, ':PORT');
  return copy;
}

async function session(host: string, port: number, secure: boolean): Promise<http2.ClientHttp2Session> {
  const s = await h2ThroughProxy(proxy.port, host, port, secure ? proxy.caPem : null);
  sessions.push(s);
  return s;
}

describe('HTTP/2 clients and origins', () => {
  test('an h2 client to an h2-only origin: body, trailers and a reused stream, each exchange one flow', async () => {
    const s = await session('h2.test', h2origin.tlsPort, true);
    const first = await h2Request(s, { ':method': 'POST', ':path': '/echo?x=1', 'content-type': 'text/plain', 'x-one': 'a' }, 'hello');
    const second = await h2Request(s, { ':path': '/trailers' });
    const authority = `h2.test:${h2origin.tlsPort}`;
    assert.deepEqual(
      { first: { status: first.status, body: JSON.parse(first.body) }, second: { status: second.status, body: second.body, trailers: second.trailers } },
      {
        first: { status: 200, body: { httpVersion: '2.0', method: 'POST', path: '/echo?x=1', authority, scheme: 'https', headers: ['content-type', 'text/plain', 'x-one', 'a'], body: 'hello' } },
        second: { status: 200, body: 'body', trailers: { 'x-checksum': 'abc', 'x-count': '2' } },
      },
    );
    const flows = (await proxy.finishedFlows(2)).map(stable);
    const server = { host: 'h2.test', port: h2origin.tlsPort, ip: '127.0.0.1', tls: { version: 'TLSv1.3', alpn: 'h2', sni: 'h2.test' } };
    const firstBodyLength = Buffer.byteLength(first.body);
    assert.deepEqual(flows, [
      {
        id: 'ID', seq: 1, schema: 1, startedAt: 0, state: 'completed', client: { ip: '127.0.0.1', port: 0 }, server, appliedRules: [],
        request: {
          method: 'POST', url: `https://${authority}/echo?x=1`, httpVersion: '2',
          pseudoHeaders: ([[':method', 'POST'], [':authority', authority], [':scheme', 'https'], [':path', '/echo?x=1']] as [string, string][]).sort(byName(flows[0])),
          headers: [['content-type', 'text/plain'], ['x-one', 'a']],
          body: { size: 5, storedSize: 5, truncated: false, contentType: 'text/plain', blob: (flows[0] as { request: { body: { blob: string } } }).request.body.blob },
        },
        response: {
          status: 200, statusText: '', pseudoHeaders: [[':status', '200']],
          headers: [['content-type', 'application/json'], ['date', 'DATE']],
          body: { size: firstBodyLength, storedSize: firstBodyLength, truncated: false, contentType: 'application/json', blob: (flows[0] as { response: { body: { blob: string } } }).response.body.blob },
        },
        timings: NEW_CONNECTION,
        http2: { connection: '127.0.0.1:PORT', stream: 1 },
      },
      {
        id: 'ID', seq: 1, schema: 1, startedAt: 0, state: 'completed', client: { ip: '127.0.0.1', port: 0 }, server, appliedRules: [],
        request: { method: 'GET', url: `https://${authority}/trailers`, httpVersion: '2', pseudoHeaders: (flows[1] as { request: { pseudoHeaders: unknown } }).request.pseudoHeaders, headers: [], body: empty },
        response: {
          status: 200, statusText: '', pseudoHeaders: [[':status', '200']],
          headers: [['content-type', 'text/plain'], ['date', 'DATE']],
          body: { size: 4, storedSize: 4, truncated: false, contentType: 'text/plain', blob: (flows[1] as { response: { body: { blob: string } } }).response.body.blob },
          trailers: [['x-checksum', 'abc'], ['x-count', '2']],
        },
        timings: REUSED,
        http2: { connection: '127.0.0.1:PORT', stream: 3 },
      },
    ]);
    assert.deepEqual(h2origin.received.slice(-2).map((r) => r.httpVersion), ['2.0', '2.0']);
  });
});

describe('HTTP/2 translation and reach', () => {
  test('an h2 client to an HTTP/1.1 origin: Host from :authority, cookies joined, trailers none; the flow says h2 in, http/1.1 out', async () => {
    const s = await session('origin.test', origin.httpsPort, true);
    const answer = await h2Request(s, { ':method': 'POST', ':path': '/echo', cookie: ['a=1', 'b=2'], te: 'trailers', 'x-h': 'v' }, 'abc');
    const seen = JSON.parse(answer.body) as { httpVersion: string; rawHeaders: string[]; body: string };
    const [flow] = await proxy.finishedFlows(1);
    const host = `origin.test:${origin.httpsPort}`;
    assert.deepEqual(
      { status: answer.status, seen: { httpVersion: seen.httpVersion, rawHeaders: seen.rawHeaders, body: seen.body }, flow: { version: flow.request.httpVersion, headers: flow.request.headers, alpn: flow.server?.tls?.alpn, responsePseudo: flow.response?.pseudoHeaders ?? null } },
      {
        status: 200,
        seen: { httpVersion: '1.1', rawHeaders: ['host', host, 'te', 'trailers', 'x-h', 'v', 'cookie', 'a=1; b=2', 'Connection', 'keep-alive', 'Transfer-Encoding', 'chunked'], body: 'abc' },
        flow: { version: '2', headers: [['cookie', 'a=1'], ['cookie', 'b=2'], ['te', 'trailers'], ['x-h', 'v']], alpn: 'http/1.1', responsePseudo: null },
      },
    );
  });

  test('an HTTP/1.1 client to an h2-only origin: refused over http/1.1, sent again over h2, and h2 from then on', async () => {
    const url = `https://h2.test:${h2origin.tlsPort}/echo`;
    const first = await curl(proxy.proxyUrl, ['--http1.1', '-H', 'X-Case: One', url], { caFile: ca.file });
    const second = await curl(proxy.proxyUrl, ['--http1.1', url], { caFile: ca.file });
    const flows = await proxy.finishedFlows(2);
    const bodies = [first, second].map((r) => JSON.parse(r.body) as { httpVersion: string; authority: string; headers: string[] });
    assert.deepEqual(
      { exits: [first.exit, second.exit], seen: bodies.map((b) => [b.httpVersion, b.authority, b.headers]), flows: flows.map((f) => [f.request.httpVersion, f.server?.tls?.alpn, f.response?.status, f.response?.pseudoHeaders]) },
      {
        exits: [0, 0],
        seen: [
          ['2.0', `h2.test:${h2origin.tlsPort}`, ['user-agent', bodies[0].headers[1], 'accept', '*/*', 'x-case', 'One']],
          ['2.0', `h2.test:${h2origin.tlsPort}`, ['user-agent', bodies[1].headers[1], 'accept', '*/*']],
        ],
        flows: [
          ['1.1', 'h2', 200, [[':status', '200']]],
          ['1.1', 'h2', 200, [[':status', '200']]],
        ],
      },
    );
  });

  test('an h2 origin addressed by its IPv4 address: reached over h2 (its session once crashed the proxy)', async () => {
    const run = await curl(proxy.proxyUrl, ['--http2', '-sS', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://127.0.0.1:${h2origin.tlsPort}/status/204`], { caFile: ca.file });
    const again = await curl(proxy.proxyUrl, ['--http2', '-sS', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', `https://127.0.0.1:${h2origin.tlsPort}/status/204`], { caFile: ca.file });
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      { runs: [run.body.trim(), again.body.trim()], flows: flows.map((f) => [f.state, f.request.url, f.response?.status, f.server?.tls?.alpn]) },
      {
        runs: ['2 204', '2 204'],
        flows: [
          ['completed', `https://127.0.0.1:${h2origin.tlsPort}/status/204`, 204, 'h2'],
          ['completed', `https://127.0.0.1:${h2origin.tlsPort}/status/204`, 204, 'h2'],
        ],
      },
    );
  });

  test('curl --http2 over TLS and --http2-prior-knowledge (h2c) inside a tunnel are served over HTTP/2', async () => {
    const tlsRun = await curl(proxy.proxyUrl, ['--http2', '-sS', '-o', '/dev/null', '-w', '%{http_version}', `https://h2.test:${h2origin.tlsPort}/status/204`], { caFile: ca.file });
    const plainRun = await curl(proxy.proxyUrl, ['--http2-prior-knowledge', '--proxytunnel', `http://h2.test:${h2origin.plainPort}/echo`]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      { tls: tlsRun.body.trim(), plain: (JSON.parse(plainRun.body) as { httpVersion: string; scheme: string }).scheme, flows: flows.map((f) => [f.request.url, f.request.httpVersion, f.response?.status, f.http2?.stream]) },
      {
        tls: '2',
        plain: 'http',
        flows: [
          [`https://h2.test:${h2origin.tlsPort}/status/204`, '2', 204, 1],
          [`http://h2.test:${h2origin.plainPort}/echo`, '2', 200, 1],
        ],
      },
    );
  });

  test('100 concurrent streams on one client connection: every one answered and recorded, one upstream session', async () => {
    const s = await session('h2.test', h2origin.tlsPort, true);
    const before = h2origin.received.length;
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => h2Request(s, { ':method': 'POST', ':path': `/echo?i=${i}` }, `body ${i}`)));
    const flows = await proxy.finishedFlows(100, 60_000);
    assert.deepEqual(
      {
        answers: answers.map((a) => (JSON.parse(a.body) as { path: string; body: string }).body),
        flows: flows.map((f) => [f.state, f.request.body.size, f.http2?.connection === flows[0].http2?.connection]).filter(([state, , same]) => state === 'completed' && same).length,
        streams: new Set(flows.map((f) => f.http2?.stream)).size,
        newUpstreamConnections: flows.filter((f) => f.timings.reusedConnection === false).length,
      },
      { answers: answers.map((_, i) => `body ${i}`), flows: 100, streams: 100, newUpstreamConnections: 1 },
    );
    assert.equal(h2origin.received.length - before, 100);
  });

  test('a replay of an h2 flow reaches the origin over h2 with the same request', async () => {
    const s = await session('h2.test', h2origin.tlsPort, true);
    await h2Request(s, { ':method': 'PUT', ':path': '/echo?r=1', 'content-type': 'text/plain', 'x-keep': 'me' }, 'again');
    const [original] = await proxy.finishedFlows(1);
    const before = h2origin.received.length;
    const [result] = await proxy.core.replay.replay([original.id]);
    assert.ok('flow' in result, JSON.stringify(result));
    const replayed = result.flow;
    const seen = h2origin.received.slice(before);
    assert.deepEqual(
      {
        seen: seen.map((r) => [r.httpVersion, r.method, r.path, r.headers['x-keep'], r.headers['content-type']]),
        replayed: [replayed.replayOf, replayed.request.httpVersion, replayed.request.method, replayed.request.url, replayed.request.body.size, replayed.response?.status, replayed.server?.tls?.alpn],
      },
      {
        seen: [['2.0', 'PUT', '/echo?r=1', 'me', 'text/plain']],
        replayed: [original.id, '2', 'PUT', original.request.url, 5, 200, 'h2'],
      },
    );
  });
});

describe('rules on HTTP/2 exchanges', () => {
  test('a mock answers an h2 request over h2; map-remote sends another from the h2 origin to an HTTP/1.1 one', async () => {
    const rules = proxy.core.rules.store;
    await rules.save({ name: 'mock', matchers: [{ type: 'url', pattern: '*/mocked*', syntax: 'wildcard' }], action: { type: 'mock', status: 418, headers: [['Content-Type', 'text/plain'], ['Connection', 'close']], body: 'teapot' } });
    await rules.save({ name: 'away', matchers: [{ type: 'url', pattern: `https://h2.test:${h2origin.tlsPort}/moved*`, syntax: 'wildcard' }], action: { type: 'map-remote', to: `https://origin.test:${origin.httpsPort}/echo` } });
    const s = await session('h2.test', h2origin.tlsPort, true);
    const mocked = await h2Request(s, { ':path': '/mocked' });
    const moved = await h2Request(s, { ':method': 'POST', ':path': '/moved', 'x-m': '1' }, 'over');
    const flows = await proxy.finishedFlows(2);
    const seen = JSON.parse(moved.body) as { url: string; httpVersion: string; body: string };
    assert.deepEqual(
      {
        mocked: [mocked.status, mocked.headers, mocked.body],
        moved: [moved.status, seen.url, seen.httpVersion, seen.body],
        flows: flows.map((f) => [f.request.httpVersion, f.request.url, f.response?.status, f.appliedRules.map((r) => r.kind), f.original?.request?.url ?? null]),
      },
      {
        mocked: [418, { 'content-type': 'text/plain', 'content-length': '6' }, 'teapot'],
        moved: [200, '/echo', '1.1', 'over'],
        flows: [
          ['2', `https://h2.test:${h2origin.tlsPort}/mocked`, 418, ['mock'], null],
          ['2', `https://origin.test:${origin.httpsPort}/echo`, 200, ['map-remote'], `https://h2.test:${h2origin.tlsPort}/moved`],
        ],
      },
    );
  });
});

describe('broken HTTP/2 clients', () => {
  test('a preface followed by garbage, and a stream reset mid-body, end those only: the proxy serves the next client', async () => {
    const raw = await tunnel(proxy.port, `h2.test:${h2origin.plainPort}`);
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.on('error', () => {});
    raw.on('data', () => {});
    raw.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from('\x00\xff\xff\x07\x01garbage that is no frame at all', 'latin1')]));
    await closed;
    const s = await session('h2.test', h2origin.tlsPort, true);
    const stream = s.request({ ':method': 'POST', ':path': '/echo' }, { endStream: false });
    stream.on('error', () => {});
    stream.write('part');
    await new Promise((resolve) => setTimeout(resolve, 100));
    stream.close(0x8);
    const after = await h2Request(s, { ':path': '/status/204' });
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      { after: after.status, flows: flows.map((f) => [f.state, f.request.url, f.error?.phase ?? null]) },
      {
        after: 204,
        flows: [
          ['failed', `https://h2.test:${h2origin.tlsPort}/echo`, 'client'],
          ['completed', `https://h2.test:${h2origin.tlsPort}/status/204`, null],
        ],
      },
    );
  });
});

describe('HTTP/2 off and reverse mode', () => {
  test('--http2 off: a client offering h2 gets http/1.1, and origins are spoken to over http/1.1', async () => {
    await proxy.dispose();
    proxy = await startTestCore({ origin, http2: 'off' });
    ca.dispose();
    ca = pemFile(proxy.caPem);
    const run = await curl(proxy.proxyUrl, ['--http2', '-o', '/dev/null', '-w', '%{http_version}', origin.url('/json', { secure: true })], { caFile: ca.file });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ version: run.body.trim(), flow: [flow.request.httpVersion, flow.http2 ?? null, flow.response?.status] }, { version: '1.1', flow: ['1.1', null, 200] });
  });

  test('reverse mode: a plain connection opening with the HTTP/2 preface is served as h2c; HTTP/1.1 still works', async () => {
    await proxy.dispose();
    proxy = await startTestCore({ origin, reverse: `http://origin.test:${origin.httpPort}` });
    const h2c = await curl(null, ['--http2-prior-knowledge', `http://127.0.0.1:${proxy.port}/echo`]);
    const h1 = await curl(null, [`http://127.0.0.1:${proxy.port}/json`]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      { h2c: (JSON.parse(h2c.body) as { httpVersion: string }).httpVersion, h1: h1.body, flows: flows.map((f) => [f.request.url, f.request.httpVersion, f.response?.status]) },
      {
        h2c: '1.1',
        h1: '{"hello":"world"}',
        flows: [
          [`http://origin.test:${origin.httpPort}/echo`, '2', 200],
          [`http://origin.test:${origin.httpPort}/json`, '1.1', 200],
        ],
      },
    );
  });
});

/** Pseudo-headers are kept in the order the client sent them; the expected list is put in that order. */
function byName(flow: Record<string, unknown>): (a: [string, string], b: [string, string]) => number {
  const order = ((flow as { request: { pseudoHeaders: [string, string][] } }).request.pseudoHeaders ?? []).map(([n]) => n);
  return (a, b) => order.indexOf(a[0]) - order.indexOf(b[0]);
}
