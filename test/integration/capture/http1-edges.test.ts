// HTTP/1.1 edge cases through the proxy (issue 18): malformed responses get a 502 naming what the server did
// while no byte reached the client, and the flow records what the client got; `Expect: 100-continue`, 103
// Early Hints and trailers pass through and are recorded; two Host headers are refused; header limits.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import type { Flow } from '../../../electron/common/flow';
import { stableFlow, startTestCore, type TestCore } from '../../helpers/core';
import { curl } from './clients';

/** Raw answers by path: what a broken server writes, byte for byte, before closing. */
const RAW: Record<string, string> = {
  '/bad-status': 'HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok',
  '/not-http': 'hello there\r\n\r\n',
  '/dup-cl': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
  '/cl-te': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  '/bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n',
  '/excess': `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n${'x'.repeat(100)}`,
  '/short': 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello',
  '/big-header': `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n\r\nok`,
  // Bare-LF heads: taken (curl takes them); what else is wrong with them is still refused.
  '/bare-lf': 'HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 2\n\nhi',
  '/bare-lf-103': 'HTTP/1.1 103 Early Hints\nLink: </a.css>; rel=preload\n\nHTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nhi',
  '/bare-lf-chunked': 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\r\nhi\r\n0\r\n\r\n',
  '/bare-lf-cl-te': 'HTTP/1.1 200 OK\nContent-Length: 2\nTransfer-Encoding: chunked\n\n2\r\nok\r\n0\r\n\r\n',
  '/bare-lf-dup-cl': 'HTTP/1.1 200 OK\nContent-Length: 2\nContent-Length: 3\n\nok',
  '/bare-lf-control': 'HTTP/1.1 200 OK\nX-Bad: a\x01b\nContent-Length: 2\n\nok',
  '/bare-lf-version': 'HTTP/1.7 200 OK\nContent-Length: 2\n\nok',
  '/bare-cr': 'HTTP/1.1 200 OK\rContent-Length: 2\r\n\r\nok',
  '/bare-lf-chunk-framing': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n',
  '/caf%C3%A9': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\ncafe',
};
/** Request lines the raw origin received, in order. */
const rawSeen: string[] = [];

let raw: net.Server;
let rawPort: number;
let good: http.Server;
let goodPort: number;
/** What the good origin saw of each request body (bytes) and its trailers. */
const seen: { path: string; bodyBytes: number; trailers: string[] }[] = [];
let proxy: TestCore;

before(async () => {
  raw = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      rawSeen.push(text.slice(0, text.indexOf('\r\n')));
      const path = /^[A-Z]+ \S*?(\/[^\s?]*)/.exec(text)?.[1] ?? '';
      socket.end(RAW[path] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  rawPort = (raw.address() as net.AddressInfo).port;
  // The origin itself accepts large headers, so what is tested is the proxy's limit.
  good = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => answer(req, res));
  // The good origin decides on `Expect: 100-continue` itself: /refuse answers 401 without reading the body.
  good.on('checkContinue', (req, res) => {
    if (req.url === '/refuse') {
      seen.push({ path: req.url, bodyBytes: 0, trailers: [] });
      res.writeHead(401, { 'Content-Type': 'text/plain', Connection: 'close' }).end('no');
      return;
    }
    res.writeContinue();
    answer(req, res);
  });
  good.listen(0, '127.0.0.1');
  await once(good, 'listening');
  goodPort = (good.address() as net.AddressInfo).port;
});
after(() => {
  raw.close();
  good.close();
});
beforeEach(async () => {
  seen.length = 0;
  rawSeen.length = 0;
  proxy = await startTestCore();
});
afterEach(() => proxy.dispose());

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
  let bodyBytes = 0;
  req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
  req.on('end', () => {
    seen.push({ path: req.url ?? '', bodyBytes, trailers: req.rawTrailers });
    if (req.url === '/early-hints') res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
    if (req.url === '/trailers') {
      res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Checksum' });
      res.write('part one, ');
      res.addTrailers({ 'X-Checksum': 'abc123' });
      res.end('part two');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`got ${bodyBytes} bytes`);
  });
}

