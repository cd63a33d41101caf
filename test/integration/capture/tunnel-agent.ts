/**
 * An http.Agent that reaches every origin through a CONNECT tunnel of the proxy, as browsers do for ws:// and
 * wss:// behind an HTTP proxy; with `secure`, TLS runs inside the tunnel, trusting `ca`.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

export class TunnelAgent extends http.Agent {
  constructor(
    private readonly proxyUrl: string,
    private readonly tunnel: { secure: boolean; ca?: string; localAddress?: string },
  ) {
    super({ keepAlive: false });
    // https.request insists on an agent of its own protocol; TLS is done in createConnection below.
    (this as { protocol?: string }).protocol = tunnel.secure ? 'https:' : 'http:';
  }

  override createConnection(options: http.ClientRequestArgs, done?: (err: Error | null, stream: Duplex) => void): undefined {
    const callback = done as (err: Error | null, stream?: Duplex) => void;
    const proxy = new URL(this.proxyUrl);
    const socket = net.connect({ port: Number(proxy.port), host: proxy.hostname, ...(this.tunnel.localAddress ? { localAddress: this.tunnel.localAddress } : {}) });
    const fail = (err: Error) => callback(err);
    socket.once('error', fail);
    socket.once('connect', () => socket.write(`CONNECT ${options.host}:${options.port} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\n\r\n`));
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.off('error', fail);
      if (!/^HTTP\/1\.1 200/.test(head)) return callback(new Error(`CONNECT refused: ${head.split('\r\n')[0]}`));
      if (!this.tunnel.secure) return callback(null, socket);
      const secure = tls.connect({ socket, servername: options.host ?? undefined, ca: this.tunnel.ca, ALPNProtocols: ['http/1.1'] });
      secure.once('secureConnect', () => callback(null, secure));
      secure.once('error', fail);
    };
    socket.on('data', onData);
    return undefined;
  }
}
