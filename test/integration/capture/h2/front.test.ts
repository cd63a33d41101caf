// The HTTP/2 front door on its own: a tunnel-like TLS socket (made with `new tls.TLSSocket` over a TCP socket
// whose first bytes were read and put back, as the http-mitm-proxy patch makes it) and a plain h2c socket,
// handed to createH2Front(), each served to Node's real http2 client over loopback.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { createH2Front, type H2Front } from '../../../../electron/core/capture/h2/front';
import { originCa } from '../../../helpers/origin';

type Seen = { path: string; isSSL: boolean; encrypted: boolean | undefined; alpnProtocol: string | undefined; connectRequest: string | undefined };

let front: H2Front;
let listener: net.Server;
let caPem: string;
const seen: Seen[] = [];
const errors: string[] = [];

before(async () => {
  const { ca } = await originCa();
  caPem = ca.certPem;
  front = createH2Front(
    (req, res, isSSL) => {
      // What the session's socket says of itself: the TLS socket's own fields, and the tunnel's CONNECT request on it.
      const socket = req.socket as tls.TLSSocket & { connectRequest?: { url: string } };
      seen.push({ path: req.url, isSSL, encrypted: socket.encrypted, alpnProtocol: socket.alpnProtocol || undefined, connectRequest: socket.connectRequest?.url });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello ${req.url}`);
    },
    (kind, err) => errors.push(`${kind}: ${(err as Error).message}`),
    64 * 1024,
  );
  // A tunnel as the patch serves one: the first bytes tell TLS from plain text and are put back.
  listener = net.createServer((socket) => {
    (socket as net.Socket & { connectRequest?: unknown }).connectRequest = { url: 'front.test:443' };
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first[0] !== 0x16) return front.take(socket, false);
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: ca.leafFor('front.test').context, ALPNProtocols: ['h2'] });
      (secure as tls.TLSSocket & { connectRequest?: unknown }).connectRequest = { url: 'front.test:443' };
      secure.once('secure', () => front.take(secure, true));
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  front.dispose();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

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

describe('the HTTP/2 front', () => {
  test("a tunnel's TLS socket is served as it is: the session runs on it (its ALPN, its CONNECT request), streams answered", async () => {
    const port = (listener.address() as net.AddressInfo).port;
    seen.length = 0;
    const session = http2.connect(`https://front.test:${port}`, {
      createConnection: () => tls.connect({ host: '127.0.0.1', port, servername: 'front.test', ca: [caPem], ALPNProtocols: ['h2'] }),
    });
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
});