const rawUrl = (p: string) => `http://raw.test:${rawPort}${p}`;
const goodUrl = (p: string) => `http://good.test:${goodPort}${p}`;

function outcome(flow: Flow) {
  return { url: flow.request.url, state: flow.state, error: flow.error, status: flow.response?.status, bodySize: flow.response?.body.size };
}

describe('malformed responses', () => {
  test('each case: the client gets a 502 naming what the server did (or what curl would accept), the flow agrees', async () => {
    const cases: [string, number, string | undefined, Record<string, unknown>][] = [
      ['/bad-status', 502, 'answered with a malformed status line', { code: 'HPE_INVALID_STATUS' }],
      ['/not-http', 502, 'answered with something that is not an HTTP response', { code: 'HPE_INVALID_CONSTANT' }],
      ['/dup-cl', 502, 'sent two Content-Length headers', { code: 'HPE_UNEXPECTED_CONTENT_LENGTH' }],
      ['/cl-te', 502, 'sent both Content-Length and Transfer-Encoding', { code: 'HPE_INVALID_TRANSFER_ENCODING' }],
      // The head parsed, the body broke before its first byte: still a 502, and no 200 in the flow.
      ['/bad-chunk', 502, 'sent a malformed chunk size in a chunked body', { code: 'HPE_INVALID_CHUNK_SIZE' }],
      ['/big-header', 502, 'sent response headers larger than the 64 KB limit (raise it with --max-header-size)', { code: 'HPE_HEADER_OVERFLOW' }],
    ];
    const where = `raw.test:${rawPort}`;
    for (const [p, status, did] of cases) {
      const result = await curl(proxy.proxyUrl, [rawUrl(p)]);
      assert.deepEqual({ p, status: result.status, body: result.body }, { p, status, body: `Hindsight: ${where} ${did}\n` });
    }
    const flows = await proxy.finishedFlows(cases.length);
    assert.deepEqual(
      flows.map(outcome),
      cases.map(([p, , did, extra]) => ({ url: rawUrl(p), state: 'failed', error: { phase: 'upstream', message: `${where} ${did}`, ...extra }, status: undefined, bodySize: undefined })),
    );
  });

  test('more bytes than Content-Length: the client gets the 5 bytes, as curl takes them directly; the flow is complete', async () => {
    const result = await curl(proxy.proxyUrl, [rawUrl('/excess')]);
    assert.deepEqual({ exit: result.exit, status: result.status, body: result.body }, { exit: 0, status: 200, body: 'xxxxx' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), { url: rawUrl('/excess'), state: 'completed', error: undefined, status: 200, bodySize: 5 });
  });

  test('a clean close after 5 of 100 bytes: the client is cut after the 5, the flow says so (not ECONNRESET)', async () => {
    const result = await curl(proxy.proxyUrl, [rawUrl('/short')]);
    assert.deepEqual({ exit: result.exit, status: result.status, body: result.body }, { exit: 18, status: 200, body: 'hello' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), {
      url: rawUrl('/short'),
      state: 'failed',
      error: { phase: 'upstream', message: `raw.test:${rawPort} closed the connection after 5 of 100 body bytes` },
      status: 200,
      bodySize: 5,
    });
  });

  test('--max-header-size raised: the 100 KB response header passes and is recorded', async () => {
    await proxy.dispose();
    proxy = await startTestCore({ maxHeaderSize: 256 * 1024 });
    const result = await curl(proxy.proxyUrl, [rawUrl('/big-header')]);
    assert.deepEqual({ status: result.status, body: result.body }, { status: 200, body: 'ok' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { ...outcome(flow), header: flow.response?.headers.find(([name]) => name === 'X-Big')?.[1].length },
      { url: rawUrl('/big-header'), state: 'completed', error: undefined, status: 200, bodySize: 2, header: 100_000 },
    );
  });
});

describe('large requests within the 64 KB default', () => {
  test('a 20 KB URL and a 40 KB cookie reach the origin whole', async () => {
    const long = `/echo?q=${'u'.repeat(20_000)}`;
    const cookie = `session=${'c'.repeat(40_000)}`;
    const a = await curl(proxy.proxyUrl, [goodUrl(long)]);
    const b = await curl(proxy.proxyUrl, ['-H', `Cookie: ${cookie}`, goodUrl('/cookie')]);
    assert.deepEqual([a.status, a.body, b.status, b.body], [200, 'got 0 bytes', 200, 'got 0 bytes']);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ url: f.request.url, state: f.state, cookie: f.request.headers.find(([n]) => n === 'Cookie')?.[1] })),
      [
        { url: goodUrl(long), state: 'completed', cookie: undefined },
        { url: goodUrl('/cookie'), state: 'completed', cookie },
      ],
    );
    assert.deepEqual(seen.map((s) => s.path), [long, '/cookie']);
  });
});

