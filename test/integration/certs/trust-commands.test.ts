// Windows and macOS CA trust: the exact commands run (through an injected runner) and shown to copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateCa } from '../../../certs';
import type { CommandRunner } from '../../../electron/core/base/command';
import { certFacts, createCaTrust } from '../../../certs/trust/trust';

async function setup(t: { after(fn: () => void): void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ca = await loadOrCreateCa(path.join(dir, 'ca'), { commonName: 'Hindsight Test CA' });
  const calls: string[][] = [];
  let trusted = false;
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    if (args.includes('-addstore') || args[0] === 'add-trusted-cert') trusted = true;
    if (args.includes('-delstore') || args[0] === 'delete-certificate') trusted = false;
    const check = args.includes('-verifystore') || args[0] === 'verify-cert';
    return { code: check && !trusted ? 1 : 0, stdout: '', stderr: '' };
  };
  return { ca, calls, run, sha1: certFacts(ca.certPath).sha1 };
}

test('Windows: certutil -user on the Root store', async (t) => {
  const { ca, calls, run, sha1 } = await setup(t);
  const trust = createCaTrust({ certPath: ca.certPath, platform: 'win32', run });
  const [before] = await trust.list();
  const [after] = await trust.set('windows-user', true);
  await trust.set('windows-user', false);
  assert.deepEqual([before.trusted, after.trusted, after.installCommand, after.removeCommand], [false, true, `certutil -user -addstore Root ${ca.certPath}`, `certutil -user -delstore Root ${sha1}`]);
  assert.deepEqual(calls, [
    ['certutil', '-user', '-verifystore', 'Root', sha1],
    ['certutil', '-user', '-addstore', 'Root', ca.certPath],
    ['certutil', '-user', '-verifystore', 'Root', sha1],
    ['certutil', '-user', '-delstore', 'Root', sha1],
    ['certutil', '-user', '-verifystore', 'Root', sha1],
  ]);
});

test('macOS: security add-trusted-cert into the login keychain', async (t) => {
  const { ca, calls, run, sha1 } = await setup(t);
  const keychain = '/Users/u/Library/Keychains/login.keychain-db';
  const trust = createCaTrust({ certPath: ca.certPath, platform: 'darwin', home: '/Users/u', run });
  const [after] = await trust.set('macos-login', true);
  await trust.set('macos-login', false);
  assert.deepEqual([after.trusted, after.installCommand], [true, `security add-trusted-cert -r trustRoot -k ${keychain} ${ca.certPath}`]);
  assert.deepEqual(calls, [
    ['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', keychain, ca.certPath],
    ['security', 'verify-cert', '-c', ca.certPath, '-p', 'ssl'],
    ['security', 'remove-trusted-cert', ca.certPath],
    ['security', 'delete-certificate', '-Z', sha1, keychain],
    ['security', 'verify-cert', '-c', ca.certPath, '-p', 'ssl'],
  ]);
});
