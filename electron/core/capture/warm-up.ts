/**
 * One intercepted TLS handshake through the proxy itself, right after it starts listening and before it is
 * announced, so the first client does not pay for what runs cold once per process: the CONNECT path, the
 * first certificate minted (node-forge's ASN.1 code, a TLS context), and both ends of a TLS handshake. Left
 * to the first real client, that was a first request ten to a hundred times slower than the next (issue 16:
 * the p99 of the first request to a new host was that one request).
 *
 * No request is sent through the tunnel, so nothing is forwarded or recorded. Bounded in time; a failure
 * (a client allow-list that refuses this machine, say) only leaves the warm-up undone.
 */
import net from 'node:net';
import tls from 'node:tls';

/** A name that can never be a real host (RFC 2606), so its certificate in the cache serves nobody else. */
export const WARM_UP_HOST = 'warm-up.hindsight.invalid';
const WARM_UP_TIMEOUT_MS = 3_000;

export function warmUpInterception(listenHost: string, port: number, caPem: string): Promise<void> {
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost;
  return new Promise<void>((resolve) => {
    let secure: tls.TLSSocket | undefined;
    const done = () => {
      clearTimeout(timer);
      secure?.destroy();
      raw.destroy();
      resolve();
    };
    const timer = setTimeout(done, WARM_UP_TIMEOUT_MS);
    const raw = net.connect({ host, port }, () => raw.write(`CONNECT ${WARM_UP_HOST}:443 HTTP/1.1\r\nHost: ${WARM_UP_HOST}:443\r\n\r\n`));
    raw.once('error', done);
    raw.once('data', (chunk: Buffer) => {
      if (!/^HTTP\/1\.[01] 200/.test(chunk.toString('latin1'))) return done();
      secure = tls.connect({ socket: raw, servername: WARM_UP_HOST, ca: caPem }, () => secure!.end(done));
      secure.once('error', done);
    });
  });
}
