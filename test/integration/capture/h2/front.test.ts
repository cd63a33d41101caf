// The HTTP/2 front door on its own: a tunnel-like TLS socket (made with `new tls.TLSSocket` over a TCP socket
// whose first bytes were read and put back, as the http-mitm-proxy patch makes it, on a server that allows
// half-open sockets as http-mitm-proxy's HTTP server does) and a plain h2c socket, handed to createH2Front(),
// each served to Node's real http2 client over loopback. How a connection ends matters as much as how it is
// served: a client's close, its GOAWAY and a stream reset must each end what they end, and no more.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { createH2Front, type H2Front } from '../../../../electron/core/capture/h2/front';
import { originCa } from '../../../helpers/origin';

type Seen = { path: string; isSSL: boolean; encrypted: boolean | undefined; alpnProtocol: string | undefined; connectRequest: string | undefined };

/** The server side of one accepted connection: the TCP socket and, for TLS, the socket handed to the front. */
interface Accepted {
  raw: net.Socket;
  handed: Promise<net.Socket>;
}

let front: H2Front;
let listener: net.Server;
let caPem: string;
const seen: Seen[] = [];
const errors: string[] = [];
const accepted: Accepted[] = [];
/** Requests to /hold are kept unanswered; each one's 'close' (a reset) resolves here. /slow is answered after 300 ms. */
const held: Promise<{ path: string; aborted: boolean }>[] = [];

before(async () => {
  const { ca } = await originCa();
  caPem = ca.certPem;
  front = createH2Front(
    (req, res, isSSL) => {
      // What the session's socket says of itself: the TLS socket's own fields, and the tunnel's CONNECT request on it.
      const socket = req.socket as tls.TLSSocket & { connectRequest?: { url: string } };
      seen.push({ path: req.url, isSSL, encrypted: socket.encrypted, alpnProtocol: socket.alpnProtocol || undefined, connectRequest: socket.connectRequest?.url });
      if (req.url === '/hold') {
        held.push(once(res, 'close').then(() => ({ path: req.url, aborted: req.aborted })));
        return;
      }
      const answer = () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`hello ${req.url}`);
      };
      if (req.url === '/slow') setTimeout(answer, 300);
      else answer();
    },
    (kind, err) => errors.push(`${kind}: ${(err as Error).message}`),
    64 * 1024,
  );
  // A tunnel as the patch serves one: the first bytes tell TLS from plain text and are put back.
  listener = net.createServer({ allowHalfOpen: true }, (socket) => {
    (socket as net.Socket & { connectRequest?: unknown }).connectRequest = { url: 'front.test:443' };
    accepted.push({
      raw: socket,
      handed: new Promise((resolve) => {
        socket.once('data', (first: Buffer) => {
          socket.pause();
          socket.unshift(first);
          if (first[0] !== 0x16) {
            front.take(socket, false);
            return resolve(socket);
          }
          const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: ca.leafFor('front.test').context, ALPNProtocols: ['h2'] });
          (secure as tls.TLSSocket & { connectRequest?: unknown }).connectRequest = { url: 'front.test:443' };
          secure.once('secure', () => {
            front.take(secure, true);
            resolve(secure);
          });
        });
      }),
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  front.dispose();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

function connectTls(): http2.ClientHttp2Session {
  const port = (listener.address() as net.AddressInfo).port;
  return http2.connect(`https://front.test:${port}`, {
    createConnection: () => tls.connect({ host: '127.0.0.1', port, servername: 'front.test', ca: [caPem], ALPNProtocols: ['h2'] }),
  });
}

async function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.setTimeout(10_000, () => stream.close());
    stream.on('response', (head) => (status = Number(head[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
  });
}

/** Resolves with what happened to the server's sockets of the latest connection: closed in time, or not. */
async function serverSocketsClosed(within: number): Promise<{ handed: boolean; raw: boolean }> {
  const { raw, handed } = accepted[accepted.length - 1];
  const socket = await handed;
  const closed = (s: net.Socket) =>
    s.destroyed && s.closed ? Promise.resolve(true) : Promise.race([once(s, 'close').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), within).unref())]);
  const [h, r] = await Promise.all([closed(socket), closed(raw)]);
  return { handed: h, raw: r };
}

