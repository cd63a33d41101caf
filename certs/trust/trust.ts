/**
 * Trusting the root CA for the current user, per OS, without root where the OS allows it:
 * - Windows: the user's Root store (`certutil -user`); Windows shows its own confirmation dialog.
 * - macOS: the login keychain (`security add-trusted-cert`); macOS asks for the user's password.
 * - Linux: the NSS databases Chrome/Chromium (~/.pki/nssdb) and Firefox profiles read (`certutil` from
 *   libnss3-tools); the system store needs root, so it gets instructions only.
 * Every store carries the exact commands, for users who would rather run them themselves.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrustStoreInfo } from '../../electron/common/api';
import { quoteBash } from '../../electron/common/shell-quote';
import { createCommandRunner, displayCommand, runChecked, type CommandRunner } from '../../electron/core/base/command';

export interface TrustOptions {
  certPath: string;
  platform?: NodeJS.Platform;
  /** The user's home (NSS databases, the login keychain); default os.homedir(). */
  home?: string;
  run?: CommandRunner;
  /** Where Linux's system store keeps local CAs (Debian's update-ca-certificates). */
  systemCaDir?: string;
}

interface Store {
  info: Omit<TrustStoreInfo, 'trusted'>;
  isTrusted(): Promise<boolean | null>;
  install?(): Promise<void>;
  remove?(): Promise<void>;
}

export interface CaTrust {
  list(): Promise<TrustStoreInfo[]>;
  /** Installs into (trusted) or removes from one store, by id; returns the new list. */
  set(storeId: string, trusted: boolean): Promise<TrustStoreInfo[]>;
}

export function certFacts(certPath: string) {
  const x = new X509Certificate(fs.readFileSync(certPath));
  const sha1 = x.fingerprint.replace(/:/g, '');
  return { sha1, sha256: x.fingerprint256, pem: x.toString(), nickname: `Hindsight Root CA ${sha1.slice(0, 8)}` };
}

function windowsStores(certPath: string, run: CommandRunner): Store[] {
  const { sha1 } = certFacts(certPath);
  const add = ['-user', '-addstore', 'Root', certPath];
  const del = ['-user', '-delstore', 'Root', sha1];
  return [
    {
      info: { id: 'windows-user', name: 'Windows (current user)', kind: 'os-user', canInstall: true, installCommand: displayCommand('certutil', add, 'win32'), removeCommand: displayCommand('certutil', del, 'win32') },
      isTrusted: async () => (await run('certutil', ['-user', '-verifystore', 'Root', sha1])).code === 0,
      install: () => runChecked(run, 'certutil', add).then(() => undefined),
      remove: () => runChecked(run, 'certutil', del).then(() => undefined),
    },
  ];
}

function macStores(certPath: string, home: string, run: CommandRunner): Store[] {
  const { sha1 } = certFacts(certPath);
  const keychain = path.join(home, 'Library', 'Keychains', 'login.keychain-db');
  const add = ['add-trusted-cert', '-r', 'trustRoot', '-k', keychain, certPath];
  const del = ['delete-certificate', '-Z', sha1, keychain];
  return [
    {
      info: {
        id: 'macos-login',
        name: 'macOS login keychain',
        kind: 'os-user',
        canInstall: true,
        installCommand: displayCommand('security', add, 'darwin'),
        removeCommand: displayCommand('security', ['remove-trusted-cert', certPath], 'darwin') + ' && ' + displayCommand('security', del, 'darwin'),
        note: 'macOS asks for your password to change trust settings.',
      },
      isTrusted: async () => (await run('security', ['verify-cert', '-c', certPath, '-p', 'ssl'])).code === 0,
      install: () => runChecked(run, 'security', add).then(() => undefined),
      remove: async () => {
        await run('security', ['remove-trusted-cert', certPath]);
        await runChecked(run, 'security', del);
      },
    },
  ];
}

/** NSS databases of this user: Chrome/Chromium's shared one and each Firefox profile (sql format). */
export function nssDatabases(home: string): { id: string; name: string; dir: string; create: boolean }[] {
  const out = [{ id: 'nss-chrome', name: 'Chrome / Chromium (~/.pki/nssdb)', dir: path.join(home, '.pki', 'nssdb'), create: true }];
  for (const root of [path.join(home, '.mozilla', 'firefox'), path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')]) {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(root, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const dir = path.join(root, e.name);
      if (e.isDirectory() && fs.existsSync(path.join(dir, 'cert9.db'))) out.push({ id: `nss-firefox-${e.name}`, name: `Firefox profile ${e.name}`, dir, create: false });
    }
  }
  return out;
}

