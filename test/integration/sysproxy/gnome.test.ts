/**
 * The Linux system proxy for real: Debian's gsettings with the keyfile backend in a temp HOME, so the
 * values land in a file under the temp dir instead of the user's dconf. A crash is simulated with a real
 * child process that "owns" the snapshot and is then killed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createSystemProxy } from '../../../electron/core/sysproxy/system-proxy';
import { readSnapshot } from '../../../electron/core/sysproxy/snapshot';

function hasGsettings(): boolean {
  try {
    execFileSync('gsettings', ['list-keys', 'org.gnome.system.proxy'], { stdio: 'ignore', env: { ...process.env, GSETTINGS_BACKEND: 'memory' } });
    return true;
  } catch {
    return false;
  }
}
const skip = hasGsettings() ? false : 'gsettings / gsettings-desktop-schemas not installed (.ci/run installs them)';

function tempHome(t: { after(fn: () => void): void }) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    GSETTINGS_BACKEND: 'keyfile',
    XDG_CURRENT_DESKTOP: 'GNOME',
  };
  delete env.KDE_FULL_SESSION;
  const gs = (...args: string[]) => execFileSync('gsettings', args, { env, encoding: 'utf8' }).trim();
  // Every key of the proxy schemas, as the user would list them.
  const all = () => gs('list-recursively', 'org.gnome.system.proxy').split('\n').sort();
  return { home, env, gs, all, snapshotFile: path.join(home, 'data', 'sysproxy-snapshot.json') };
}

/** The user's own setup before Hindsight: a corporate proxy configured but switched off. */
function userSetup(gs: (...args: string[]) => string) {
  gs('set', 'org.gnome.system.proxy', 'ignore-hosts', "['corp.example', 'localhost']");
  gs('set', 'org.gnome.system.proxy.http', 'host', 'corp-proxy.example');
  gs('set', 'org.gnome.system.proxy.http', 'port', '3128');
  gs('set', 'org.gnome.system.proxy', 'use-same-proxy', 'false');
}

test('enable sets the GNOME proxy; a crash leaves a snapshot that the next start restores exactly', { skip }, async (t) => {
  const h = tempHome(t);
  userSetup(h.gs);
  const before = h.all();

  // The "first run" is owned by a real process that we kill, as a crash would.
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => owner.kill('SIGKILL'));
  const first = createSystemProxy({ snapshotFile: h.snapshotFile, platform: 'linux', env: h.env, pid: owner.pid });
  const status = await first.enable({ host: '127.0.0.1', port: 18080, bypass: ['localhost', '127.0.0.1', '::1', '<local>'] });
  assert.deepEqual(
    {
      current: status.current,
      enabledByUs: status.enabledByUs,
      mode: h.gs('get', 'org.gnome.system.proxy', 'mode'),
      http: [h.gs('get', 'org.gnome.system.proxy.http', 'host'), h.gs('get', 'org.gnome.system.proxy.http', 'port')],
      https: [h.gs('get', 'org.gnome.system.proxy.https', 'host'), h.gs('get', 'org.gnome.system.proxy.https', 'port')],
      ignore: h.gs('get', 'org.gnome.system.proxy', 'ignore-hosts'),
    },
    {
      current: [{ mode: 'manual', host: '127.0.0.1', port: 18080, bypass: ['localhost', '127.0.0.1', '::1', '<local>'] }],
      enabledByUs: true,
      mode: "'manual'",
      http: ["'127.0.0.1'", '18080'],
      https: ["'127.0.0.1'", '18080'],
      ignore: "['localhost', '127.0.0.1', '::1', '<local>']",
    },
  );
  // The keyfile really is in the temp HOME, not the user's settings.
  assert.match(fs.readFileSync(path.join(h.home, '.config', 'glib-2.0', 'settings', 'keyfile'), 'utf8'), /mode='manual'/);

  // Another start while the owner lives must not touch it.
  const second = createSystemProxy({ snapshotFile: h.snapshotFile, platform: 'linux', env: h.env });
  assert.deepEqual(await second.restoreIfStale(), { restored: false, reason: 'owner-running', detail: `pid ${owner.pid}` });

  owner.kill('SIGKILL');
  await once(owner, 'exit');
  const stale = await second.status();
  assert.deepEqual(stale.snapshot && { ownerAlive: stale.snapshot.ownerAlive, stale: stale.snapshot.stale }, { ownerAlive: false, stale: true });

  assert.deepEqual(await second.restoreIfStale(), { restored: true });
  assert.deepEqual(h.all(), before);
  assert.equal(readSnapshot(h.snapshotFile), undefined);
});

test('disable restores the original; a setting the user changed meanwhile is left alone', { skip }, async (t) => {
  const h = tempHome(t);
  userSetup(h.gs);
  const before = h.all();
  const sp = createSystemProxy({ snapshotFile: h.snapshotFile, platform: 'linux', env: h.env });
  t.after(() => sp.dispose());

  await sp.enable({ host: '127.0.0.1', port: 18080, bypass: ['localhost'] });
  // Enabling again (another port) keeps the user's original, not our first setting.
  await sp.enable({ host: '127.0.0.1', port: 18081, bypass: ['localhost'] });
  assert.equal(h.gs('get', 'org.gnome.system.proxy.http', 'port'), '18081');
  assert.deepEqual(await sp.disable(), { restored: true });
  assert.deepEqual(h.all(), before);
  assert.deepEqual(await sp.disable(), { restored: false, reason: 'no-snapshot' });

  await sp.enable({ host: '127.0.0.1', port: 18080, bypass: ['localhost'] });
  h.gs('set', 'org.gnome.system.proxy', 'mode', 'none'); // the user switched it off by hand
  const changed = h.all();
  const outcome = await sp.disable();
  assert.equal(outcome.restored, false);
  assert.equal(!outcome.restored && outcome.reason, 'changed-since');
  assert.deepEqual(h.all(), changed);
  assert.equal(readSnapshot(h.snapshotFile), undefined);
});

test('PAC mode: mode auto with our loopback PAC URL, PROXY then DIRECT', { skip }, async (t) => {
  const h = tempHome(t);
  const before = h.all();
  const sp = createSystemProxy({ snapshotFile: h.snapshotFile, platform: 'linux', env: h.env });
  t.after(() => sp.dispose());
  const status = await sp.enable({ host: '127.0.0.1', port: 18080, bypass: ['localhost', '<local>'], pac: true });
  const url = status.current[0].pacUrl ?? '';
  assert.deepEqual(
    [h.gs('get', 'org.gnome.system.proxy', 'mode'), h.gs('get', 'org.gnome.system.proxy', 'autoconfig-url')],
    ["'auto'", `'${url}'`],
  );
  const res = await fetch(url);
  assert.equal(res.headers.get('content-type'), 'application/x-ns-proxy-autoconfig');
  assert.match(await res.text(), /PROXY 127\.0\.0\.1:18080; DIRECT/);
  assert.deepEqual(await sp.disable(), { restored: true });
  assert.deepEqual(h.all(), before);
});