describe('Expect: 100-continue', () => {
  let upload: { file: string; dispose(): void };
  before(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-upload-'));
    const file = path.join(dir, 'body.bin');
    fs.writeFileSync(file, Buffer.alloc(200_000, 7));
    upload = { file, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
  });
  after(() => upload.dispose());

  // curl waits 30 s for the 100 here: were it the proxy's own or missing, accept and refuse would tell.
  const expectArgs = ['-H', 'Expect: 100-continue', '--expect100-timeout', '30', '--data-binary'];

  test("the server's own 100 is relayed and the body goes up", async () => {
    const result = await curl(proxy.proxyUrl, [...expectArgs, `@${upload.file}`, goodUrl('/accept')], { timeoutMs: 20_000 });
    assert.deepEqual({ status: result.status, body: result.body }, { status: 200, body: 'got 200000 bytes' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { ...outcome(flow), requestBody: flow.request.body.size, interim: flow.interimResponses },
      { url: goodUrl('/accept'), state: 'completed', error: undefined, status: 200, bodySize: 16, requestBody: 200_000, interim: [{ status: 100, statusText: 'Continue', headers: [] }] },
    );
  });

  test("the server's early 401 reaches the client, which never uploads the body", async () => {
    const result = await curl(proxy.proxyUrl, [...expectArgs, `@${upload.file}`, goodUrl('/refuse')], { timeoutMs: 20_000 });
    assert.deepEqual({ status: result.status, body: result.body }, { status: 401, body: 'no' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ ...outcome(flow), requestBody: flow.request.body.size }, { url: goodUrl('/refuse'), state: 'completed', error: undefined, status: 401, bodySize: 2, requestBody: 0 });
    assert.deepEqual(seen, [{ path: '/refuse', bodyBytes: 0, trailers: [] }]);
  });
});

/** A request through the proxy (absolute-form) with Node's http client, which reports 1xx and trailers. */
function viaProxy(url: string, init: (req: http.ClientRequest) => void = (req) => req.end()) {
  return new Promise<{ status: number; body: string; interim: { status: number; headers: string[] }[]; trailers: string[] }>((resolve, reject) => {
    const interim: { status: number; headers: string[] }[] = [];
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: url, method: 'POST', agent: false, headers: { Host: new URL(url).host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), interim, trailers: res.rawTrailers }));
    });
    req.on('information', (info) => interim.push({ status: info.statusCode, headers: info.rawHeaders }));
    req.on('error', reject);
    init(req);
  });
}

