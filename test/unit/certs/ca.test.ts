import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { CaFileError, caFiles, loadOrCreateCa, regenerateCa } from '../../../certs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const newCaDir = () => path.join(root, `data-${++dirCount}`, 'ca');
const posix = process.platform !== 'win32';
const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('loadOrCreateCa', () => {
  it('creates a root CA with private files on first start', async () => {
    const caDir = newCaDir();
    const ca = await loadOrCreateCa(caDir);
    const files = caFiles(caDir);
    const x509 = new X509Certificate(fs.readFileSync(files.cert));
    const info = ca.info();
    const lifetimeYears = (info.notAfter - Date.parse(x509.validFrom)) / (365.25 * 24 * 3600 * 1000);
    assert.deepEqual(
      {
        created: ca.created,
        certPath: ca.certPath,
        keyPath: ca.keyPath,
        certPemOnDisk: fs.readFileSync(files.cert, 'utf8') === ca.certPem,
        modes: posix ? [mode(caDir), mode(files.cert), mode(files.key)] : 'not checked on Windows',
        isCa: x509.ca,
        selfSigned: x509.checkIssued(x509) && x509.verify(x509.publicKey),
        keyMatches: x509.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(files.key))),
        keyBits: x509.publicKey.asymmetricKeyDetails?.modulusLength,
        subjectShape: /^CN=Hindsight CA \(.+\), O=Hindsight$/.test(info.subject),
        info: { pem: info.pem, path: info.path, fingerprint: info.fingerprint, notAfter: info.notAfter },
        backdated: Date.parse(x509.validFrom) <= Date.now() - 23 * 3600 * 1000,
        tenYears: Math.round(lifetimeYears),
        der: ca.certDer().equals(x509.raw),
      },
      {
        created: true,
        certPath: files.cert,
        keyPath: files.key,
        certPemOnDisk: true,
        modes: posix ? [0o700, 0o600, 0o600] : 'not checked on Windows',
        isCa: true,
        selfSigned: true,
        keyMatches: true,
        keyBits: 2048,
        subjectShape: true,
        info: { pem: ca.certPem, path: files.cert, fingerprint: x509.fingerprint256, notAfter: Date.parse(x509.validTo) },
        backdated: true,
        tenYears: 10,
        der: true,
      },
    );
  });

  it('has the CA extensions: critical basicConstraints with pathlen 0, keyCertSign + cRLSign, an SKI', async () => {
    const ca = await loadOrCreateCa(newCaDir());
    const cert = forge.pki.certificateFromPem(ca.certPem);
    const pick = (name: string) => cert.getExtension(name) as Record<string, unknown>;
    const bc = pick('basicConstraints');
    const ku = pick('keyUsage');
    const ski = pick('subjectKeyIdentifier');
    assert.deepEqual(
      {
        bc: { critical: bc.critical, cA: bc.cA, pathLen: bc.pathLenConstraint },
        ku: { critical: ku.critical, keyCertSign: ku.keyCertSign, cRLSign: ku.cRLSign, digitalSignature: ku.digitalSignature },
        ski: ski.subjectKeyIdentifier,
        serialPositive: parseInt(cert.serialNumber.slice(0, 2), 16) < 0x80,
      },
      {
        bc: { critical: true, cA: true, pathLen: 0 },
        ku: { critical: true, keyCertSign: true, cRLSign: true, digitalSignature: false },
        ski: cert.generateSubjectKeyIdentifier().toHex(),
        serialPositive: true,
      },
    );
  });

  it('reuses an existing CA, re-asserting its file modes', async () => {
    const caDir = newCaDir();
    const first = await loadOrCreateCa(caDir);
    const files = caFiles(caDir);
    if (posix) {
      fs.chmodSync(files.key, 0o644);
      fs.chmodSync(caDir, 0o755);
    }
    const second = await loadOrCreateCa(caDir);
    assert.deepEqual(
      { created: second.created, info: second.info(), modes: posix ? [mode(caDir), mode(files.key)] : null },
      { created: false, info: first.info(), modes: posix ? [0o700, 0o600] : null },
    );
  });

  it('gives each data dir its own CA (key, serial, fingerprint)', async () => {
    const [a, b] = [await loadOrCreateCa(newCaDir()), await loadOrCreateCa(newCaDir())];
    const [xa, xb] = [new X509Certificate(a.certPem), new X509Certificate(b.certPem)];
    assert.notEqual(a.info().fingerprint, b.info().fingerprint);
    assert.notEqual(xa.serialNumber, xb.serialNumber);
    assert.notEqual(xa.publicKey.export({ format: 'der', type: 'spki' }).toString('hex'), xb.publicKey.export({ format: 'der', type: 'spki' }).toString('hex'));
    assert.notEqual(a.info().subject, b.info().subject);
  });

  it('settles on one CA when two loads race on a fresh dir', async () => {
    const caDir = newCaDir();
    const cas = await Promise.all([loadOrCreateCa(caDir), loadOrCreateCa(caDir), loadOrCreateCa(caDir)]);
    const onDisk = fs.readFileSync(caFiles(caDir).cert, 'utf8');
    assert.deepEqual(
      { pems: cas.map((ca) => ca.certPem === onDisk), created: cas.filter((ca) => ca.created).length, leftovers: fs.readdirSync(caDir).sort() },
      { pems: [true, true, true], created: 1, leftovers: ['ca.key', 'ca.pem'] },
    );
  });

  it('uses the given common name', async () => {
    const ca = await loadOrCreateCa(newCaDir(), { commonName: 'Team proxy CA' });
    assert.equal(ca.info().subject, 'CN=Team proxy CA, O=Hindsight');
  });
});

