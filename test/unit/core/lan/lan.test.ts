import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LanRefusal } from '../../../../electron/common/api';
import { LanController, lanAddresses, lanSettingsFile } from '../../../../electron/core/lan/lan';

function setup(t: { after(fn: () => void): void }) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  let clock = 1_000_000;
  const interfaces = () => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    wlan0: [
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: 'fd00::5', family: 'IPv6', internal: false },
      { address: '192.168.1.20', family: 'IPv4', internal: false },
    ],
  }) as unknown as NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  const make = () => new LanController({ dataDir, proxyPort: () => 8080, now: () => clock, interfaces });
  return { dataDir, make, tick: (ms: number) => (clock += ms) };
}

test('off by default: loopback only, everyone else refused and recorded', (t) => {
  const s = setup(t);
  const lan = s.make();
  const events: LanRefusal[] = [];
  lan.onDidRefuse((e) => events.push(e));
  assert.equal(lan.listenHost(), '127.0.0.1');
  assert.deepEqual(['127.0.0.1', '::ffff:127.0.0.2', '::1', '192.168.1.50', '192.168.1.50'].map(lan.allowClient), [true, true, true, false, false]);
  s.tick(61_000);
  lan.allowClient('::ffff:192.168.1.50');
  assert.deepEqual(lan.info(), {
    enabled: false,
    allow: [],
    addresses: ['192.168.1.20', 'fd00::5'],
    port: 8080,
    refused: [{ ip: '192.168.1.50', firstAt: 1_000_000, lastAt: 1_061_000, count: 3 }],
  });
  // Told once, then again only after a minute.
  assert.deepEqual(events.map((e) => e.count), [1, 3]);
});

test('allow-list: CIDRs checked per connection, one-click allow, persisted, bad entries named', (t) => {
  const s = setup(t);
  const lan = s.make();
  const listen: boolean[] = [];
  lan.onDidChangeListen((x) => listen.push(x.enabled));
  lan.set({ enabled: true, allow: ['10.0.0.0/8'] });
  assert.equal(lan.listenHost(), '0.0.0.0');
  assert.deepEqual(['10.1.2.3', '192.168.1.50'].map(lan.allowClient), [true, false]);
  assert.deepEqual(lan.allow('::ffff:192.168.1.50').allow, ['10.0.0.0/8', '192.168.1.50']);
  assert.deepEqual(lan.info().refused, []);
  assert.equal(lan.allowClient('192.168.1.50'), true);
  assert.deepEqual(listen, [true]);
  assert.throws(() => lan.set({ allow: ['10.0.0.0/8', '300.1.1.1'] }), { code: 'bad-params', message: /allow\[1\]: "300\.1\.1\.1" is not an IPv4 or IPv6 address/ });
  assert.throws(() => lan.allow('phone'), { code: 'bad-params' });
  assert.deepEqual(JSON.parse(fs.readFileSync(lanSettingsFile(s.dataDir), 'utf8')), { enabled: true, allow: ['10.0.0.0/8', '192.168.1.50'] });
  const again = s.make();
  assert.deepEqual([again.enabled, again.allowClient('192.168.1.50'), again.allowClient('192.168.1.51')], [true, true, false]);
});

test('lanAddresses skips loopback and link-local', () => {
  assert.deepEqual(lanAddresses({ eth0: [{ address: '10.0.0.2', family: 'IPv4', internal: false } as os.NetworkInterfaceInfo] }), ['10.0.0.2']);
});
