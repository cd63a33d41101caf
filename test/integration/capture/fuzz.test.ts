// The proxy never crashes on what a client or a server sends. Several hundred malformed inputs (seeded, so a
// failure can be replayed; bounded in count and time) go over raw sockets: bad request lines, huge headers,
// garbage after CONNECT, TLS garbage, early closes, and answers from a server that speaks garbage. Afterwards
// no exception escaped and good requests still work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from './clients';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const CASES = 400;
const PARALLEL = 8;
/** Each case ends when the proxy closes the connection or after this long, whichever comes first. */
const CASE_MS = 1500;

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let origin: Origin;
let proxy: TestCore;
let badServer: net.Server;
let badPort: number;
const badSockets = new Set<net.Socket>();
const escaped: unknown[] = [];
const onEscape = (err: unknown) => escaped.push(err);

before(async () => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  origin = await startOrigin();
  proxy = await startTestCore({ origin, upstreamTimeoutMs: 1000 });
  // A server that answers every request with seeded garbage.
  const garbage = rng(SEED ^ 0x5eed);
  badServer = net.createServer((socket) => {
    badSockets.add(socket);
    socket.on('close', () => badSockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', () => {
      const answers = [
        () => socket.end(randomBytes(garbage, 1 + Math.floor(garbage() * 2000))),
        () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort'),
        () => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbroken'),
        () => socket.end('HTTP/1.1 999999 Weird\r\n\r\n'),
        () => socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`),
        () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'),
        () => socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'),
        // Bare-LF heads are taken; with both Content-Length and Transfer-Encoding, or a bare CR, still refused.
        () => socket.end('HTTP/1.1 200 OK\nContent-Length: 2\n\nhi'),
        () => socket.end('HTTP/1.1 200 OK\nContent-Length: 2\nTransfer-Encoding: chunked\n\n2\r\nhi\r\n0\r\n\r\n'),
        () => socket.end('HTTP/1.1 200 OK\rContent-Length: 2\r\n\r\nhi'),
        () => socket.destroy(),
        () => socket.resetAndDestroy(),
      ];
      answers[Math.floor(garbage() * answers.length)]();
    });
  });
  await new Promise<void>((resolve) => badServer.listen(0, '127.0.0.1', resolve));
  badPort = (badServer.address() as net.AddressInfo).port;
});

after(async () => {
  for (const socket of badSockets) socket.destroy();
  await new Promise((resolve) => badServer.close(resolve));
  await proxy.dispose();
  await origin.close();
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
});

function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

type Input = { pieces: (string | Buffer)[]; closeEarly: boolean };

/** One malformed (or hostile) input, chosen and shaped by the PRNG. */
function makeInput(random: () => number): Input {
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const host = `origin.test:${origin.httpPort}`;
  const tlsHello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), randomBytes(random, 40 + Math.floor(random() * 400))]);
  const shapes: (() => (string | Buffer)[])[] = [
    () => [randomBytes(random, 1 + Math.floor(random() * 3000))],
    () => [`${pick(['GET', 'POST', 'G E T', '', 'BREW', 'CONNECT'])} ${pick(['http://', 'http://:80/', 'http://[::1', 'http://a.test:99999/', 'http://a b/', '*', '', `http://${host}/json`])} ${pick(['HTTP/1.1', 'HTTP/9.9', 'HTTP/1', 'FOO'])}\r\n\r\n`],
    () => [`GET http://${host}/json HTTP/1.1\r\nHost: ${host}\r\nX-Huge: ${'x'.repeat(20_000 + Math.floor(random() * 100_000))}\r\n\r\n`],
    () => [`GET http://${host}/json HTTP/1.1\r\n${Array.from({ length: 3000 }, (_, i) => `H${i}: v`).join('\r\n')}\r\n\r\n`],
    () => [`POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${pick(['-1', 'abc', '10', '99999999999999999999'])}\r\n\r\nshort`],
    () => [`POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n${pick(['zz\r\n', '5\r\nab', 'ffffffffffff\r\n', '0\r\nbad trailer\r\n\r\n'])}`],
    () => [`CONNECT ${pick(['', ':0', 'origin.test', 'origin.test:99999', '[::1', `origin.test:${origin.httpsPort}`, 'nope.test:443'])} HTTP/1.1\r\n\r\n`],
    () => [`CONNECT origin.test:${origin.httpsPort} HTTP/1.1\r\n\r\n`, randomBytes(random, 1 + Math.floor(random() * 2000))],
    () => [`CONNECT origin.test:${origin.httpsPort} HTTP/1.1\r\n\r\n`, tlsHello],
    () => [`CONNECT origin.test:${origin.httpsPort} HTTP/1.1\r\n\r\n${randomBytes(random, 20).toString('latin1')}`],
    () => [`CONNECT origin.test:${origin.httpPort} HTTP/1.1\r\n\r\n`, 'GET /json HTTP/1.1\r\nHost: x\r\n\r\n', randomBytes(random, 100)],
    () => [tlsHello],
    () => [`GET http://bad.test:${badPort}/${Math.floor(random() * 1e6)} HTTP/1.1\r\nHost: bad.test:${badPort}\r\n\r\n`],
    () => [`GET http://bad.test:${badPort}/ws HTTP/1.1\r\nHost: bad.test:${badPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`],
    () => [`GET http://${host}/ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`, randomBytes(random, 50)],
    () => [`GET http://${host}/bytes?n=1000000 HTTP/1.1\r\nHost: ${host}\r\n\r\n`],
    // Raw UTF-8 targets (percent-encoded on the way), split anywhere; bare-LF requests (refused).
    () => [Buffer.from(`GET http://${host}/caf\u00e9?q=\u00f1 HTTP/1.1\r\nHost: ${host}\r\n\r\n`, 'utf8')],
    () => {
      const bytes = Buffer.from(`POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 4\r\n\r\n\u00e9\u00e9GET /\u00fc HTTP/1.1\r\n\r\n`, 'utf8');
      const cut = Math.floor(random() * bytes.length);
      return [bytes.subarray(0, cut), bytes.subarray(cut)];
    },
    () => [`GET http://${host}/json HTTP/1.1\nHost: ${host}\n\n`, `POST http://${host}/echo HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n`],
  ];
  const pieces = pick(shapes)();
  return { pieces, closeEarly: random() < 0.3 };
}

async function send(input: Input, random: () => number): Promise<void> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.on('data', () => {});
  const closed = once(socket, 'close');
  try {
    await once(socket, 'connect');
    for (const piece of input.pieces) {
      if (socket.destroyed) break;
      if (input.closeEarly && random() < 0.5) {
        // Cut the input short, mid-piece.
        socket.end(typeof piece === 'string' ? piece.slice(0, Math.floor(piece.length * random())) : piece.subarray(0, Math.floor(piece.length * random())));
        break;
      }
      socket.write(piece);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 10)));
    }
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CASE_MS))]);
  } catch {
    // The proxy may close at any point; that is fine.
  } finally {
    socket.destroy();
  }
}

test(`${CASES} malformed inputs (seed ${SEED}) leave the proxy serving and throw nothing`, { timeout: 180_000 }, async () => {
  const random = rng(SEED);
  const inputs = Array.from({ length: CASES }, () => makeInput(random));
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < inputs.length) await send(inputs[next++], random);
    }),
  );
  const ca = pemFile(proxy.caPem);
  try {
    const plain = await curl(proxy.proxyUrl, [origin.url('/json')]);
    const secure = await curl(proxy.proxyUrl, [origin.url('/json', { secure: true })], { caFile: ca.file });
    assert.deepEqual(
      [plain, secure].map((r) => ({ status: r.status, body: r.body })),
      [
        { status: 200, body: '{"hello":"world"}' },
        { status: 200, body: '{"hello":"world"}' },
      ],
    );
  } finally {
    ca.dispose();
  }
  assert.deepEqual(escaped, []);
});