describe('103 Early Hints and trailers', () => {
  test('103 reaches the client before the 200 and is recorded on the flow', async () => {
    const result = await viaProxy(goodUrl('/early-hints'));
    assert.deepEqual(result, { status: 200, body: 'got 0 bytes', interim: [{ status: 103, headers: ['Link', '</style.css>; rel=preload; as=style'] }], trailers: [] });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(flow.interimResponses, [{ status: 103, statusText: 'Early Hints', headers: [['Link', '</style.css>; rel=preload; as=style']] }]);
  });

  test('request and response trailers pass through and are recorded; the flow checked whole', async () => {
    const result = await viaProxy(goodUrl('/trailers'), (req) => {
      req.setHeader('Transfer-Encoding', 'chunked');
      req.setHeader('Trailer', 'X-Sent');
      req.write('abc');
      req.addTrailers({ 'X-Sent': 'yes' });
      req.end('def');
    });
    assert.deepEqual(result, { status: 200, body: 'part one, part two', interim: [], trailers: ['X-Checksum', 'abc123'] });
    assert.deepEqual(seen, [{ path: '/trailers', bodyBytes: 6, trailers: ['X-Sent', 'yes'] }]);
    const [flow] = await proxy.finishedFlows(1);
    const stable = stableFlow(flow) as unknown as Flow;
    assert.deepEqual(
      { ...stable, response: { ...stable.response!, headers: stable.response!.headers.filter(([n]) => n !== 'Date') }, server: { ...stable.server!, port: 0 } },
      {
        id: 'ID',
        seq: 1,
        schema: 1,
        startedAt: 0,
        state: 'completed',
        client: { ip: '127.0.0.1', port: 0 },
        server: { host: 'good.test', port: 0, ip: '127.0.0.1' },
        request: {
          method: 'POST',
          url: goodUrl('/trailers'),
          httpVersion: '1.1',
          headers: [
            ['Host', `good.test:${goodPort}`],
            ['Transfer-Encoding', 'chunked'],
            ['Trailer', 'X-Sent'],
            ['Connection', 'close'],
          ],
          body: { size: 6, storedSize: 6, truncated: false, blob: flow.request.body.blob?.split(flow.id).join('ID') },
          trailers: [['X-Sent', 'yes']],
        },
        response: {
          status: 200,
          statusText: 'OK',
          headers: [
            ['Content-Type', 'text/plain'],
            ['Trailer', 'X-Checksum'],
            ['Connection', 'keep-alive'],
            ['Keep-Alive', 'timeout=5'],
            ['Transfer-Encoding', 'chunked'],
          ],
          body: { size: 18, storedSize: 18, truncated: false, contentType: 'text/plain', blob: flow.response!.body.blob?.split(flow.id).join('ID') },
          trailers: [['X-Checksum', 'abc123']],
        },
        timings: stable.timings,
        appliedRules: [],
      },
    );
  });
});

