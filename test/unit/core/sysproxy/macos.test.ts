// macOS: the exact networksetup sequence per enabled service, run against a small simulation of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CommandRunner } from '../../../../electron/core/base/command';
import { NETWORKSETUP as NS, type MacServiceState } from '../../../../electron/core/sysproxy/macos';
import { createSystemProxy } from '../../../../electron/core/sysproxy/system-proxy';

/** networksetup for the commands the backend uses; "*" services are disabled ones. */
function fakeNetworksetup(services: MacServiceState[], disabled: string[]) {
  const state = new Map(services.map((s) => [s.service, structuredClone(s)]));
  const calls: string[][] = [];
  const yn = (b: boolean) => (b ? 'Yes' : 'No');
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    assert.equal(file, NS);
    const [cmd, name, ...rest] = args;
    const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
    if (cmd === '-listallnetworkservices') {
      return ok(['An asterisk (*) denotes that a network service is disabled.', ...state.keys(), ...disabled.map((d) => `*${d}`)].join('\n') + '\n');
    }
    const s = state.get(name);
    if (!s) return { code: 4, stdout: `${name} is not a recognized network service.\n`, stderr: '' };
    const server = (p: MacServiceState['web']) => ok(`Enabled: ${yn(p.enabled)}\nServer: ${p.server}\nPort: ${p.port}\nAuthenticated Proxy Enabled: 0\n`);
    switch (cmd) {
      case '-getwebproxy': return server(s.web);
      case '-getsecurewebproxy': return server(s.secure);
      case '-getautoproxyurl': return ok(`URL: ${s.auto.url ?? '(null)'}\nEnabled: ${yn(s.auto.enabled)}\n`);
      case '-getproxybypassdomains': return ok(s.bypass.length ? s.bypass.join('\n') + '\n' : `There aren't any bypass domains set on ${name}.\n`);
      case '-setwebproxy': s.web = { enabled: true, server: rest[0], port: Number(rest[1]) }; return ok();
      case '-setsecurewebproxy': s.secure = { enabled: true, server: rest[0], port: Number(rest[1]) }; return ok();
      case '-setwebproxystate': s.web.enabled = rest[0] === 'on'; return ok();
      case '-setsecurewebproxystate': s.secure.enabled = rest[0] === 'on'; return ok();
      case '-setautoproxyurl': s.auto = { enabled: true, url: rest[0] }; return ok();
      case '-setautoproxystate': s.auto.enabled = rest[0] === 'on'; return ok();
      case '-setproxybypassdomains': s.bypass = rest[0] === 'Empty' ? [] : rest; return ok();
    }
    throw new Error(`unexpected networksetup ${args.join(' ')}`);
  };
  return { run, calls, state };
}

const wifi: MacServiceState = {
  service: 'Wi-Fi',
  web: { enabled: false, server: 'corp.example', port: 3128 },
  secure: { enabled: false, server: 'corp.example', port: 3128 },
  auto: { enabled: true, url: 'http://wpad.corp/proxy.pac' },
  bypass: ['*.local', '169.254/16'],
};
const usb: MacServiceState = {
  service: 'USB 10/100/1000 LAN',
  web: { enabled: true, server: 'other.example', port: 8888 },
  secure: { enabled: false, server: '', port: 0 },
  auto: { enabled: false, url: null },
  bypass: [],
};

test('enable then disable: every enabled service set, then each put back exactly', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ns = fakeNetworksetup([wifi, usb], ['Thunderbolt Bridge']);
  const sp = createSystemProxy({ snapshotFile: path.join(dir, 'snap.json'), platform: 'darwin', run: ns.run, pid: 4242, isAlive: () => false });
  await sp.enable({ host: '127.0.0.1', port: 8080, bypass: ['localhost', '127.0.0.1', '::1', '<local>'] });
  const enableCalls = ns.calls.splice(0);
  const reads = (svc: string) => [
    [NS, '-getwebproxy', svc],
    [NS, '-getsecurewebproxy', svc],
    [NS, '-getautoproxyurl', svc],
    [NS, '-getproxybypassdomains', svc],
  ];
  const list = [NS, '-listallnetworkservices'];
  const sets = (svc: string) => [
    [NS, '-setwebproxy', svc, '127.0.0.1', '8080'],
    [NS, '-setsecurewebproxy', svc, '127.0.0.1', '8080'],
    [NS, '-setautoproxystate', svc, 'off'],
    [NS, '-setproxybypassdomains', svc, 'localhost', '127.0.0.1', '::1', '*.local'],
  ];
  assert.deepEqual(enableCalls, [
    list, // availability
    list, ...reads('Wi-Fi'), ...reads('USB 10/100/1000 LAN'),
    ...sets('Wi-Fi'), ...sets('USB 10/100/1000 LAN'),
    list, // status
    list, ...reads('Wi-Fi'), ...reads('USB 10/100/1000 LAN'),
  ]);
  assert.deepEqual(await sp.disable(), { restored: true });
  assert.deepEqual(ns.calls.slice(2 + 8), [
    [NS, '-setwebproxy', 'Wi-Fi', 'corp.example', '3128'],
    [NS, '-setwebproxystate', 'Wi-Fi', 'off'],
    [NS, '-setsecurewebproxy', 'Wi-Fi', 'corp.example', '3128'],
    [NS, '-setsecurewebproxystate', 'Wi-Fi', 'off'],
    [NS, '-setautoproxyurl', 'Wi-Fi', 'http://wpad.corp/proxy.pac'],
    [NS, '-setautoproxystate', 'Wi-Fi', 'on'],
    [NS, '-setproxybypassdomains', 'Wi-Fi', '*.local', '169.254/16'],
    [NS, '-setwebproxy', 'USB 10/100/1000 LAN', 'other.example', '8888'],
    [NS, '-setwebproxystate', 'USB 10/100/1000 LAN', 'on'],
    [NS, '-setsecurewebproxystate', 'USB 10/100/1000 LAN', 'off'],
    [NS, '-setautoproxystate', 'USB 10/100/1000 LAN', 'off'],
    [NS, '-setproxybypassdomains', 'USB 10/100/1000 LAN', 'Empty'],
  ]);
  // Everything is back except what networksetup cannot blank: USB's empty HTTPS server keeps ours, switched off.
  assert.deepEqual([...ns.state.values()], [wifi, { ...usb, secure: { enabled: false, server: '127.0.0.1', port: 8080 } }]);
});
