/**
 * Private certificate authorities the proxy trusts for servers' TLS, besides the system's roots and
 * NODE_EXTRA_CA_CERTS (a company CA, a staging server's own CA). Two places name them:
 * - the setting: `upstream-ca.pem` in the data folder, a PEM bundle read at every start by the desktop app
 *   and `hindsight serve` alike, and changed from Settings → Server CAs (upstreamCa.set) without a restart;
 * - `hindsight serve --upstream-ca FILE` (repeatable), for this run.
 * A file must hold at least one PEM certificate that parses; anything else is refused with the file named,
 * rather than started without it and every HTTPS request to that server failing later.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type { CertificateSummary, UpstreamCaInfo } from '../../common/api';
import { dataPaths } from '../paths';
import { writePrivateFileAtomic } from '../private-files';

export class UpstreamCaError extends Error {
  override name = 'UpstreamCaError';
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates (PEM) of one file; throws UpstreamCaError naming the file and what is wrong. */
export function readUpstreamCaFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UpstreamCaError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return parseUpstreamCaPem(text, file);
}

/** The certificates of a PEM bundle; throws UpstreamCaError starting with `source` when one is missing or bad. */
export function parseUpstreamCaPem(text: string, source: string): string[] {
  const certs = text.match(PEM_CERTIFICATE) ?? [];
  if (certs.length === 0) throw new UpstreamCaError(`${source}: holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)`);
  certs.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new UpstreamCaError(`${source}: certificate ${i + 1} cannot be parsed (${(err as Error).message})`);
    }
  });
  return certs;
}

/** What the Settings list shows of one trusted certificate. */
export function describeCertificate(pem: string): CertificateSummary {
  const cert = new X509Certificate(pem);
  return {
    subject: distinguishedName(cert.subject),
    issuer: distinguishedName(cert.issuer),
    notAfter: Date.parse(cert.validTo),
    fingerprint: cert.fingerprint256,
    pem,
  };
}

/** X509Certificate prints names one attribute per line ("CN=…\nO=…"); one line reads better in a list. */
function distinguishedName(text: string): string {
  return text.split('\n').filter(Boolean).join(', ');
}

/**
 * Replaces the data folder's setting with `text` (a PEM bundle), after checking every certificate in it:
 * a bundle that would not load at the next start is never written. Returns the certificates.
 */
export function saveUpstreamCaSetting(dataDir: string, text: string): string[] {
  const certs = parseUpstreamCaPem(text, 'pem');
  writePrivateFileAtomic(dataPaths(dataDir).upstreamCa, `${certs.join('\n')}\n`);
  return certs;
}

/** Removes the data folder's setting (no error when there is none). */
export function removeUpstreamCaSetting(dataDir: string): void {
  fs.rmSync(dataPaths(dataDir).upstreamCa, { force: true });
}

/** The data folder's setting, when the file is there. */
export function upstreamCaSetting(dataDir: string): { file: string; certs: string[] } | undefined {
  const file = dataPaths(dataDir).upstreamCa;
  if (!fs.existsSync(file)) return undefined;
  return { file, certs: readUpstreamCaFile(file) };
}

/** The setting as the API sees it: read, replaced and removed while the proxy runs. */
export interface UpstreamCaService {
  info(): UpstreamCaInfo;
  /** Checks and saves a PEM bundle, then trusts it for new upstream connections; throws UpstreamCaError. */
  save(pem: string): UpstreamCaInfo;
  clear(): UpstreamCaInfo;
}

/**
 * `fromFlags`: this run's --upstream-ca certificates; `saved`: the setting's, read at start; `apply` gives
 * the proxy every certificate to trust after a change.
 */
export function createUpstreamCaService(options: { dataDir: string; fromFlags: string[]; saved: string[]; apply: (certs: string[]) => void }): UpstreamCaService {
  const { dataDir, fromFlags } = options;
  let saved = options.saved;
  const info = (): UpstreamCaInfo => ({
    file: dataPaths(dataDir).upstreamCa,
    saved: saved.map(describeCertificate),
    fromFlags: fromFlags.map(describeCertificate),
  });
  return {
    info,
    save(pem) {
      saved = saveUpstreamCaSetting(dataDir, pem);
      options.apply([...fromFlags, ...saved]);
      return info();
    },
    clear() {
      removeUpstreamCaSetting(dataDir);
      saved = [];
      options.apply(fromFlags);
      return info();
    },
  };
}