describe('requests refused', () => {
  test('two different Host headers: 400, the origin never sees it, a failed flow in phase client', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end(`GET ${goodUrl('/x')} HTTP/1.1\r\nHost: good.test:${goodPort}\r\nHost: evil.test\r\n\r\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const reply = Buffer.concat(chunks).toString();
    const message = `the request has 2 different Host headers ("good.test:${goodPort}", "evil.test"); a request may have only one`;
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(reply.endsWith(`\r\n\r\nHindsight: ${message}\n`), reply);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(outcome(flow), { url: goodUrl('/x'), state: 'failed', error: { phase: 'client', message }, status: undefined, bodySize: undefined });
    assert.deepEqual(seen, []);
  });
});

/**
 * One exchange over a raw socket through the proxy: the whole reply, its Date lines blanked. The request is
 * written, not ended (a client's half-close makes Node's server end the connection at once); its last request
 * says `Connection: close`, so the proxy closes after answering.
 */
async function rawExchange(request: string | Buffer): Promise<string> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1').replace(/\r\nDate: [^\r]*/g, '\r\nDate: X');
}

const rawGet = (p: string) => `GET ${rawUrl(p)} HTTP/1.1\r\nHost: raw.test:${rawPort}\r\nConnection: close\r\n\r\n`;

/** A flow as the tests compare it whole: ids, times and ports made stable. */
function wholeFlow(flow: Flow): Flow {
  const stable = stableFlow(flow) as unknown as Flow;
  return { ...stable, server: { ...stable.server!, port: 0 } };
}

/** The whole completed flow of a GET through rawGet to the raw origin, answered text/plain with `body`. */
function rawOriginFlow(flow: Flow, url: string, body: string): Flow {
  return {
    id: 'ID',
    seq: 1,
    schema: 1,
    startedAt: 0,
    state: 'completed',
    client: { ip: '127.0.0.1', port: 0 },
    server: { host: 'raw.test', port: 0, ip: '127.0.0.1' },
    request: {
      method: 'GET',
      url,
      httpVersion: '1.1',
      headers: [
        ['Host', `raw.test:${rawPort}`],
        ['Connection', 'close'],
      ],
      body: { size: 0, storedSize: 0, truncated: false },
    },
    response: {
      status: 200,
      statusText: 'OK',
      headers: [
        ['Content-Type', 'text/plain'],
        ['Content-Length', String(body.length)],
      ],
      body: { size: body.length, storedSize: body.length, truncated: false, contentType: 'text/plain', blob: flow.response!.body.blob?.split(flow.id).join('ID') },
    },
    timings: wholeFlow(flow).timings,
    appliedRules: [],
  } as unknown as Flow;
}

describe('what curl accepts from servers, where it is safe', () => {
  test('a bare-LF response head is taken; the client gets it with CRLF line ends; the flow checked whole', async () => {
    const reply = await rawExchange(rawGet('/bare-lf'));
    assert.equal(reply, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nDate: X\r\nConnection: close\r\n\r\nhi');
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(wholeFlow(flow), rawOriginFlow(flow, rawUrl('/bare-lf'), 'hi'));
    assert.deepEqual(rawSeen, [`GET ${'/bare-lf'} HTTP/1.1`]);
  });

  test('bare-LF heads after a 103, and before a chunked body, as curl sees them', async () => {
    const paths = ['/bare-lf-103', '/bare-lf-chunked'];
    const results = [];
    for (const p of paths) results.push(await curl(proxy.proxyUrl, [rawUrl(p)]));
    assert.deepEqual(
      results.map((r) => ({ exit: r.exit, status: r.status, body: r.body })),
      paths.map(() => ({ exit: 0, status: 200, body: 'hi' })),
    );
    const flows = await proxy.finishedFlows(paths.length);
    assert.deepEqual(
      flows.map((f) => ({ ...outcome(f), interim: f.interimResponses })),
      [
        { url: rawUrl('/bare-lf-103'), state: 'completed', error: undefined, status: 200, bodySize: 2, interim: [{ status: 103, statusText: 'Early Hints', headers: [['Link', '</a.css>; rel=preload']] }] },
        { url: rawUrl('/bare-lf-chunked'), state: 'completed', error: undefined, status: 200, bodySize: 2, interim: undefined },
      ],
    );
  });

  test('what a bare-LF head must not let through is still refused with a 502, and a bare CR too', async () => {
    const where = `raw.test:${rawPort}`;
    const cases: [string, string, string][] = [
      ['/bare-lf-cl-te', 'sent both Content-Length and Transfer-Encoding', 'HPE_INVALID_TRANSFER_ENCODING'],
      ['/bare-lf-dup-cl', 'sent two Content-Length headers', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
      ['/bare-lf-control', 'sent a malformed header line', 'HPE_INVALID_HEADER_TOKEN'],
      ['/bare-lf-version', 'answered with an unknown HTTP version', 'HPE_INVALID_VERSION'],
      ['/bare-cr', 'ended a line of its response with a bare CR instead of CRLF', 'HPE_STRICT'],
      ['/bare-lf-chunk-framing', 'ended a line of its chunked body framing with a bare LF instead of CRLF, which Hindsight refuses', 'HPE_CR_EXPECTED'],
    ];
    const replies = [];
    for (const [p] of cases) replies.push(await rawExchange(rawGet(p)));
    assert.deepEqual(
      replies.map((r) => r.slice(r.indexOf('\r\n\r\n') + 4)),
      cases.map(([, did]) => `Hindsight: ${where} ${did}\n`),
    );
    assert.ok(replies.every((r) => r.startsWith('HTTP/1.1 502 Bad Gateway\r\n')), replies.join('\n'));
    const flows = await proxy.finishedFlows(cases.length);
    assert.deepEqual(
      flows.map(outcome),
      cases.map(([p, did, code]) => ({ url: rawUrl(p), state: 'failed', error: { phase: 'upstream', message: `${where} ${did}`, code }, status: undefined, bodySize: undefined })),
    );
  });

  test('a pooled connection whose responses had bare-LF heads is reused, each response whole', async () => {
    let connections = 0;
    const sockets = new Set<net.Socket>();
    const keep = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => {});
      let n = 0;
      socket.on('data', (chunk: Buffer) => {
        for (const _ of chunk.toString('latin1').matchAll(/ HTTP\/1\.1\r\n/g)) {
          n++;
          socket.write(`HTTP/1.1 200 OK\nContent-Length: ${`response ${n}`.length}\n\nresponse ${n}`);
        }
      });
    });
    keep.listen(0, '127.0.0.1');
    await once(keep, 'listening');
    try {
      const url = `http://keep.test:${(keep.address() as net.AddressInfo).port}/again`;
      const first = await curl(proxy.proxyUrl, [url]);
      const second = await curl(proxy.proxyUrl, [url]);
      assert.deepEqual([first.body, second.body, connections], ['response 1', 'response 2', 1]);
    } finally {
      keep.close();
      for (const socket of sockets) socket.destroy();
    }
  });

  test('raw UTF-8 in a request path reaches the origin percent-encoded; the client and the flow see it whole', async () => {
    const reply = await rawExchange(Buffer.from(rawGet('/café?q=ñ'), 'utf8'));
    assert.equal(reply, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nDate: X\r\nConnection: close\r\n\r\ncafe');
    assert.deepEqual(rawSeen, ['GET /caf%C3%A9?q=%C3%B1 HTTP/1.1']);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(wholeFlow(flow), rawOriginFlow(flow, rawUrl('/caf%C3%A9?q=%C3%B1'), 'cafe'));
  });

  test('keep-alive: a body that looks like a request line is left alone, the next request line is encoded', async () => {
    const body = Buffer.from('é\r\nGET /ü HTTP/1.1\r\n\r\n', 'utf8');
    const reply = await rawExchange(
      Buffer.concat([
        Buffer.from(`POST ${goodUrl('/upload')} HTTP/1.1\r\nHost: good.test:${goodPort}\r\nContent-Length: ${body.length}\r\n\r\n`),
        body,
        Buffer.from(`GET ${goodUrl('/über')} HTTP/1.1\r\nHost: good.test:${goodPort}\r\nConnection: close\r\n\r\n`, 'utf8'),
      ]),
    );
    // The origin answers chunked; the proxy passes that on.
    const answer = (text: string, close: boolean) =>
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nTransfer-Encoding: chunked\r\nConnection: ${close ? 'close' : 'keep-alive'}\r\n${close ? '' : 'Keep-Alive: timeout=5\r\n'}\r\n${text.length.toString(16)}\r\n${text}\r\n0\r\n\r\n`;
    assert.equal(reply, answer(`got ${body.length} bytes`, false) + answer('got 0 bytes', true));
    assert.deepEqual(seen, [
      { path: '/upload', bodyBytes: body.length, trailers: [] },
      { path: '/%C3%BCber', bodyBytes: 0, trailers: [] },
    ]);
  });

  test('a request with bare-LF line ends is still refused with a 400; the origin never sees it', async () => {
    const reply = await rawExchange(`GET ${goodUrl('/x')} HTTP/1.1\nHost: good.test:${goodPort}\n\n`);
    assert.match(reply, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ url: flow.request.url, state: flow.state, error: flow.error }, { url: goodUrl('/x'), state: 'failed', error: { phase: 'client', message: 'the client sent a request Hindsight cannot parse: its HTTP version is not HTTP/1.0 or HTTP/1.1; Hindsight answered 400', code: 'HPE_INVALID_VERSION' } });
    assert.deepEqual(seen, []);
  });
});
