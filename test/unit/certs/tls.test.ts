// Real TLS handshakes on loopback: a server picking leaves by SNI, clients that trust only the CA (or not).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { loadOrCreateCa } from '../../../certs';
import type { LoadedCa } from '../../../certs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
let ca: LoadedCa;
let otherCa: LoadedCa;
let server: tls.Server;
let port: number;
const servedNames: string[] = [];

before(async () => {
  ca = await loadOrCreateCa(path.join(root, 'one', 'ca'));
  otherCa = await loadOrCreateCa(path.join(root, 'two', 'ca'));
  server = tls.createServer({
    // Clients that send no SNI (IP literals) get the certificate for the address they connected to.
    SNICallback: (servername, done) => {
      servedNames.push(servername);
      done(null, ca.leafFor(servername).context);
    },
    key: ca.leafFor('127.0.0.1').key,
    cert: ca.leafFor('127.0.0.1').cert + ca.certPem,
  });
  server.on('secureConnection', (socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(root, { recursive: true, force: true });
});

interface HandshakeResult {
  authorized: boolean;
  error?: string;
  body?: string;
  subject?: string;
}

function handshake(options: tls.ConnectionOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, timeout: 30_000, ...options });
    let body = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (body += chunk));
    socket.on('end', () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      resolve({ authorized: socket.authorized, body, subject: Array.isArray(cn) ? cn.join(',') : cn });
      socket.destroy();
    });
    socket.on('timeout', () => socket.destroy(new Error('timeout')));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve({ authorized: false, error: err.code ?? err.message }));
  });
}

describe('TLS with minted leaves', () => {
  it('a client trusting only the CA accepts the leaf for an SNI name', async () => {
    const result = await handshake({ ca: ca.certPem, servername: 'example.test' });
    assert.deepEqual(result, { authorized: true, body: 'hello', subject: 'example.test' });
    assert.ok(servedNames.includes('example.test'));
  });

  it('a client trusting only the CA accepts the leaf for an IP literal', async () => {
    // No servername: Node sends no SNI for IP addresses, and checks the IP SAN against the host.
    const result = await handshake({ ca: ca.certPem });
    assert.deepEqual(result, { authorized: true, body: 'hello', subject: '127.0.0.1' });
  });

  it('a client with only the system roots refuses it', async () => {
    const result = await handshake({ servername: 'example.test' });
    assert.deepEqual(result, { authorized: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  it('a client trusting another Hindsight CA refuses it', async () => {
    const result = await handshake({ ca: otherCa.certPem, servername: 'example.test' });
    assert.deepEqual(result, { authorized: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  it('a leaf for one name does not pass for another', async () => {
    const result = await handshake({
      ca: ca.certPem,
      servername: 'example.test',
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity('other.test', cert),
    });
    assert.deepEqual(result, { authorized: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});
