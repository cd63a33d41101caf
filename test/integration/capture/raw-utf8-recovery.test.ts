// Raw UTF-8 request targets by default (issue 18, raw-utf8-recovery.ts): curl's `GET /café` reaches the origin
// as /caf%C3%A9 plain, through a CONNECT tunnel and over intercepted HTTPS; keep-alive, pipelined and split
// request lines; what is still refused gets its 400 and a failed flow; a healthy connection stays on Node's
// native parser path.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startOrigin, type Origin } from '../../helpers/origin';
import { curl, pemFile } from './clients';
import { rawUtf8Recovery } from '../../../electron/core/capture/raw-utf8-recovery';

let origin: Origin;
let proxy: TestCore;

before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  origin.received.length = 0;
  proxy = await startTestCore({ origin });
});
afterEach(() => proxy.dispose());

const host = () => `origin.test:${origin.httpPort}`;
/** An absolute-form request to the origin's /echo with `query` as raw bytes (UTF-8), keep-alive unless `close`. */
const get = (query: string, close = false) =>
  Buffer.from(`GET http://${host()}/echo?q=${query} HTTP/1.1\r\nHost: ${host()}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`, 'utf8');

/** Writes `pieces` to the proxy from `localAddress` (waiting `gapMs` between them) and reads until the proxy closes. */
async function exchange(pieces: Buffer[], gapMs = 0, localAddress = '127.0.0.1'): Promise<string> {
  const socket = net.connect({ port: proxy.port, host: '127.0.0.1', localAddress });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = once(socket, 'close');
  for (const [i, piece] of pieces.entries()) {
    if (i > 0 && gapMs > 0) await sleep(gapMs);
    socket.write(piece);
  }
  await closed;
  return Buffer.concat(chunks).toString('utf8');
}

