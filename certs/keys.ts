// RSA keys, generated natively and asynchronously so that creating a CA or the leaf key never blocks startup.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const generateKeyPair = promisify(crypto.generateKeyPair);

export interface PemKeyPair {
  /** SPKI PEM. */
  publicKey: string;
  /** PKCS#8 PEM, unencrypted (protected by file mode 0600 when stored). */
  privateKey: string;
}

export function generateRsaKeyPair(): Promise<PemKeyPair> {
  return generateKeyPair('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}
