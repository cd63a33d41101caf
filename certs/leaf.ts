/**
 * Leaf certificates for the hosts the proxy intercepts. Every leaf shares ONE key per process (as mitmproxy and
 * HTTP Toolkit do): generating an RSA key per host would cost tens of milliseconds, and the key never leaves
 * memory. forge builds each certificate, Node signs it (./sign.ts), and the result is cached per host (LRU)
 * together with a ready TLS context, so a host costs a few milliseconds once and nothing afterwards.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { generateRsaKeyPair } from './keys';
import { LruCache } from '../electron/common/lru';
import { DAY_MS, certificatePemFromDer, forgePublicKeyFromPem, randomSerialHex, signCertificate } from './sign';
import type { LeafCertificate } from './types';

export interface LeafKey {
  /** PKCS#8 PEM, handed to TLS contexts. */
  privateKeyPem: string;
  /** forge's view of the public half, put into every leaf. */
  publicKey: forge.pki.PublicKey;
}

let leafKeyPromise: Promise<LeafKey> | undefined;

/** The process-wide leaf key, generated on first use; every CA in this process shares it. */
export function sharedLeafKey(): Promise<LeafKey> {
  if (!leafKeyPromise) {
    const pending = generateRsaKeyPair().then(({ publicKey, privateKey }) => ({
      privateKeyPem: privateKey,
      publicKey: forgePublicKeyFromPem(publicKey),
    }));
    // A failed generation must not stick: the next caller tries again.
    pending.catch(() => {
      if (leafKeyPromise === pending) leafKeyPromise = undefined;
    });
    leafKeyPromise = pending;
  }
  return leafKeyPromise;
}

/** What a leaf needs from its CA, parsed once (never per host). */
export interface Issuer {
  /** The CA certificate as forge parsed it: its subject is every leaf's issuer, its key id their AKI. */
  cert: forge.pki.Certificate;
  certPem: string;
  key: KeyObject;
}

export interface LeafMinterOptions {
  /** Hosts kept in the cache; default 1000. */
  cacheSize?: number;
  /** Clock (epoch ms), for tests of renewal; default Date.now. */
  now?: () => number;
}

/** Total validity of a leaf. Apple and browsers refuse server certificates valid for more than 398 days. */
export const LEAF_VALIDITY_DAYS = 365;
const COMMON_NAME_MAX = 64; // ub-common-name (RFC 5280)

interface CachedLeaf {
  leaf: LeafCertificate;
  /** Minted again after this (a day before it expires), so a long-running proxy never serves an expired leaf. */
  renewAfter: number;
}

export class LeafMinter {
  private readonly cache: LruCache<string, CachedLeaf>;
  private readonly now: () => number;
  /** The extensions every leaf shares, encoded once; only the SAN differs per host. */
  private readonly sharedExtensions: unknown[];
  private readonly issuerNotAfter: number;

  constructor(
    private readonly issuer: Issuer,
    private readonly key: LeafKey,
    options: LeafMinterOptions = {},
  ) {
    this.cache = new LruCache(options.cacheSize ?? 1000);
    this.now = options.now ?? Date.now;
    this.issuerNotAfter = issuer.cert.validity.notAfter.getTime();
    const template = forge.pki.createCertificate();
    template.publicKey = key.publicKey;
    template.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: issuerKeyIdentifier(issuer.cert) },
    ]);
    this.sharedExtensions = template.extensions;
  }

  /** Hosts currently cached. */
  get cachedHosts(): number {
    return this.cache.size;
  }

  leafFor(host: string): LeafCertificate {
    const name = normalizeHost(host);
    const now = this.now();
    const cached = this.cache.get(name);
    if (cached && cached.renewAfter > now) return cached.leaf;
    const minted = this.mint(name, now);
    this.cache.set(name, minted);
    return minted.leaf;
  }

  private mint(name: string, now: number): CachedLeaf {
    const notBefore = now - DAY_MS; // tolerate a client clock that runs a little behind
    const notAfter = Math.min(notBefore + LEAF_VALIDITY_DAYS * DAY_MS, this.issuerNotAfter);
    const cert = forge.pki.createCertificate();
    cert.serialNumber = randomSerialHex();
    cert.validity.notBefore = new Date(notBefore);
    cert.validity.notAfter = new Date(notAfter);
    cert.setSubject([{ shortName: 'CN', value: name.slice(0, COMMON_NAME_MAX) }]);
    cert.setIssuer(this.issuer.cert.subject.attributes);
    cert.publicKey = this.key.publicKey;
    const altName = net.isIP(name) ? { type: 7, ip: name } : { type: 2, value: name };
    cert.setExtensions([...this.sharedExtensions, { name: 'subjectAltName', altNames: [altName] }]);
    const certPem = certificatePemFromDer(signCertificate(cert, this.issuer.key));
    const context = tls.createSecureContext({ key: this.key.privateKeyPem, cert: certPem + this.issuer.certPem });
    return { leaf: { cert: certPem, key: this.key.privateKeyPem, context }, renewAfter: notAfter - DAY_MS };
  }
}

/** The CA's own key id (its SKI extension, or the RFC 5280 method-1 hash when it has none), as forge bytes. */
function issuerKeyIdentifier(caCert: forge.pki.Certificate): string {
  const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  return ski?.subjectKeyIdentifier ? forge.util.hexToBytes(ski.subjectKeyIdentifier) : caCert.generateSubjectKeyIdentifier().getBytes();
}

/**
 * The cache key and certificate name for a host as a CONNECT line or SNI gives it: lower case, without IPv6
 * brackets, zone id or a trailing dot. Anything that is not printable ASCII cannot be a DNS name (IDNs arrive
 * as punycode) and is refused rather than put into a certificate.
 */
export function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  const zone = name.indexOf('%');
  if (zone > 0 && net.isIPv6(name.slice(0, zone))) name = name.slice(0, zone);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (!/^[\x21-\x7e]+$/.test(name)) throw new Error(`Cannot mint a certificate for host ${JSON.stringify(host)}`);
  return name;
}