/** `certutil -L`: "nickname    T,C,u" lines after a header. */
export function nssTrustFlags(listing: string, nickname: string): string | undefined {
  for (const line of listing.split(/\r?\n/)) {
    const m = /^(.*?)\s{2,}(\S*,\S*,\S*)\s*$/.exec(line);
    if (m && m[1] === nickname) return m[2];
  }
  return undefined;
}

function linuxStores(certPath: string, home: string, run: CommandRunner, systemCaDir: string): Store[] {
  const { nickname, pem } = certFacts(certPath);
  const stores: Store[] = nssDatabases(home).map((db) => {
    const d = `sql:${db.dir}`;
    const add = ['-d', d, '-A', '-t', 'C,,', '-n', nickname, '-i', certPath];
    const del = ['-d', d, '-D', '-n', nickname];
    return {
      info: {
        id: db.id,
        name: db.name,
        kind: 'nss',
        canInstall: true,
        installCommand: (db.create && !fs.existsSync(path.join(db.dir, 'cert9.db')) ? `mkdir -p ${quoteBash(db.dir)} && ${displayCommand('certutil', ['-N', '--empty-password', '-d', d])} && ` : '') + displayCommand('certutil', add),
        removeCommand: displayCommand('certutil', del),
        note: 'Needs certutil (Debian/Ubuntu: libnss3-tools). Restart the browser afterwards.',
      },
      async isTrusted() {
        if (!fs.existsSync(path.join(db.dir, 'cert9.db'))) return false;
        const r = await run('certutil', ['-d', d, '-L']);
        if (r.code === -1) return null; // certutil missing: cannot tell
        return r.code === 0 && (nssTrustFlags(r.stdout, nickname) ?? '').split(',')[0].includes('C');
      },
      async install() {
        if (db.create && !fs.existsSync(path.join(db.dir, 'cert9.db'))) {
          fs.mkdirSync(db.dir, { recursive: true, mode: 0o700 });
          await runChecked(run, 'certutil', ['-N', '--empty-password', '-d', d]);
        }
        await runChecked(run, 'certutil', add);
      },
      remove: () => runChecked(run, 'certutil', del).then(() => undefined),
    };
  });
  const target = path.join(systemCaDir, 'hindsight.crt');
  stores.push({
    info: {
      id: 'linux-system',
      name: 'System store (curl, Python, Node …; needs root)',
      kind: 'system',
      canInstall: false,
      installCommand: `sudo cp ${quoteBash(certPath)} ${target} && sudo update-ca-certificates`,
      removeCommand: `sudo rm ${target} && sudo update-ca-certificates --fresh`,
      note: 'Debian/Ubuntu; Fedora: /etc/pki/ca-trust/source/anchors/ and update-ca-trust.',
    },
    async isTrusted() {
      try {
        return new X509Certificate(fs.readFileSync(target)).toString() === pem;
      } catch {
        return false;
      }
    },
  });
  return stores;
}

export function createCaTrust(options: TrustOptions): CaTrust {
  const platform = options.platform ?? process.platform;
  const home = options.home ?? os.homedir();
  const run = options.run ?? createCommandRunner();
  const stores = (): Store[] =>
    platform === 'win32'
      ? windowsStores(options.certPath, run)
      : platform === 'darwin'
        ? macStores(options.certPath, home, run)
        : linuxStores(options.certPath, home, run, options.systemCaDir ?? '/usr/local/share/ca-certificates');
  const list = async () => {
    const out: TrustStoreInfo[] = [];
    for (const s of stores()) out.push({ ...s.info, trusted: await s.isTrusted() });
    return out;
  };
  return {
    list,
    async set(storeId, trusted) {
      const store = stores().find((s) => s.info.id === storeId);
      if (!store) throw new Error(`no trust store "${storeId}" here`);
      const action = trusted ? store.install : store.remove;
      if (!action) throw new Error(`${store.info.name}: Hindsight cannot change it; run: ${trusted ? store.info.installCommand : store.info.removeCommand}`);
      await action();
      return list();
    },
  };
}
