/**
 * Private certificate authorities the proxy trusts for servers' TLS, besides the system's roots and
 * NODE_EXTRA_CA_CERTS (a company CA, a staging server's own CA). Two places name them:
 * - the setting: `upstream-ca.pem` in the data folder, a PEM bundle read at every start by the desktop app
 *   and `hindsight serve` alike;
 * - `hindsight serve --upstream-ca FILE` (repeatable), for this run.
 * A file must hold at least one PEM certificate that parses; anything else is refused with the file named,
 * rather than started without it and every HTTPS request to that server failing later.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { dataPaths } from '../paths';

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
  const certs = text.match(PEM_CERTIFICATE) ?? [];
  if (certs.length === 0) throw new UpstreamCaError(`${file}: holds no PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)`);
  certs.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new UpstreamCaError(`${file}: certificate ${i + 1} cannot be parsed (${(err as Error).message})`);
    }
  });
  return certs;
}

/** The data folder's setting, when the file is there. */
export function upstreamCaSetting(dataDir: string): { file: string; certs: string[] } | undefined {
  const file = dataPaths(dataDir).upstreamCa;
  if (!fs.existsSync(file)) return undefined;
  return { file, certs: readUpstreamCaFile(file) };
}
