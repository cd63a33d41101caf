/**
 * Signing node-forge certificates with Node's own crypto. forge builds the TBSCertificate (it handles the
 * ASN.1 and X.509 extensions well) but its pure-JS RSA signing costs a second or more per certificate on a
 * slow machine, which a proxy would pay on every first request to a host. OpenSSL signs in about a
 * millisecond, so forge never signs: we sign the TBS bytes natively and assemble the certificate DER here.
 */
import crypto, { type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const SHA256_WITH_RSA = forge.pki.oids.sha256WithRSAEncryption;

// Present in node-forge (lib/x509.js) but missing from @types/node-forge.
const getTBSCertificate = (forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 })
  .getTBSCertificate;

/** AlgorithmIdentifier { sha256WithRSAEncryption, NULL }: the same for every certificate, encoded once. */
const SIGNATURE_ALGORITHM_DER = Buffer.from(
  asn1
    .toDer(
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SHA256_WITH_RSA).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
      ]),
    )
    .getBytes(),
  'binary',
);

/** Signs `cert` (everything but the signature filled in) with an RSA key, sha256WithRSAEncryption; returns the DER. */
export function signCertificate(cert: forge.pki.Certificate, signerKey: KeyObject): Buffer {
  // The TBS names the signature algorithm too; it must match the outer AlgorithmIdentifier.
  cert.siginfo.algorithmOid = SHA256_WITH_RSA;
  const tbsDer = Buffer.from(asn1.toDer(getTBSCertificate(cert)).getBytes(), 'binary');
  const signature = crypto.sign('sha256', tbsDer, signerKey);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING (0 unused bits) }
  return derElement(0x30, [tbsDer, SIGNATURE_ALGORITHM_DER, derElement(0x03, [Buffer.of(0), signature])]);
}

function derElement(tag: number, content: Buffer[]): Buffer {
  const length = content.reduce((n, part) => n + part.length, 0);
  return Buffer.concat([Buffer.of(tag), derLength(length), ...content]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}

/**
 * A random 128-bit serial as forge wants it (hex). The top bit is cleared so the DER INTEGER is positive and
 * the next one set so it needs no leading zero byte (strict parsers reject non-minimal encodings).
 */
export function randomSerialHex(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

export function certificatePemFromDer(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return ['-----BEGIN CERTIFICATE-----', ...lines, '-----END CERTIFICATE-----', ''].join('\n');
}

/** forge's view of a PEM public key (forge needs it to put the key into a TBSCertificate). */
export function forgePublicKeyFromPem(pem: string): forge.pki.PublicKey {
  return forge.pki.publicKeyFromPem(pem);
}

export const DAY_MS = 24 * 60 * 60 * 1000;
