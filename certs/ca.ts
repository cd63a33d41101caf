/**
 * The root certificate authority: one per data dir, created on first start and reused after. Its key never
 * leaves `<caDir>/ca.key` (mode 0600, folder 0700). A file that cannot be read is reported by name and left
 * alone: silently replacing a CA would break every device that trusts the old one.
 *
 * Several processes may open the same data dir (the app, `hindsight serve`, `hindsight ca`), even on the very
 * first start. Creation therefore writes ca.key exclusively (`wx`, the winner decides the CA) and then moves
 * ca.pem into place; a process that finds the key but not yet the certificate waits briefly for it.
 */
import crypto, { X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import type { CaInfo } from '../electron/common/api';
import { generateRsaKeyPair } from './keys';
import { LeafMinter, sharedLeafKey } from './leaf';
import { DAY_MS, certificatePemFromDer, forgePublicKeyFromPem, randomSerialHex, signCertificate } from './sign';
import type { CertificateAuthority, LeafCertificate } from './types';

export interface CaOptions {
  /** The CA's common name; default `Hindsight CA (<hostname> <random id>)`, unique per install. */
  commonName?: string;
  /** Hosts whose leaf certificates stay cached; default 1000. */
  leafCacheSize?: number;
}

/** The CA as loaded from (or just created in) a CA dir. */
export interface LoadedCa extends CertificateAuthority {
  readonly keyPath: string;
  /** True when this call created the CA (the first start with this data dir). */
  readonly created: boolean;
}

export interface RegeneratedCa {
  ca: LoadedCa;
  /** Where the replaced ca.pem / ca.key were moved (kept, never deleted). */
  movedAside: string[];
}

/** A CA file that is missing, unreadable or does not fit its partner; `file` names it. */
export class CaFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    /** The file-system error behind it, when there is one (the CLI words it for the user). */
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'CaFileError';
  }
}

export const CA_VALIDITY_YEARS = 10;
/** How long a process waits for another one that is creating the CA right now. */
const CREATION_WAIT_MS = 3000;
const REGENERATE_HINT = 'Fix or move it aside, or run `hindsight ca --regenerate` to create a new CA (the old files are kept).';
const isPosix = process.platform !== 'win32';

interface CaFiles {
  dir: string;
  cert: string;
  key: string;
}

interface StoredCa {
  certPem: string;
  keyPem: string;
}

export function caFiles(caDir: string): CaFiles {
  return { dir: caDir, cert: path.join(caDir, 'ca.pem'), key: path.join(caDir, 'ca.key') };
}

export async function loadOrCreateCa(caDir: string, options: CaOptions = {}): Promise<LoadedCa> {
  const files = caFiles(path.resolve(caDir));
  // The leaf key is generated while the CA is read or created; awaited below, after the CA is settled.
  const leafKey = sharedLeafKey();
  leafKey.catch(() => {});
  let stored = await readStoredCa(files);
  let created = false;
  if (!stored) ({ stored, created } = await createStoredCa(files, options.commonName ?? defaultCommonName()));
  const parsed = parseStoredCa(files, stored);
  const minter = new LeafMinter(
    { cert: parsed.forgeCert, certPem: stored.certPem, key: parsed.key },
    await leafKey,
    { cacheSize: options.leafCacheSize },
  );
  return new StoredCertificateAuthority(files, stored.certPem, parsed, minter, created);
}

/** Replaces the CA in caDir with a new one. The old files are renamed aside (`ca.pem.replaced-<time>`), never deleted. */
export async function regenerateCa(caDir: string, options: CaOptions = {}): Promise<RegeneratedCa> {
  const files = caFiles(path.resolve(caDir));
  await ensurePrivateDir(files.dir);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const movedAside: string[] = [];
  for (const file of [files.cert, files.key]) {
    const aside = await freeName(`${file}.replaced-${stamp}`);
    try {
      await fsp.rename(file, aside);
      movedAside.push(aside);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw new CaFileError(file, `Cannot move ${file} aside: ${errorMessage(err)}`, { cause: err });
    }
  }
  return { ca: await loadOrCreateCa(files.dir, options), movedAside };
}

class StoredCertificateAuthority implements LoadedCa {
  readonly certPath: string;
  readonly keyPath: string;

  constructor(
    files: CaFiles,
    readonly certPem: string,
    private readonly parsed: ParsedCa,
    private readonly minter: LeafMinter,
    readonly created: boolean,
  ) {
    this.certPath = files.cert;
    this.keyPath = files.key;
  }

  info(): CaInfo {
    return {
      pem: this.certPem,
      path: this.certPath,
      fingerprint: this.parsed.x509.fingerprint256,
      subject: distinguishedName(this.parsed.forgeCert.subject),
      notAfter: this.parsed.forgeCert.validity.notAfter.getTime(),
    };
  }

  certDer(): Buffer {
    return Buffer.from(this.parsed.x509.raw);
  }

  leafFor(host: string): LeafCertificate {
    return this.minter.leafFor(host);
  }
}

