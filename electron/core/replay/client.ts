/**
 * The replay client: sends one request through Hindsight's own proxy, as any client would, so the proxy
 * records it with everything a captured flow has. For http it writes an absolute-form request to the proxy
 * port; for https it opens a CONNECT tunnel and speaks TLS to the proxy, trusting the core's own CA (the
 * proxy intercepts it like any client's). Before the request goes out the connection is marked (marks.ts),
 * and the flow the proxy records for it is what send() resolves with. The response itself is read and
 * dropped: the proxy has recorded it.
 */
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import http2 from 'node:http2';
import { h1RequestToH2, h1ResponseToH2 } from '../capture/h2/translate';
import type { Flow } from '../../common/flow';
import { plainIp } from '../capture/target';
import type { ExpectedReplay, ReplayMark, ReplayMarks } from '../capture/replay-marks';
import { connectHead, isIpLiteral, requestHead, type WireRequest } from './request';

/** How long a flow may take to be reported after the proxy closed the replay's connection. */
const CLOSE_GRACE_MS = 2000;
/** A CONNECT answer longer than this is not one. */
const MAX_CONNECT_RESPONSE = 16 * 1024;

export interface ReplayClientOptions {
  /** The proxy's listen address (0.0.0.0 and :: are reached over loopback). */
  proxyAddress(): { host: string; port: number };
  /** PEM of the CA the proxy signs intercepted connections with. */
  caPem: string;
  marks: ReplayMarks;
}

export class ReplayFailure extends Error {
  override name = 'ReplayFailure';
}

export class ReplayClient {
  private readonly sockets = new Set<net.Socket>();
  private disposed = false;

  constructor(private readonly options: ReplayClientOptions) {}

  async send(w: WireRequest, mark: ReplayMark): Promise<Flow> {
    if (this.disposed) throw new ReplayFailure('Hindsight is shutting down');
    const { host, port } = reachable(this.options.proxyAddress());
    const socket = net.connect({ host, port });
    // Failures surface as the steps below rejecting, or as 'close'; an unhandled 'error' would crash.
    socket.on('error', () => {});
    this.sockets.add(socket);
    let expected: ExpectedReplay | undefined;
    try {
      await once(socket, 'connect');
      // The proxy sees this connection's local address as the client; the mark must be there before it reads.
      expected = this.options.marks.expect({ ip: plainIp(socket.localAddress ?? ''), port: socket.localPort ?? 0 }, mark);
      if (w.http2) return await this.sendH2(w, socket, expected);
      let stream: net.Socket = socket;
      if (w.secure) {
        socket.write(connectHead(w));
        await tunnelOpened(socket, w.authority);
        stream = tls.connect({ socket, host: w.host, servername: isIpLiteral(w.host) ? undefined : w.host, ca: [this.options.caPem], ALPNProtocols: ['http/1.1'] });
        await once(stream, 'secureConnect');
      }
      stream.on('data', () => {});
      stream.write(requestHead(w));
      if (w.body.length > 0) stream.write(w.body);
      return await this.untilFinished(expected, stream);
    } catch (err) {
      if (err instanceof ReplayFailure) throw err;
      throw new ReplayFailure(`could not send through the proxy at ${host}:${port}: ${(err as Error).message}`);
    } finally {
      expected?.release();
      socket.destroy();
      this.sockets.delete(socket);
    }
  }

  /**
   * An h2 flow goes again over HTTP/2: a CONNECT tunnel (also for http, then h2c with prior knowledge, as
   * the h2c client did) and one stream; the headers are the flow's as HTTP/1.1 fields, translated back.
   */
  private async sendH2(w: WireRequest, socket: net.Socket, expected: ExpectedReplay): Promise<Flow> {
    socket.write(connectHead(w));
    await tunnelOpened(socket, w.authority);
    let stream: net.Socket = socket;
    if (w.secure) {
      stream = tls.connect({ socket, host: w.host, servername: isIpLiteral(w.host) ? undefined : w.host, ca: [this.options.caPem], ALPNProtocols: ['h2'] });
      await once(stream, 'secureConnect');
    } else socket.resume();
    const session = http2.connect(`${w.secure ? 'https' : 'http'}://${w.authority}`, { createConnection: () => stream });
    session.on('error', () => {});
    const path = w.secure ? w.target : w.target.replace(/^[a-z]+:\/\/[^/]*/i, '') || '/';
    const withTrailers = w.trailers.length > 0;
    const request = session.request(h1RequestToH2(w.headers.flat(), w.method, path, w.secure ? 'https' : 'http', w.authority), { endStream: w.body.length === 0 && !withTrailers, waitForTrailers: withTrailers });
    request.on('error', () => {});
    // Trailer fields follow the body as trailing HEADERS (RFC 9113 §8.1), as the recorded client sent them.
    if (withTrailers) request.once('wantTrailers', () => request.sendTrailers(h1ResponseToH2(w.trailers.flat())));
    request.resume();
    if (w.body.length > 0 || withTrailers) request.end(w.body);
    try {
      return await this.untilFinished(expected, stream);
    } finally {
      session.destroy();
    }
  }

  private untilFinished(expected: ExpectedReplay, stream: net.Socket): Promise<Flow> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onClose = () => {
        // The proxy records a flow before it closes the connection, but the two are reported on different
        // sockets; a flow that is not there shortly after never will be (a request the proxy refused).
        const fail = () => reject(new ReplayFailure(this.disposed ? 'Hindsight closed before the replay finished' : 'the proxy closed the connection without recording the request'));
        if (this.disposed) fail();
        else timer = setTimeout(fail, CLOSE_GRACE_MS);
      };
      stream.on('error', () => {});
      stream.once('close', onClose);
      void expected.finished.then((flow) => {
        clearTimeout(timer);
        stream.off('close', onClose);
        resolve(flow);
      });
    });
  }

  /** Closes every replay connection; pending sends settle (the proxy fails their flows as aborted). */
  dispose(): void {
    this.disposed = true;
    for (const socket of this.sockets) socket.destroy();
  }
}

function reachable(address: { host: string; port: number }): { host: string; port: number } {
  if (address.host === '0.0.0.0' || address.host === '') return { host: '127.0.0.1', port: address.port };
  if (address.host === '::') return { host: '::1', port: address.port };
  return address;
}

/** Reads the proxy's answer to CONNECT; anything but 200 is a refusal. */
function tunnelOpened(socket: net.Socket, authority: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) {
        if (received.length > MAX_CONNECT_RESPONSE) {
          cleanup();
          reject(new ReplayFailure('the proxy answered CONNECT with something that is not HTTP'));
        }
        return;
      }
      cleanup();
      // Nothing follows the answer until our TLS handshake starts, so the socket can be handed to TLS as is.
      socket.pause();
      const status = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
      if (/^HTTP\/1\.[01] 200\b/.test(status)) resolve();
      else reject(new ReplayFailure(`the proxy refused the tunnel to ${authority}: ${status}`));
    };
    const onClose = () => {
      cleanup();
      reject(new ReplayFailure(`the proxy closed the connection while opening the tunnel to ${authority}`));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}