/** The status of each response in a reply, in order, with the URL the origin echoed (if it echoed one). */
function answers(reply: string): { status: number; url?: string }[] {
  return [...reply.matchAll(/HTTP\/1\.1 (\d{3}) [^\r]*\r\n(?:[^\r]+\r\n)*\r\n(\{"method":"[A-Z]+","url":"([^"]*)")?/g)].map((m) =>
    m[3] === undefined ? { status: Number(m[1]) } : { status: Number(m[1]), url: m[3] },
  );
}

describe('raw UTF-8 request targets, by default', () => {
  test('curl --path-as-is: plain, through a CONNECT tunnel and intercepted HTTPS, the origin gets /caf%C3%A9; the flows read it', async () => {
    const ca = pemFile(proxy.caPem);
    try {
      const runs: [string, string[]][] = [
        [origin.url('/echo?q=café'), []],
        [origin.url('/echo?q=tunnelé'), ['--proxytunnel']],
        [origin.url('/echo?q=über', { secure: true }), []],
      ];
      const results = [];
      for (const [url, extra] of runs) results.push(await curl(proxy.proxyUrl, ['--http1.1', '--path-as-is', ...extra, url], { caFile: ca.file }));
      assert.deepEqual(
        results.map((r) => ({ exit: r.exit, status: r.status, url: (JSON.parse(r.body) as { url: string }).url })),
        [
          { exit: 0, status: 200, url: '/echo?q=caf%C3%A9' },
          { exit: 0, status: 200, url: '/echo?q=tunnel%C3%A9' },
          { exit: 0, status: 200, url: '/echo?q=%C3%BCber' },
        ],
      );
      const flows = await proxy.finishedFlows(3);
      assert.deepEqual(
        flows.map((f) => ({ url: f.request.url, state: f.state, status: f.response?.status })),
        [
          { url: origin.url('/echo?q=caf%C3%A9'), state: 'completed', status: 200 },
          { url: origin.url('/echo?q=tunnel%C3%A9'), state: 'completed', status: 200 },
          { url: origin.url('/echo?q=%C3%BCber', { secure: true }), state: 'completed', status: 200 },
        ],
      );
    } finally {
      ca.dispose();
    }
  });

  test('reverse mode (its h2c sniffer wraps the server\'s connection listeners): curl /café reaches the target as /caf%C3%A9', async () => {
    await proxy.dispose();
    const target = `http://127.0.0.1:${origin.httpPort}`;
    proxy = await startTestCore({ origin, reverse: target });
    const result = await curl(null, ['--http1.1', '--path-as-is', `${proxy.proxyUrl}/echo?q=revé`]);
    assert.deepEqual({ exit: result.exit, status: result.status, url: (JSON.parse(result.body) as { url: string }).url }, { exit: 0, status: 200, url: '/echo?q=rev%C3%A9' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ url: flow.request.url, state: flow.state }, { url: `${target}/echo?q=rev%C3%A9`, state: 'completed' });
  });

  test('keep-alive: the second request has raw UTF-8, the third is plain ASCII; all answered on one connection', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (reply += text));
    const answered = async (count: number) => {
      for (let i = 0; i < 200 && answers(reply).length < count; i++) await sleep(25);
    };
    socket.write(get('first'));
    await answered(1);
    socket.write(get('sécond'));
    await answered(2);
    socket.write(get('third', true));
    await once(socket, 'close');
    assert.deepEqual(answers(reply), [
      { status: 200, url: '/echo?q=first' },
      { status: 200, url: '/echo?q=s%C3%A9cond' },
      { status: 200, url: '/echo?q=third' },
    ]);
  });

  test('pipelined: requests before and after the rewritten one, in one write, answered in order', async () => {
    const reply = await exchange([Buffer.concat([get('before'), get('ünï'), get('after'), get('last', true)])]);
    assert.deepEqual(answers(reply), [
      { status: 200, url: '/echo?q=before' },
      { status: 200, url: '/echo?q=%C3%BCn%C3%AF' },
      { status: 200, url: '/echo?q=after' },
      { status: 200, url: '/echo?q=last' },
    ]);
    assert.deepEqual(
      origin.received.map((r) => r.url),
      ['/echo?q=before', '/echo?q=%C3%BCn%C3%AF', '/echo?q=after', '/echo?q=last'],
    );
  });

  test('a request line split across two TCP writes inside its raw bytes is taken', async () => {
    const bytes = get('é', true);
    const cut = bytes.indexOf(0xc3) + 1;
    const reply = await exchange([bytes.subarray(0, cut), bytes.subarray(cut)], 200);
    assert.deepEqual(answers(reply), [{ status: 200, url: '/echo?q=%C3%A9' }]);
  });

  test('a request line whose start came in an earlier TCP read still gets its 400 and a failed flow', async () => {
    const bytes = get('é', true);
    const cut = bytes.indexOf(0xc3) - 1;
    const reply = await exchange([bytes.subarray(0, cut), bytes.subarray(cut)], 300);
    assert.deepEqual(answers(reply), [{ status: 400 }]);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { state: flow.state, error: flow.error },
      { state: 'failed', error: { phase: 'client', message: 'the client sent a request Hindsight cannot parse: its request target is malformed; Hindsight answered 400', code: 'HPE_INVALID_URL' } },
    );
    assert.deepEqual(origin.received, []);
  });

  test('serve --raw-utf8-paths (every connection through the encoder) takes that request line too', async () => {
    await proxy.dispose();
    proxy = await startTestCore({ origin, rawUtf8Paths: true });
    const bytes = get('é', true);
    const cut = bytes.indexOf(0xc3) - 1;
    const reply = await exchange([bytes.subarray(0, cut), bytes.subarray(cut)], 300);
    assert.deepEqual(answers(reply), [{ status: 200, url: '/echo?q=%C3%A9' }]);
  });

  test('what is malformed besides the raw bytes is still refused: 400, a failed flow, the origin never sees it', async () => {
    const cases: [Buffer, string, string][] = [
      // Not a request line the encoder follows: the bytes reach the parser as they came.
      [Buffer.from(`GET http://${host()}/café HTTP/9.9\r\nHost: ${host()}\r\n\r\n`, 'utf8'), 'its request target is malformed', 'HPE_INVALID_URL'],
      [Buffer.from(`GET http://${host()}/café\x01 HTTP/1.1\r\nHost: ${host()}\r\n\r\n`, 'utf8'), 'its request target is malformed', 'HPE_INVALID_URL'],
      [Buffer.from(`GET http://${host()}/café HTTP/1.1\nHost: ${host()}\n\n`, 'utf8'), 'its HTTP version is not HTTP/1.0 or HTTP/1.1', 'HPE_INVALID_VERSION'],
    ];
    const replies = [];
    // One client address per case: the failure rate limit keeps one flow per client, reason and second.
    for (const [i, [bytes]] of cases.entries()) replies.push(answers(await exchange([bytes], 0, `127.0.0.${i + 2}`)));
    assert.deepEqual(replies, cases.map(() => [{ status: 400 }]));
    const flows = await proxy.finishedFlows(cases.length);
    assert.deepEqual(
      flows.map((f) => ({ state: f.state, error: f.error })),
      cases.map(([, problem, code]) => ({ state: 'failed', error: { phase: 'client', message: `the client sent a request Hindsight cannot parse: ${problem}; Hindsight answered 400`, code } })),
    );
    assert.deepEqual(origin.received, []);
  });
});

describe('the cost on healthy connections', () => {
  test("a connection that never sends a raw byte stays on Node's native parser; only the other one moves", async () => {
    const server = http.createServer((req, res) => {
      const parser = (req.socket as net.Socket & { parser?: { _consumed?: boolean } }).parser;
      res.end(JSON.stringify({ url: req.url, native: parser?._consumed === true }));
    });
    const recover = rawUtf8Recovery(server, 'connection', 16 * 1024);
    server.on('clientError', (err: Error, socket: net.Socket) => recover(err, socket) || socket.destroy());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const port = (server.address() as net.AddressInfo).port;
      const ask = async (pieces: string[]) => {
        const socket = net.connect(port, '127.0.0.1');
        await once(socket, 'connect');
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        const closed = once(socket, 'close');
        for (const piece of pieces) socket.write(Buffer.from(piece, 'utf8'));
        await closed;
        return [...Buffer.concat(chunks).toString('utf8').matchAll(/\{[^}]*\}/g)].map((m) => JSON.parse(m[0]) as unknown);
      };
      const line = (p: string, close = false) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
      assert.deepEqual(
        {
          healthy: await ask([line('/a') + line('/b', true)]),
          moved: await ask([line('/a') + line('/é') + line('/c', true)]),
        },
        {
          healthy: [
            { url: '/a', native: true },
            { url: '/b', native: true },
          ],
          moved: [
            { url: '/a', native: true },
            { url: '/%C3%A9', native: false },
            { url: '/c', native: false },
          ],
        },
      );
    } finally {
      server.close();
    }
  });
});
