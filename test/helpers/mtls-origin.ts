/**
 * An HTTPS origin that asks every client for a certificate (mTLS), on 127.0.0.1, port 0, as `mtls.test`:
 * a request or a WebSocket upgrade with a certificate its client CA signed gets 200 `hello <CN>` (a WebSocket
 * echoes `<CN>:<message>`); without one, 403 `client certificate required`. Certificates are made with
 * node-forge (RSA keys from Node's crypto, which is fast).
 */
import crypto from 'node:crypto';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import forge from 'node-forge';
import { WebSocketServer } from 'ws';

export interface Issued {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** A certificate for `cn`, self-signed (a CA) or signed by `issuer`. */
export function issue(cn: string, issuer?: Issued, options: { ca?: boolean; dns?: string } = {}): Issued {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{ name: 'commonName', value: cn }]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: !!options.ca },
    ...(options.dns ? [{ name: 'subjectAltName', altNames: [{ type: 2, value: options.dns }] }] : []),
  ]);
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  cert.sign(issuer ? issuer.key : key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey, cert, key };
}

export interface MtlsOrigin {
  port: number;
  /** The CA that signed the origin's certificate (what the proxy trusts upstream). */
  serverCa: Issued;
  /** A client certificate (CN `hindsight-test-client`) the origin accepts. */
  client: Issued;
  close(): Promise<void>;
}

const REFUSAL = 'client certificate required';

export async function startMtlsOrigin(): Promise<MtlsOrigin> {
  const serverCa = issue('mTLS test server CA', undefined, { ca: true });
  const server = issue('mtls.test', serverCa, { dns: 'mtls.test' });
  const clientCa = issue('mTLS test client CA', undefined, { ca: true });
  const client = issue('hindsight-test-client', clientCa);
  const commonName = (socket: tls.TLSSocket) => (socket.authorized ? String(socket.getPeerCertificate().subject.CN) : undefined);
  const origin = https.createServer({ key: server.keyPem, cert: server.certPem, ca: clientCa.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const cn = commonName(req.socket as tls.TLSSocket);
    res.writeHead(cn ? 200 : 403, { 'Content-Type': 'text/plain' });
    res.end(cn ? `hello ${cn}` : REFUSAL);
  });
  const wss = new WebSocketServer({ noServer: true });
  origin.on('upgrade', (req, socket: net.Socket, head: Buffer) => {
    const cn = commonName(socket as tls.TLSSocket);
    if (!cn) return socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${REFUSAL.length}\r\nConnection: close\r\n\r\n${REFUSAL}`);
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data) => ws.send(`${cn}:${data.toString()}`)));
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  return {
    port: (origin.address() as net.AddressInfo).port,
    serverCa,
    client,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      origin.closeAllConnections();
      await new Promise<void>((resolve) => origin.close(() => resolve()));
    },
  };
}