async function readStoredCa(files: CaFiles): Promise<StoredCa | undefined> {
  await ensurePrivateDir(files.dir);
  const deadline = Date.now() + CREATION_WAIT_MS;
  for (;;) {
    const certPem = await readIfExists(files.cert);
    const keyPem = await readIfExists(files.key);
    if (certPem !== undefined && keyPem !== undefined) {
      await restrictMode(files.cert);
      await restrictMode(files.key);
      return { certPem, keyPem };
    }
    if (certPem === undefined && keyPem === undefined) return undefined;
    if (keyPem === undefined) throw new CaFileError(files.key, `The CA key ${files.key} is missing (the certificate ${files.cert} exists). ${REGENERATE_HINT}`);
    // The key without the certificate: another process may be creating the CA right now (it writes the key first).
    if (Date.now() > deadline) {
      throw new CaFileError(files.cert, `The CA certificate ${files.cert} is missing (the key ${files.key} exists; an interrupted first start?). ${REGENERATE_HINT}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function createStoredCa(files: CaFiles, commonName: string): Promise<{ stored: StoredCa; created: boolean }> {
  const stored = await generateCa(commonName);
  try {
    await fsp.writeFile(files.key, stored.keyPem, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw new CaFileError(files.key, `Cannot write ${files.key}: ${errorMessage(err)}`, { cause: err });
    // Another process created the CA first: use theirs.
    const theirs = await readStoredCa(files);
    if (!theirs) throw new CaFileError(files.key, `${files.key} vanished while the CA was being created; try again.`);
    return { stored: theirs, created: false };
  }
  const temp = `${files.cert}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await restrictMode(files.key);
    await fsp.writeFile(temp, stored.certPem, { flag: 'wx', mode: 0o600 });
    await restrictMode(temp);
    await fsp.rename(temp, files.cert);
  } catch (err) {
    // Leave nothing half-made behind: the key we just wrote has no certificate.
    await fsp.rm(temp, { force: true });
    await fsp.rm(files.key, { force: true });
    throw new CaFileError(files.cert, `Cannot write ${files.cert}: ${errorMessage(err)}`, { cause: err });
  }
  return { stored, created: true };
}

async function generateCa(commonName: string): Promise<StoredCa> {
  const { publicKey, privateKey } = await generateRsaKeyPair();
  const now = new Date();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const cert = forge.pki.createCertificate();
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS); // tolerate clients whose clock runs behind
  cert.validity.notAfter = notAfter;
  const name = [
    { shortName: 'O', value: 'Hindsight' },
    { shortName: 'CN', value: commonName },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.publicKey = forgePublicKeyFromPem(publicKey);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  const der = signCertificate(cert, crypto.createPrivateKey(privateKey));
  return { certPem: certificatePemFromDer(der), keyPem: privateKey };
}

interface ParsedCa {
  x509: X509Certificate;
  forgeCert: forge.pki.Certificate;
  key: KeyObject;
}

function parseStoredCa(files: CaFiles, stored: StoredCa): ParsedCa {
  let x509: X509Certificate;
  let forgeCert: forge.pki.Certificate;
  try {
    x509 = new X509Certificate(stored.certPem);
    forgeCert = forge.pki.certificateFromPem(stored.certPem);
  } catch (err) {
    throw new CaFileError(files.cert, `The CA certificate ${files.cert} cannot be read (${errorMessage(err)}). ${REGENERATE_HINT}`);
  }
  if (!x509.ca) throw new CaFileError(files.cert, `${files.cert} is not a CA certificate. ${REGENERATE_HINT}`);
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(stored.keyPem);
  } catch (err) {
    throw new CaFileError(files.key, `The CA key ${files.key} cannot be read (${errorMessage(err)}). ${REGENERATE_HINT}`);
  }
  if (!x509.checkPrivateKey(key)) {
    throw new CaFileError(files.key, `The CA key ${files.key} does not belong to the certificate ${files.cert}. ${REGENERATE_HINT}`);
  }
  return { x509, forgeCert, key };
}

/** `Hindsight CA (<host> <id>)`: the host tells a user whose CA it is, the id tells two installs on one host apart. */
function defaultCommonName(): string {
  const id = crypto.randomBytes(3).toString('hex');
  const host = os.hostname().split('.')[0].replace(/[^A-Za-z0-9-]/g, '').slice(0, 32);
  return host ? `Hindsight CA (${host} ${id})` : `Hindsight CA (${id})`;
}

/** RFC 4514 order (most specific first): `CN=…, O=Hindsight`. */
function distinguishedName(name: forge.pki.Certificate['subject']): string {
  return name.attributes
    .map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`)
    .reverse()
    .join(', ');
}

async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    if (isPosix) await fsp.chmod(dir, 0o700);
  } catch (err) {
    throw new CaFileError(dir, `Cannot prepare the CA folder ${dir}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Owner-only on POSIX; Windows has no such modes (the data dir under the user's profile is private). */
async function restrictMode(file: string): Promise<void> {
  if (!isPosix) return;
  try {
    await fsp.chmod(file, 0o600);
  } catch (err) {
    throw new CaFileError(file, `Cannot restrict the permissions of ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw new CaFileError(file, `Cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
}

/** `base`, or `base-1`, `base-2` … when taken, so a move aside never overwrites an earlier one. */
async function freeName(base: string): Promise<string> {
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}-${n}`;
    try {
      await fsp.lstat(candidate);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return candidate;
      throw err;
    }
  }
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
