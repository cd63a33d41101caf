// KDE: the exact kwriteconfig/kreadconfig sequence on kioslaverc, against a simulated config group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandRunner } from '../../../../electron/core/base/command';
import { backendNameFor, createSystemProxy } from '../../../../electron/core/sysproxy/system-proxy';

test('backend choice follows the OS and the desktop', () => {
  assert.deepEqual(
    [
      backendNameFor('win32', {}),
      backendNameFor('darwin', {}),
      backendNameFor('linux', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }),
      backendNameFor('linux', { XDG_CURRENT_DESKTOP: 'KDE' }),
      backendNameFor('linux', { KDE_FULL_SESSION: 'true' }),
      backendNameFor('freebsd', {}),
    ],
    ['windows', 'macos', 'gnome', 'kde', 'kde', 'gnome'],
  );
});

test('KDE 6: enable then disable writes kioslaverc keys and deletes the ones that were not there', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const group = new Map<string, string>([['ProxyType', '0'], ['NoProxyFor', 'corp.example']]);
  const initial = new Map(group);
  const calls: string[][] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    if (file === 'dbus-send') return { code: 0, stdout: '', stderr: '' };
    const key = args[5];
    if (file === 'kreadconfig6') return { code: 0, stdout: (group.get(key) ?? '') + '\n', stderr: '' };
    if (file === 'kwriteconfig6') {
      if (args[6] === '--delete') group.delete(key);
      else group.set(key, args[6]);
      return { code: 0, stdout: '', stderr: '' };
    }
    throw new Error(`unexpected ${file}`);
  };
  const sp = createSystemProxy({ snapshotFile: path.join(dir, 's.json'), platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'KDE', KDE_SESSION_VERSION: '6' }, run, pid: 1, isAlive: () => false });
  await sp.enable({ host: '127.0.0.1', port: 8080, bypass: ['localhost', '127.0.0.1'] });
  assert.deepEqual(Object.fromEntries(group), { ProxyType: '1', NoProxyFor: 'localhost,127.0.0.1', httpProxy: 'http://127.0.0.1 8080', httpsProxy: 'http://127.0.0.1 8080' });
  calls.length = 0;
  assert.deepEqual(await sp.disable(), { restored: true });
  const w = ['--file', 'kioslaverc', '--group', 'Proxy Settings', '--key'];
  assert.deepEqual(calls.filter((c) => c[0] !== 'kreadconfig6'), [
    ['kwriteconfig6', ...w, 'NoProxyFor', 'corp.example'],
    ['kwriteconfig6', ...w, 'httpsProxy', '--delete'],
    ['kwriteconfig6', ...w, 'httpProxy', '--delete'],
    ['kwriteconfig6', ...w, 'ProxyType', '0'],
    ['dbus-send', '--type=signal', '/KIO/Scheduler', 'org.kde.KIO.Scheduler.reparseSlaveConfiguration', 'string:'],
  ]);
  assert.deepEqual(group, initial);
});