/** Waits (bounded) until the latest connection was handed to the front. */
async function handedOver(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (accepted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await accepted[accepted.length - 1].handed;
}

describe('the HTTP/2 front', () => {
  test("a tunnel's TLS socket is served as it is: the session runs on it (its ALPN, its CONNECT request), streams answered", async () => {
    seen.length = 0;
    const session = connectTls();
    try {
      const answers = await Promise.all([get(session, '/a'), get(session, '/b'), get(session, '/c')]);
      assert.deepEqual(
        { answers, seen: [...seen].sort((x, y) => x.path.localeCompare(y.path)), errors },
        {
          answers: [
            { status: 200, body: 'hello /a' },
            { status: 200, body: 'hello /b' },
            { status: 200, body: 'hello /c' },
          ],
          seen: ['/a', '/b', '/c'].map((path) => ({ path, isSSL: true, encrypted: true, alpnProtocol: 'h2', connectRequest: 'front.test:443' })),
          errors: [],
        },
      );
    } finally {
      session.destroy();
    }
  });

  test('a plain socket opening with the preface is served as h2c, not as encrypted', async () => {
    const port = (listener.address() as net.AddressInfo).port;
    seen.length = 0;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const answer = await get(session, '/plain');
      assert.deepEqual(
        { answer, seen, errors },
        { answer: { status: 200, body: 'hello /plain' }, seen: [{ path: '/plain', isSSL: false, encrypted: undefined, alpnProtocol: undefined, connectRequest: 'front.test:443' }], errors: [] },
      );
    } finally {
      session.destroy();
    }
  });

  test("a client that closes its connection ends the server's TLS socket and the tunnel under it (no half-open left)", async () => {
    const session = connectTls();
    const answer = await get(session, '/before-close');
    // The client hangs up (its FIN) without a GOAWAY, as curl does once it has its answer.
    session.destroy();
    assert.deepEqual({ answer, closed: await serverSocketsClosed(10_000) }, { answer: { status: 200, body: 'hello /before-close' }, closed: { handed: true, raw: true } });
  });

  test('a client that only half-closes (FIN, still reading) gets the connection ended from this side too', async () => {
    const port = (listener.address() as net.AddressInfo).port;
    const client = tls.connect({ host: '127.0.0.1', port, servername: 'front.test', ca: [caPem], ALPNProtocols: ['h2'] });
    await once(client, 'secureConnect');
    // The connection preface and an empty SETTINGS frame: a session is running before the client's FIN.
    client.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    await handedOver();
    const ended = Promise.race([once(client, 'end').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
    client.on('data', () => {});
    client.end();
    assert.deepEqual({ clientSawEnd: await ended, closed: await serverSocketsClosed(10_000) }, { clientSawEnd: true, closed: { handed: true, raw: true } });
    client.destroy();
  });

  test("a client's GOAWAY with a stream in flight: that stream is still answered, then the connection ends on both sides", async () => {
    const session = connectTls();
    const clientClosed = once(session, 'close').then(() => true);
    const answer = get(session, '/slow');
    await new Promise((r) => setTimeout(r, 50));
    // close() sends GOAWAY (no error) at once, lets open streams finish, then closes the connection.
    session.close();
    assert.deepEqual({ answer: await answer, closed: await serverSocketsClosed(10_000), clientClosed: await clientClosed, errors }, {
      answer: { status: 200, body: 'hello /slow' },
      closed: { handed: true, raw: true },
      clientClosed: true,
      errors: [],
    });
  });

  test('a stream reset ends that exchange only: the handler sees it aborted, the next stream on the session is answered', async () => {
    seen.length = 0;
    held.length = 0;
    const session = connectTls();
    try {
      const stream = session.request({ ':path': '/hold' });
      stream.on('error', () => {});
      const deadline = Date.now() + 10_000;
      while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      stream.close(http2.constants.NGHTTP2_CANCEL);
      const reset = await Promise.race([held[0], new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000).unref())]);
      const next = await get(session, '/after-reset');
      assert.deepEqual(
        { reset, next, paths: seen.map((s) => s.path), sessionOpen: !session.closed && !session.destroyed, errors },
        { reset: { path: '/hold', aborted: true }, next: { status: 200, body: 'hello /after-reset' }, paths: ['/hold', '/after-reset'], sessionOpen: true, errors: [] },
      );
    } finally {
      session.destroy();
    }
  });
});
