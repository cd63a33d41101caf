// `hindsight sysproxy status | restore` against real gsettings (keyfile backend in a temp HOME).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../../electron/cli/sysproxy';
import { createSystemProxy } from '../../../electron/core/sysproxy/system-proxy';

let hasGsettings = true;
try {
  execFileSync('gsettings', ['list-keys', 'org.gnome.system.proxy'], { stdio: 'ignore', env: { ...process.env, GSETTINGS_BACKEND: 'memory' } });
} catch {
  hasGsettings = false;
}

function collect() {
  const text = { stdout: '', stderr: '' };
  return { text, out: { stdout: { write: (s: string) => (text.stdout += s) }, stderr: { write: (s: string) => (text.stderr += s) } } };
}

test('status shows the setting and its dead owner; restore puts the original back', { skip: !hasGsettings && 'gsettings not installed' }, async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GSETTINGS_BACKEND: 'keyfile', XDG_CURRENT_DESKTOP: 'GNOME', HINDSIGHT_DATA: path.join(home, 'data') };
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => owner.kill('SIGKILL'));
  const sp = createSystemProxy({ snapshotFile: path.join(home, 'data', 'sysproxy-snapshot.json'), platform: 'linux', env, pid: owner.pid });
  await sp.enable({ host: '127.0.0.1', port: 18090, bypass: ['localhost'] });

  const running = collect();
  assert.equal(await run(['restore'], running.out, env), 1);
  assert.equal(running.text.stdout, `not restored: the Hindsight that set it is still running (pid ${owner.pid}); quit it, or pass --force\n`);

  owner.kill('SIGKILL');
  await once(owner, 'exit');
  const status = collect();
  assert.equal(await run(['status'], status.out, env), 0);
  const lines = status.text.stdout.split('\n');
  assert.deepEqual(lines.slice(0, 2), ['backend: gnome', 'current: proxy 127.0.0.1:18090 (bypass: localhost)']);
  assert.match(lines[2], new RegExp(`^set by: Hindsight pid ${owner.pid}, no longer running at `));
  assert.equal(lines[3], 'run `hindsight sysproxy restore` to put your own setting back');

  const restore = collect();
  assert.equal(await run(['restore'], restore.out, env), 0);
  assert.equal(restore.text.stdout, 'restored the proxy setting you had before Hindsight changed it\n');
  assert.equal(execFileSync('gsettings', ['get', 'org.gnome.system.proxy', 'mode'], { env, encoding: 'utf8' }).trim(), "'none'");

  const again = collect();
  assert.equal(await run(['status', '--json'], again.out, env), 0);
  assert.deepEqual(JSON.parse(again.text.stdout), { backend: 'gnome', supported: true, current: [{ mode: 'off', bypass: ['localhost', '127.0.0.0/8', '::1'] }], enabledByUs: false });
});

test('usage errors exit 2', async () => {
  const c = collect();
  assert.equal(await run(['frobnicate'], c.out), 2);
  assert.match(c.text.stderr, /say status or restore/);
});
