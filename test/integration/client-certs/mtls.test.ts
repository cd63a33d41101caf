// Client certificates (mTLS) through the real proxy: an origin that demands a client certificate (made with
// node-forge here) answers 403 without a rule, 200 with a PEM rule and with a PKCS#12 rule; the flow names
// the certificate; the key lives in an owner-only file, not in the rule; a wrong passphrase is refused.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import type tls from 'node:tls';
import forge from 'node-forge';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl, pemFile } from '../capture/clients';

interface Issued {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** A certificate for `cn`, self-signed (a CA) or signed by `issuer`; RSA keys from Node's crypto (fast). */
function issue(cn: string, issuer?: Issued, options: { ca?: boolean; dns?: string } = {}): Issued {
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

let serverCa: Issued;
let client: Issued;
let origin: https.Server;
let port: number;
let proxy: TestCore;
let proxyCa: { file: string; dispose(): void };

before(async () => {
  serverCa = issue('mTLS test server CA', undefined, { ca: true });
  const server = issue('mtls.test', serverCa, { dns: 'mtls.test' });
  const clientCa = issue('mTLS test client CA', undefined, { ca: true });
  client = issue('hindsight-test-client', clientCa);
  origin = https.createServer({ key: server.keyPem, cert: server.certPem, ca: clientCa.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as tls.TLSSocket;
    if (!socket.authorized) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      return res.end('client certificate required');
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end(`hello ${socket.getPeerCertificate().subject.CN}`);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  port = (origin.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((resolve) => origin.close(() => resolve())));
beforeEach(async () => {
  proxy = await startTestCore({ upstreamCa: [serverCa.certPem] });
  proxyCa = pemFile(proxy.caPem);
});
afterEach(async () => {
  await proxy.dispose();
  proxyCa.dispose();
});

const url = () => `https://mtls.test:${port}/`;
const hostMatcher = [{ type: 'host', host: 'mtls.test' }];

describe('client certificates (mTLS)', () => {
  test('without a rule the origin refuses; a PEM rule presents the certificate, kept in an owner-only file', async () => {
    const before = await curl(proxy.proxyUrl, [url()], { caFile: proxyCa.file });
    const saved = await proxy.core.rules.store.save({ name: 'mtls pem', matchers: hostMatcher, action: { type: 'client-certificate', pem: `${client.certPem}\n${client.keyPem}` } });
    const after = await curl(proxy.proxyUrl, [url()], { caFile: proxyCa.file });
    assert.deepEqual([before.status, before.body, after.status, after.body], [403, 'client certificate required', 200, 'hello hindsight-test-client']);
    const action = saved.rule.action as { certificate: string };
    assert.deepEqual(saved.rule.action, { type: 'client-certificate', certificate: action.certificate, subject: 'CN=hindsight-test-client' });
    const dir = path.join(proxy.dataDir, 'client-certs');
    const file = path.join(dir, `${action.certificate}.json`);
    assert.deepEqual([fs.statSync(dir).mode & 0o777, fs.statSync(file).mode & 0o777, fs.readFileSync(path.join(proxy.dataDir, 'rules.db'), 'utf8').includes('PRIVATE KEY')], [0o700, 0o600, false]);
    const flows = await proxy.finishedFlows(2);
    assert.deepEqual(
      flows.map((f) => ({ status: f.response?.status, cert: f.clientCertificate, applied: f.appliedRules.map((a) => a.kind) })),
      [
        { status: 403, cert: undefined, applied: [] },
        { status: 200, cert: 'CN=hindsight-test-client', applied: ['client-certificate'] },
      ],
    );
  });

  test('a PKCS#12 file with its passphrase works; a wrong passphrase is refused on save naming the field', async () => {
    const p12 = forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(client.key, [client.cert], 'open sesame', { algorithm: '3des' })).getBytes();
    const pkcs12 = forge.util.encode64(p12);
    await assert.rejects(proxy.core.rules.store.save({ name: 'mtls p12', matchers: hostMatcher, action: { type: 'client-certificate', pkcs12, passphrase: 'wrong' } }), (err: Error & { fields?: { field: string }[] }) => {
      assert.deepEqual(err.fields?.map((f) => f.field), ['action.passphrase']);
      assert.match(err.message, /^invalid rule: action\.passphrase: is wrong for this PKCS#12 file/);
      return true;
    });
    assert.equal(fs.existsSync(path.join(proxy.dataDir, 'client-certs')), false);
    await proxy.core.rules.store.save({ name: 'mtls p12', matchers: hostMatcher, action: { type: 'client-certificate', pkcs12, passphrase: 'open sesame' } });
    const r = await curl(proxy.proxyUrl, [url()], { caFile: proxyCa.file });
    assert.deepEqual([r.status, r.body], [200, 'hello hindsight-test-client']);
    const [flow] = await proxy.finishedFlows(1);
    assert.equal(flow.clientCertificate, 'CN=hindsight-test-client');
  });

  test('a PEM whose key does not belong to the certificate is refused naming action.pem', async () => {
    const other = issue('someone else', serverCa);
    await assert.rejects(proxy.core.rules.store.save({ name: 'bad', matchers: hostMatcher, action: { type: 'client-certificate', pem: `${client.certPem}\n${other.keyPem}` } }), /action\.pem: the certificate and private key cannot be used together/);
  });
});
