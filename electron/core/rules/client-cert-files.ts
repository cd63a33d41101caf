/**
 * Client certificates (mTLS) for client-certificate rules: the material a rule is saved with (PEM
 * certificate + key, or PKCS#12 with its passphrase) is checked by building the TLS context it will be
 * used in (so a wrong passphrase or a key that does not match is refused on save, naming the field), then
 * moved out of the rule into <data>/client-certs/<id>.json, owner-only (0600 in a 0700 folder) like the CA
 * key. The rule keeps the id and the certificate's subject; rules files, the API and share links never
 * carry the key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import type { ClientCertificateAction } from '../../common/connection-rule';
import type { FieldError } from '../../common/rule-validate';
import { mkdirPrivate, PRIVATE_FILE_MODE } from '../private-files';

/** What tls.createSecureContext needs to present the certificate. */
export type ClientIdentity = { cert: string; key: string; passphrase?: string } | { pfx: Buffer; passphrase: string };

interface StoredFile {
  format: 'pem' | 'pkcs12';
  pem?: string;
  pkcs12?: string;
  passphrase?: string;
}

export function clientCertsDir(dataDir: string): string {
  return path.join(dataDir, 'client-certs');
}

export class ClientCertificateError extends Error {
  constructor(readonly fields: FieldError[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join('; '));
  }
}

/**
 * For an action carrying new material: checks it, stores it, returns the reference action. Throws
 * ClientCertificateError naming `${at}.passphrase` or `${at}.pem`. Reference actions come back unchanged.
 */
export function storeClientCertificate(dataDir: string, action: ClientCertificateAction, at = 'action'): ClientCertificateAction {
  if (action.pem === undefined && action.pkcs12 === undefined) return action;
  const file: StoredFile = action.pkcs12 !== undefined ? { format: 'pkcs12', pkcs12: action.pkcs12, passphrase: action.passphrase ?? '' } : { format: 'pem', pem: action.pem, ...(action.passphrase ? { passphrase: action.passphrase } : {}) };
  const identity = identityOf(file);
  try {
    tls.createSecureContext(identity);
  } catch (err) {
    const reason = (err as Error).message;
    if (file.format === 'pkcs12') throw new ClientCertificateError([{ field: `${at}.passphrase`, message: `is wrong for this PKCS#12 file, or the file is damaged (${reason})` }]);
    throw new ClientCertificateError([{ field: `${at}.pem`, message: `the certificate and private key cannot be used together (${reason})` }]);
  }
  const subject = subjectOf(file);
  const id = crypto.randomUUID();
  const dir = clientCertsDir(dataDir);
  mkdirPrivate(dir);
  fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(file), { mode: PRIVATE_FILE_MODE });
  return { type: 'client-certificate', certificate: id, ...(subject ? { subject } : {}) };
}

/** The stored certificate's identity; throws when its file is gone or unreadable. */
export function loadClientIdentity(dataDir: string, id: string): ClientIdentity {
  const file = JSON.parse(fs.readFileSync(path.join(clientCertsDir(dataDir), `${id}.json`), 'utf8')) as StoredFile;
  return identityOf(file);
}

function identityOf(file: StoredFile): ClientIdentity {
  if (file.format === 'pkcs12') return { pfx: Buffer.from(file.pkcs12 ?? '', 'base64'), passphrase: file.passphrase ?? '' };
  const pem = file.pem ?? '';
  const cert = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).join('\n');
  const key = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/.exec(pem)?.[0] ?? '';
  return { cert, key, ...(file.passphrase ? { passphrase: file.passphrase } : {}) };
}

/** `CN=client, O=Acme` of the (first) certificate. */
function subjectOf(file: StoredFile): string | undefined {
  try {
    if (file.format === 'pem') {
      const first = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/.exec(file.pem ?? '')?.[0];
      return first ? new crypto.X509Certificate(first).subject.split('\n').join(', ') : undefined;
    }
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.decode64(file.pkcs12 ?? '')), file.passphrase ?? '');
    const bag = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag]?.[0];
    return bag?.cert?.subject.attributes.map((a) => `${a.shortName ?? a.name}=${String(a.value)}`).join(', ');
  } catch {
    return undefined;
  }
}
