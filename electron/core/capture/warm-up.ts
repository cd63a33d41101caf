/**
 * One intercepted exchange through the proxy itself, right after it starts listening and before it is
 * announced, so the first client does not pay for what runs cold once per process: the CONNECT path, the
 * first certificate minted (node-forge's ASN.1 code, a TLS context), both ends of a TLS handshake, and the
 * HTTP/1.1 server inside a tunnel (its parser, http-mitm-proxy's request path, the routing in forward.ts).
 * Left to the first real client, that was a first request ten to a hundred times slower than the next
 * (issue 16: the p99 of the first request to a new host was that one request).
 *
 * The request goes to the setup page's host (setup-page.ts), which the proxy answers itself: nothing is
 * forwarded or recorded. The proxy skips passthrough rules for this one connection (isWarmUp), so a
 * catch-all passthrough rule cannot send it to the network. With `request` false (reverse mode, where the
 * setup page is not served) only the handshake is warmed. Bounded in time; a failure (a client allow-list
 * that refuses this machine, say) only leaves the warm-up undone.
 */
import net from 'node:net';
import tls from 'node:tls';
import { SETUP_HOST } from './setup-page';

const WARM_UP_TIMEOUT_MS = 3_000;

export interface WarmUp {
  done: Promise<void>;
  /** True for the proxy's side of the warm-up's own connection (its peer's port on this machine). */
  isWarmUp(socket: net.Socket): boolean;
}

export function warmUpInterception(listenHost: string, port: number, caPem: string, request: boolean): WarmUp {
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  let localPort: number | undefined;
  const done = new Promise<void>((resolve) => {
    let secure: tls.TLSSocket | undefined;
    const finish = () => {
      clearTimeout(timer);
      localPort = undefined;
      secure?.destroy();
      raw.destroy();
      resolve();
    };
    const timer = setTimeout(finish, WARM_UP_TIMEOUT_MS);
    const raw = net.connect({ host, port }, () => {
      localPort = raw.localPort;
      raw.write(`CONNECT ${SETUP_HOST}:443 HTTP/1.1\r\nHost: ${SETUP_HOST}:443\r\n\r\n`);
    });
    raw.once('error', finish);
    raw.once('data', (chunk: Buffer) => {
      if (!/^HTTP\/1\.[01] 200/.test(chunk.toString('latin1'))) return finish();
      secure = tls.connect({ socket: raw, servername: SETUP_HOST, ca: caPem }, () => {
        if (!request) return secure!.end(finish);
        // The proxy closes the connection after its answer (Connection: close): the end of the answer ends the warm-up.
        secure!.write(`GET /ca.pem HTTP/1.1\r\nHost: ${SETUP_HOST}\r\nConnection: close\r\n\r\n`);
        secure!.resume();
        secure!.once('end', finish);
      });
      secure.once('error', finish);
      secure.once('close', finish);
    });
  });
  return {
    done,
    isWarmUp: (socket) => localPort !== undefined && socket.remotePort === localPort && isLoopback(socket.remoteAddress ?? ''),
  };
}

function isLoopback(address: string): boolean {
  return /^127\.|^::1$|^::ffff:127\./.test(address);
}
