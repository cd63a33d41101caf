/**
 * The certificate authority's contract (implementation in certs/ca.ts and certs/leaf.ts).
 * One root CA per data dir; one shared leaf key per process; leaves minted per host and cached.
 */
import type { SecureContext } from 'node:tls';
import type { CaInfo } from '../electron/common/api';

export interface LeafCertificate {
  /** PEM of the leaf certificate (not including the CA). */
  cert: string;
  /** PEM of the shared leaf private key. */
  key: string;
  /** A TLS context serving cert + CA chain, ready for SNICallback / tls.createServer. */
  context: SecureContext;
}

export interface CertificateAuthority {
  /** Root CA certificate, PEM. */
  readonly certPem: string;
  /** Where the PEM lives (ca.pem under the CA dir). */
  readonly certPath: string;
  info(): CaInfo;
  /** DER bytes of the root certificate (for `.cer`/`.crt` downloads, Windows and Android). */
  certDer(): Buffer;
  /** Minted once per host (DNS name or IP literal) and cached (LRU). */
  leafFor(host: string): LeafCertificate;
}
