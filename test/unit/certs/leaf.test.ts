import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { LEAF_VALIDITY_DAYS, LeafMinter, loadOrCreateCa, normalizeHost, sharedLeafKey } from '../../../certs';
import type { LoadedCa } from '../../../certs';

const DAY = 24 * 3600 * 1000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
let ca: LoadedCa;
let caX509: X509Certificate;
before(async () => {
  ca = await loadOrCreateCa(path.join(root, 'ca'));
  caX509 = new X509Certificate(ca.certPem);
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** The keyIdentifier inside an AuthorityKeyIdentifier extension, hex. */
function authorityKeyId(pem: string): string {
  const ext = forge.pki.certificateFromPem(pem).getExtension('authorityKeyIdentifier') as { value: string };
  const seq = forge.asn1.fromDer(ext.value);
  return forge.util.bytesToHex((seq.value as forge.asn1.Asn1[])[0].value as string);
}

function describeLeaf(pem: string) {
  const leaf = new X509Certificate(pem);
  const forgeLeaf = forge.pki.certificateFromPem(pem);
  const bc = forgeLeaf.getExtension('basicConstraints') as { cA?: boolean; critical?: boolean };
  const ku = forgeLeaf.getExtension('keyUsage') as Record<string, boolean>;
  const validFrom = Date.parse(leaf.validFrom);
  const validTo = Date.parse(leaf.validTo);
  return {
    issuedByCa: leaf.checkIssued(caX509),
    signatureValid: leaf.verify(caX509.publicKey),
    san: leaf.subjectAltName,
    subject: leaf.subject,
    issuer: leaf.issuer === caX509.subject,
    isCa: leaf.ca,
    basicConstraints: { cA: bc.cA ?? false, critical: bc.critical },
    keyUsage: { critical: ku.critical, digitalSignature: ku.digitalSignature, keyEncipherment: ku.keyEncipherment, keyCertSign: ku.keyCertSign },
    extKeyUsage: leaf.keyUsage,
    under398Days: validTo - validFrom < 398 * DAY,
    validityDays: Math.round((validTo - validFrom) / DAY),
    backdated: validFrom <= Date.now() - 23 * 3600 * 1000 && validFrom >= Date.now() - 2 * DAY,
    serialPositive: parseInt(leaf.serialNumber.slice(0, 2), 16) < 0x80,
    authorityKeyId: authorityKeyId(pem),
  };
}

function expectedLeaf(san: string, cn: string) {
  const caSki = (forge.pki.certificateFromPem(ca.certPem).getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string }).subjectKeyIdentifier;
  return {
    issuedByCa: true,
    signatureValid: true,
    san,
    subject: `CN=${cn}`,
    issuer: true,
    isCa: false,
    basicConstraints: { cA: false, critical: true },
    keyUsage: { critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: false },
    extKeyUsage: ['1.3.6.1.5.5.7.3.1'],
    under398Days: true,
    validityDays: LEAF_VALIDITY_DAYS,
    backdated: true,
    serialPositive: true,
    authorityKeyId: caSki,
  };
}

describe('leafFor', () => {
  it('mints a server certificate for a DNS name, signed by the CA', () => {
    assert.deepEqual(describeLeaf(ca.leafFor('example.test').cert), expectedLeaf('DNS:example.test', 'example.test'));
  });

  it('puts IP literals into an IP address SAN (IPv4 and IPv6)', () => {
    assert.deepEqual(describeLeaf(ca.leafFor('127.0.0.1').cert), expectedLeaf('IP Address:127.0.0.1', '127.0.0.1'));
    assert.deepEqual(describeLeaf(ca.leafFor('[::1]').cert), expectedLeaf('IP Address:0:0:0:0:0:0:0:1', '::1'));
  });

  it('keeps a long host in the SAN and truncates the CN to 64 characters', () => {
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.example.test`;
    assert.deepEqual(describeLeaf(ca.leafFor(host).cert), expectedLeaf(`DNS:${host}`, host.slice(0, 64)));
  });

  it('uses one shared key for every leaf, matching the certificate', async () => {
    const a = ca.leafFor('a.example.test');
    const b = ca.leafFor('b.example.test');
    const shared = await sharedLeafKey();
    assert.deepEqual(
      { same: a.key === b.key, shared: a.key === shared.privateKeyPem, matches: new X509Certificate(a.cert).checkPrivateKey(createPrivateKey(a.key)) },
      { same: true, shared: true, matches: true },
    );
  });

  it('caches per host: the same host (any case) gives the same object', () => {
    const first = ca.leafFor('cache.example.test');
    assert.equal(ca.leafFor('cache.example.test'), first);
    assert.equal(ca.leafFor('CACHE.Example.TEST.'), first);
    assert.notEqual(ca.leafFor('other.example.test'), first);
  });

  it('refuses a host that cannot be a certificate name', () => {
    assert.throws(() => ca.leafFor(''), /Cannot mint a certificate/);
    assert.throws(() => ca.leafFor('bad host'), /Cannot mint a certificate/);
    assert.throws(() => ca.leafFor('exämple.test'), /Cannot mint a certificate/);
  });
});

describe('LeafMinter cache', () => {
  async function minter(options: { cacheSize?: number; now?: () => number }) {
    const forgeCert = forge.pki.certificateFromPem(ca.certPem);
    const key = createPrivateKey(fs.readFileSync(ca.keyPath));
    return new LeafMinter({ cert: forgeCert, certPem: ca.certPem, key }, await sharedLeafKey(), options);
  }

  it('evicts the least recently used host beyond its size', async () => {
    const m = await minter({ cacheSize: 2 });
    const a = m.leafFor('a.test');
    const b = m.leafFor('b.test');
    assert.equal(m.leafFor('a.test'), a); // a is now newer than b
    m.leafFor('c.test'); // evicts b
    assert.deepEqual(
      { size: m.cachedHosts, aKept: m.leafFor('a.test') === a, bReminted: m.leafFor('b.test') !== b },
      { size: 2, aKept: true, bReminted: true },
    );
  });

  it('mints again a day before a cached leaf expires', async () => {
    let now = Date.now();
    const m = await minter({ now: () => now });
    const first = m.leafFor('renew.test');
    now += (LEAF_VALIDITY_DAYS - 3) * DAY;
    assert.equal(m.leafFor('renew.test'), first);
    now += 2 * DAY;
    const renewed = m.leafFor('renew.test');
    assert.notEqual(renewed, first);
    assert.ok(Date.parse(new X509Certificate(renewed.cert).validTo) > now + 300 * DAY);
  });
});

describe('normalizeHost', () => {
  it('lower-cases and strips brackets, zone ids and a trailing dot', () => {
    assert.deepEqual(
      ['Example.TEST', 'example.test.', '[::1]', '[fe80::1%eth0]', ' 10.0.0.1 '].map(normalizeHost),
      ['example.test', 'example.test', '::1', 'fe80::1', '10.0.0.1'],
    );
  });
});