describe('broken CA files are reported by name and left alone', () => {
  async function expectFileError(caDir: string, file: string, pattern: RegExp): Promise<void> {
    const before = fs.readdirSync(caDir).map((f) => [f, fs.readFileSync(path.join(caDir, f), 'utf8')]);
    await assert.rejects(loadOrCreateCa(caDir), (err: unknown) => {
      assert.ok(err instanceof CaFileError, String(err));
      assert.equal(err.file, file);
      assert.ok(err.message.includes(file), err.message);
      assert.match(err.message, pattern);
      return true;
    });
    const afterwards = fs.readdirSync(caDir).map((f) => [f, fs.readFileSync(path.join(caDir, f), 'utf8')]);
    assert.deepEqual(afterwards, before, 'the files must not be touched');
  }

  it('a corrupt ca.pem', async () => {
    const caDir = newCaDir();
    await loadOrCreateCa(caDir);
    fs.writeFileSync(caFiles(caDir).cert, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
    await expectFileError(caDir, caFiles(caDir).cert, /cannot be read.*--regenerate/);
  });

  it('a corrupt ca.key', async () => {
    const caDir = newCaDir();
    await loadOrCreateCa(caDir);
    fs.writeFileSync(caFiles(caDir).key, 'garbage');
    await expectFileError(caDir, caFiles(caDir).key, /cannot be read/);
  });

  it('a ca.key from another CA', async () => {
    const [one, two] = [newCaDir(), newCaDir()];
    await loadOrCreateCa(one);
    await loadOrCreateCa(two);
    fs.copyFileSync(caFiles(two).key, caFiles(one).key);
    await expectFileError(one, caFiles(one).key, /does not belong to the certificate/);
  });

  it('a ca.pem whose ca.key is missing', async () => {
    const caDir = newCaDir();
    await loadOrCreateCa(caDir);
    fs.rmSync(caFiles(caDir).key);
    await expectFileError(caDir, caFiles(caDir).key, /is missing/);
  });

  it('a ca.key whose ca.pem never appears (an interrupted first start)', async () => {
    const caDir = newCaDir();
    await loadOrCreateCa(caDir);
    fs.rmSync(caFiles(caDir).cert);
    await expectFileError(caDir, caFiles(caDir).cert, /is missing/);
  });

  it('a certificate that is not a CA', async () => {
    const caDir = newCaDir();
    const ca = await loadOrCreateCa(caDir);
    fs.writeFileSync(caFiles(caDir).cert, ca.leafFor('example.test').cert);
    await expectFileError(caDir, caFiles(caDir).cert, /not a CA certificate/);
  });
});

describe('regenerateCa', () => {
  it('replaces the CA and keeps the old files aside', async () => {
    const caDir = newCaDir();
    const old = await loadOrCreateCa(caDir);
    const oldKey = fs.readFileSync(caFiles(caDir).key, 'utf8');
    const { ca, movedAside } = await regenerateCa(caDir);
    const again = await regenerateCa(caDir); // a second regeneration must not overwrite the first aside copies
    assert.notEqual(ca.info().fingerprint, old.info().fingerprint);
    assert.deepEqual(
      {
        created: ca.created,
        aside: movedAside.map((f) => path.basename(f).replace(/replaced-.*$/, 'replaced-…')),
        oldPem: fs.readFileSync(movedAside[0], 'utf8') === old.certPem,
        oldKey: fs.readFileSync(movedAside[1], 'utf8') === oldKey,
        files: fs.readdirSync(caDir).length,
        reload: (await loadOrCreateCa(caDir)).info().fingerprint,
      },
      {
        created: true,
        aside: ['ca.pem.replaced-…', 'ca.key.replaced-…'],
        oldPem: true,
        oldKey: true,
        files: 6,
        reload: again.ca.info().fingerprint,
      },
    );
  });

  it('creates a CA where there was none', async () => {
    const { ca, movedAside } = await regenerateCa(newCaDir());
    assert.deepEqual({ created: ca.created, movedAside }, { created: true, movedAside: [] });
  });
});
