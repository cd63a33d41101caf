/**
 * CA trust in NSS for real: Debian's certutil (libnss3-tools) on a temp home, whose ~/.pki/nssdb is the
 * database Chromium reads. Installs, checks, removes; the system store only reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../../certs';
import { certFacts, createCaTrust } from '../../../certs/trust/trust';

let hasCertutil = true;
try {
  execFileSync('certutil', ['-H'], { stdio: 'ignore' });
} catch (err) {
  // `certutil -H` prints help and exits 1; only a missing binary throws ENOENT.
  hasCertutil = (err as NodeJS.ErrnoException).code !== 'ENOENT';
}

test('install into the Chrome NSS db (created on demand) and a Firefox profile, check, remove', { skip: !hasCertutil && 'certutil not installed (libnss3-tools)' }, async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const ca = await loadOrCreateCa(path.join(home, 'data', 'ca'), { commonName: 'Hindsight Test CA' });
  const profile = path.join(home, '.mozilla', 'firefox', 'abcd.default-release');
  fs.mkdirSync(profile, { recursive: true });
  execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${profile}`]);
  const systemCaDir = path.join(home, 'system-ca');
  const trust = createCaTrust({ certPath: ca.certPath, platform: 'linux', home, systemCaDir });
  const { nickname } = certFacts(ca.certPath);

  const state = async () => Object.fromEntries((await trust.list()).map((s) => [s.id, s.trusted]));
  assert.deepEqual(await state(), { 'nss-chrome': false, 'nss-firefox-abcd.default-release': false, 'linux-system': false });

  const chromeDb = `sql:${path.join(home, '.pki', 'nssdb')}`;
  const stores = await trust.set('nss-chrome', true);
  assert.deepEqual(stores[0], {
    id: 'nss-chrome',
    name: 'Chrome / Chromium (~/.pki/nssdb)',
    kind: 'nss',
    canInstall: true,
    trusted: true,
    installCommand: `certutil -d ${chromeDb} -A -t C,, -n '${nickname}' -i ${ca.certPath}`,
    removeCommand: `certutil -d ${chromeDb} -D -n '${nickname}'`,
    note: 'Needs certutil (Debian/Ubuntu: libnss3-tools). Restart the browser afterwards.',
  });
  // What the database itself says, independently of our parsing.
  assert.match(execFileSync('certutil', ['-d', chromeDb, '-L'], { encoding: 'utf8' }), new RegExp(`${nickname}\\s+C,,`));

  await trust.set('nss-firefox-abcd.default-release', true);
  assert.deepEqual(await state(), { 'nss-chrome': true, 'nss-firefox-abcd.default-release': true, 'linux-system': false });

  await trust.set('nss-chrome', false);
  assert.deepEqual(await state(), { 'nss-chrome': false, 'nss-firefox-abcd.default-release': true, 'linux-system': false });

  await assert.rejects(trust.set('linux-system', true), /cannot change it; run: sudo cp .* && sudo update-ca-certificates/);
  // The system store is recognised once the file is in place (here a temp dir stands in for it).
  fs.mkdirSync(systemCaDir);
  fs.copyFileSync(ca.certPath, path.join(systemCaDir, 'hindsight.crt'));
  assert.equal((await state())['linux-system'], true);
});
