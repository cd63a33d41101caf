// Windows: the exact reg.exe / PowerShell sequence, run against a small simulation of the HKCU key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandRunner } from '../../../../electron/core/base/command';
import { createSystemProxy } from '../../../../electron/core/sysproxy/system-proxy';
import { INTERNET_SETTINGS_KEY as KEY, WININET_REFRESH_SCRIPT, parseRegQuery } from '../../../../electron/core/sysproxy/windows';
import { readSnapshot } from '../../../../electron/core/sysproxy/snapshot';

type RegValue = { type: 'REG_DWORD' | 'REG_SZ'; data: string };

/** reg.exe as far as these commands go: query / add / delete on one key. */
function fakeReg(initial: Record<string, RegValue>) {
  const values = new Map(Object.entries(initial));
  const calls: string[][] = [];
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    if (file === 'powershell.exe') return { code: 0, stdout: '', stderr: '' };
    assert.equal(file, 'reg');
    assert.equal(args[1], KEY);
    if (args[0] === 'query') {
      const lines = [...values].map(([name, v]) => `    ${name}    ${v.type}    ${v.type === 'REG_DWORD' ? '0x' + Number(v.data).toString(16) : v.data}`);
      return { code: 0, stdout: `\r\n${KEY}\r\n${lines.join('\r\n')}\r\n\r\n`, stderr: '' };
    }
    const name = args[3];
    if (args[0] === 'add') {
      values.set(name, { type: args[5] as RegValue['type'], data: args[7] });
      return { code: 0, stdout: 'The operation completed successfully.', stderr: '' };
    }
    if (args[0] === 'delete') {
      if (!values.delete(name)) return { code: 1, stdout: '', stderr: 'ERROR: The system was unable to find the specified registry key or value.' };
      return { code: 0, stdout: '', stderr: '' };
    }
    throw new Error(`unexpected reg ${args.join(' ')}`);
  };
  return { run, calls, values };
}

const refresh = ['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WININET_REFRESH_SCRIPT];
const q = ['reg', 'query', KEY];

function tempSnapshot(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'sysproxy-snapshot.json');
}

test('parseRegQuery reads the four values and treats missing ones as absent', () => {
  const out = `\r\n${KEY}\r\n    ProxyEnable    REG_DWORD    0x1\r\n    ProxyServer    REG_SZ    http=corp:3128;https=corp:3128\r\n    MigrateProxy    REG_DWORD    0x1\r\n`;
  assert.deepEqual(parseRegQuery(out), { ProxyEnable: 1, ProxyServer: 'http=corp:3128;https=corp:3128', ProxyOverride: null, AutoConfigURL: null });
});

test('enable then disable runs exactly these commands and leaves the registry as it was', async (t) => {
  const initial: Record<string, RegValue> = {
    ProxyEnable: { type: 'REG_DWORD', data: '0' },
    ProxyServer: { type: 'REG_SZ', data: 'corp:3128' },
    AutoConfigURL: { type: 'REG_SZ', data: 'http://wpad.corp/proxy.pac' },
  };
  const reg = fakeReg(initial);
  const sp = createSystemProxy({ snapshotFile: tempSnapshot(t), platform: 'win32', run: reg.run, pid: 4242, isAlive: () => false });
  const status = await sp.enable({ host: '127.0.0.1', port: 8080, bypass: ['localhost', '127.0.0.1', '::1', '<local>'] });
  assert.deepEqual(status.current, [{ mode: 'manual', host: '127.0.0.1', port: 8080, bypass: ['localhost', '127.0.0.1', '::1', '<local>'] }]);
  assert.equal(status.enabledByUs, true);
  const outcome = await sp.disable();
  assert.deepEqual(outcome, { restored: true });
  assert.deepEqual(reg.calls, [
    q, // availability
    q, // read before
    ['reg', 'add', KEY, '/v', 'ProxyServer', '/t', 'REG_SZ', '/d', '127.0.0.1:8080', '/f'],
    ['reg', 'add', KEY, '/v', 'ProxyOverride', '/t', 'REG_SZ', '/d', 'localhost;127.0.0.1;::1;<local>', '/f'],
    ['reg', 'delete', KEY, '/v', 'AutoConfigURL', '/f'],
    ['reg', 'add', KEY, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '1', '/f'],
    refresh,
    q, // status: availability
    q, // status: read
    q, // disable: availability
    q, // disable: read now
    ['reg', 'add', KEY, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '0', '/f'],
    ['reg', 'add', KEY, '/v', 'ProxyServer', '/t', 'REG_SZ', '/d', 'corp:3128', '/f'],
    ['reg', 'delete', KEY, '/v', 'ProxyOverride', '/f'],
    ['reg', 'add', KEY, '/v', 'AutoConfigURL', '/t', 'REG_SZ', '/d', 'http://wpad.corp/proxy.pac', '/f'],
    refresh,
  ]);
  assert.deepEqual(Object.fromEntries(reg.values), initial);
});

test('PAC mode writes AutoConfigURL and switches the fixed proxy off', async (t) => {
  const reg = fakeReg({ ProxyEnable: { type: 'REG_DWORD', data: '0' } });
  const file = tempSnapshot(t);
  const sp = createSystemProxy({ snapshotFile: file, platform: 'win32', run: reg.run, pid: 4242, isAlive: () => false });
  t.after(() => sp.dispose());
  const status = await sp.enable({ host: '127.0.0.1', port: 8080, bypass: ['localhost'], pac: true });
  const pacUrl = status.current[0].pacUrl ?? '';
  assert.match(pacUrl, /^http:\/\/127\.0\.0\.1:\d+\/proxy\.pac$/);
  assert.deepEqual(reg.calls.slice(2, 5), [
    ['reg', 'add', KEY, '/v', 'AutoConfigURL', '/t', 'REG_SZ', '/d', pacUrl, '/f'],
    ['reg', 'add', KEY, '/v', 'ProxyEnable', '/t', 'REG_DWORD', '/d', '0', '/f'],
    refresh,
  ]);
  const script = await (await fetch(pacUrl)).text();
  assert.match(script, /return "PROXY 127\.0\.0\.1:8080; DIRECT";/);
  assert.deepEqual(readSnapshot(file)?.applied, { mode: 'pac', pacUrl, bypass: ['localhost'] });
  assert.deepEqual(await sp.disable(), { restored: true });
  assert.deepEqual(Object.fromEntries(reg.values), { ProxyEnable: { type: 'REG_DWORD', data: '0' } });
  await assert.rejects(fetch(pacUrl)); // the PAC server is gone once disabled
});
