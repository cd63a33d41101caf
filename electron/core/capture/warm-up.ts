/**
 * One intercepted exchange through the proxy itself, right after it starts listening and before it is
 * announced, so the first client does not pay for what runs cold once per process. On the client's side: the
 * CONNECT path, the first certificate minted (node-forge's ASN.1 code, a TLS context), both ends of a TLS
 * handshake, the HTTP/1.1 server inside a tunnel. On the server's side: the forwarder (forward.ts) and the
 * recorder's code, an upstream TLS connection (Node's TLS client, its certificate check, the https Agent) and
 * the parse of a response streamed back. Left to the first real client, that was a first request ten to a
 * hundred times slower than the next (issue 16: the p99 of the first request to a new host was that one).
 *
 * The exchange goes to an origin the warm-up starts for it on 127.0.0.1 under a reserved name its Upstream
 * resolves itself (no resolver is asked) and closes after it; nothing leaves the machine. The proxy forwards it with `context`: no rules,
 * network conditions, upstream proxies or client certificates (proxy.ts routes the warm-up's connection there
 * and skips passthrough rules for it), a recorder that keeps nothing (its sink and bodies drop what they
 * get), and an Upstream of its own that trusts only Hindsight's CA, whose leaf for that name the origin
 * presents: that trust is for this one connection, never added to the proxy's or the user's.
 *
 * Should the origin not listen, the request goes to the setup page's host (setup-page.ts), which the proxy
 * answers itself; in reverse mode, where that page is not served, only the handshake is warmed then.
 * Bounded in time; a failure (a client allow-list that refuses this machine, say) only leaves the warm-up
 * undone.
 */
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { CertificateAuthority } from '../../../certs/types';
import { emptyBody } from '../../common/flow';
import type { ForwardContext } from './forward';
import { Recorder } from './recorder';
import { SETUP_HOST } from './setup-page';
import { plainIp } from './target';
import { Upstream } from './upstream';

const WARM_UP_TIMEOUT_MS = 3_000;
/** Where the warm-up's origin listens: loopback only. */
const ORIGIN_ADDRESS = '127.0.0.1';
/**
 * The name the warm-up asks for: `.invalid` never resolves anywhere (RFC 6761), and the warm-up's Upstream
 * answers it (with ORIGIN_ADDRESS) itself, refusing every other name. A name, not the address, because real
 * requests name their hosts: SNI, a DNS-name leaf, the TLS identity check, the lookup path, and Node's
 * net.isIP() on a name run warm too (its IPv6 pattern is compiled by V8 on the first test of a name and again,
 * to native code, on the second: about 3 ms each here).
 */
const ORIGIN_NAME = 'warm-up.hindsight.invalid';

export interface WarmUpOptions {
  /** The address the proxy listens on, and its port. */
  listenHost: string;
  port: number;
  ca: CertificateAuthority;
  /** How the proxy answers its setup page (absent in reverse mode): the fallback target when the origin cannot listen. */
  setupPage?: ForwardContext['setupPage'];
  isSelf: ForwardContext['isSelf'];
}

export interface WarmUp {
  done: Promise<void>;
  /** True for the proxy's side of the warm-up's own connection (its peer is the warm-up's client socket). */
  isWarmUp(socket: net.Socket): boolean;
  /** How the proxy forwards the warm-up's request (see above); disposed when `done` resolves. */
  readonly context: ForwardContext;
}

/** Where the warm-up's client goes through the proxy, and what it asks there (no request: the handshake only). */
interface WarmUpTarget {
  authority: string;
  /** The name the client checks the proxy's certificate against (and sends as SNI when it is not an IP). */
  host: string;
  request?: string;
}

