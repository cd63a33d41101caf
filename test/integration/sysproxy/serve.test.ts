/**
 * `hindsight serve --system-proxy` for real (built CLI, gsettings keyfile backend in a temp HOME): the OS
 * proxy points at the proxy while serve runs, with the bypass list saved in the data dir, and comes back on
 * SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveSysproxySettings } from '../../../electron/core/sysproxy/settings';

const root = path.resolve(__dirname, '..', '..', '..');
let skip: string | false = false;
try {
  execFileSync('gsettings', ['list-keys', 'org.gnome.system.proxy'], { stdio: 'ignore', env: { ...process.env, GSETTINGS_BACKEND: 'memory' } });
} catch {
  skip = 'gsettings not installed';
}
if (!fs.existsSync(path.join(root, 'dist', 'electron', 'cli', 'index.js'))) skip = 'not built (npm run build)';

test('serve --system-proxy sets the OS proxy while it runs and restores it on SIGTERM', { skip, timeout: 120_000 }, async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GSETTINGS_BACKEND: 'keyfile', XDG_CURRENT_DESKTOP: 'GNOME' };
  const gs = (...args: string[]) => execFileSync('gsettings', args, { env, encoding: 'utf8' }).trim();
  const all = () => gs('list-recursively', 'org.gnome.system.proxy');
  const before = all();
  const dataDir = path.join(home, 'data');
  saveSysproxySettings(dataDir, { bypass: ['localhost', '*.corp.example'], pac: false });

  const child = spawn(process.execPath, [path.join(root, 'bin', 'hindsight.js'), 'serve', '--port', '0', '--ui-port', '0', '--data', dataDir, '--system-proxy'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (s: string) => {
      out += s;
      if (/Press Ctrl-C to stop/.test(out)) resolve();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then(() => reject(new Error(`serve exited early:\n${out}`)));
  });
  const port = /Proxy:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
  assert.match(out, /System proxy: set to Hindsight/);
  assert.deepEqual(
    [gs('get', 'org.gnome.system.proxy', 'mode'), gs('get', 'org.gnome.system.proxy.http', 'port'), gs('get', 'org.gnome.system.proxy', 'ignore-hosts')],
    ["'manual'", port, "['localhost', '*.corp.example']"],
  );
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0);
  assert.equal(all(), before);
  assert.equal(fs.existsSync(path.join(dataDir, 'sysproxy-snapshot.json')), false);
});