export function warmUpProxy(options: WarmUpOptions): WarmUp {
  const proxyHost = options.listenHost === '0.0.0.0' ? '127.0.0.1' : options.listenHost === '::' ? '::1' : options.listenHost;
  const upstream = new Upstream({ trustOnly: [options.ca.certPem], lookup: originLookup, timeoutMs: WARM_UP_TIMEOUT_MS });
  const context: ForwardContext = { upstream, recorder: discardingRecorder(), isSelf: options.isSelf, setupPage: options.setupPage };
  let client: { address: string; port: number } | undefined;
  const done = new Promise<void>((resolve) => {
    let finished = false;
    const cleanups: (() => void)[] = [() => upstream.dispose()];
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      client = undefined;
      for (const cleanup of cleanups) cleanup();
      resolve();
    };
    const timer = setTimeout(finish, WARM_UP_TIMEOUT_MS);
    const fallback: WarmUpTarget = { authority: `${SETUP_HOST}:443`, host: SETUP_HOST, request: options.setupPage ? `GET /ca.pem HTTP/1.1\r\nHost: ${SETUP_HOST}\r\n` : undefined };
    const exchange = (target: WarmUpTarget) => {
      if (finished) return;
      let secure: tls.TLSSocket | undefined;
      const raw = net.connect({ host: proxyHost, port: options.port }, () => {
        client = { address: plainIp(raw.localAddress ?? ''), port: raw.localPort ?? 0 };
        raw.write(`CONNECT ${target.authority} HTTP/1.1\r\nHost: ${target.authority}\r\n\r\n`);
      });
      cleanups.push(() => {
        secure?.destroy();
        raw.destroy();
      });
      raw.once('error', finish);
      raw.once('data', (chunk: Buffer) => {
        if (!/^HTTP\/1\.[01] 200/.test(chunk.toString('latin1'))) return finish();
        const servername = net.isIP(target.host) ? undefined : target.host;
        secure = tls.connect({ socket: raw, host: target.host, servername, ca: options.ca.certPem }, () => {
          if (!target.request) return secure!.end(finish);
          // The proxy closes the connection after its answer (Connection: close): the end of the answer ends the warm-up.
          secure!.write(`${target.request}Connection: close\r\n\r\n`);
          secure!.resume();
          secure!.once('end', finish);
        });
        secure.once('error', finish);
        secure.once('close', finish);
      });
    };
    startOrigin(options.ca).then(
      (origin) => {
        if (finished) return origin.close();
        cleanups.push(origin.close);
        const authority = `${ORIGIN_NAME}:${origin.port}`;
        exchange({ authority, host: ORIGIN_NAME, request: `GET / HTTP/1.1\r\nHost: ${authority}\r\n` });
      },
      () => exchange(fallback),
    );
  });
  return {
    done,
    context,
    isWarmUp: (socket) => client !== undefined && socket.remotePort === client.port && plainIp(socket.remoteAddress ?? '') === client.address,
  };
}

/**
 * The warm-up's origin: HTTPS on 127.0.0.1, port 0, with the CA's leaf for ORIGIN_NAME; one small answer.
 * Async, so that anything thrown while it is made rejects (the warm-up then falls back) instead of escaping.
 */
async function startOrigin(ca: CertificateAuthority): Promise<{ port: number; close(): void }> {
  const leaf = ca.leafFor(ORIGIN_NAME);
  const server = https.createServer({ key: leaf.key, cert: leaf.cert }, (req, res) => {
    req.resume();
    res.end('Hindsight warm-up\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, ORIGIN_ADDRESS, () => {
      server.off('error', reject);
      // Errors after the start (a reset from the proxy's side) only end the warm-up early.
      server.on('error', () => {});
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close() {
          server.closeAllConnections();
          server.close();
        },
      });
    });
  });
}

/** The warm-up's own answer for ORIGIN_NAME, asynchronous like DNS; any other name fails, and nothing is asked of a resolver. */
const originLookup: net.LookupFunction = (hostname, lookupOptions, callback) => {
  const all = typeof lookupOptions === 'object' && lookupOptions?.all === true;
  setImmediate(() => {
    if (hostname.toLowerCase() !== ORIGIN_NAME) return (callback as (err: Error) => void)(Object.assign(new Error(`warm-up: ${hostname} is not the warm-up's origin`), { code: 'ENOTFOUND', hostname }));
    if (all) return (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: ORIGIN_ADDRESS, family: 4 }]);
    (callback as (err: null, address: string, family: number) => void)(null, ORIGIN_ADDRESS, 4);
  });
};

/** Builds and updates the warm-up's flow with the recorder's own code, and keeps none of it. */
function discardingRecorder(): Recorder {
  return new Recorder({
    sink: { flowStarted() {}, flowUpdated() {} },
    bodies: { open: () => ({ write() {}, end: emptyBody }), read: async () => Buffer.alloc(0), remove: async () => {} },
    nextSeq: () => 0,
  });
}
