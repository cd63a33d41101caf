/**
 * `npm install` on a machine that cannot download the Electron binary (offline, github.com unreachable):
 * electron's own install script (its postinstall) must end successfully with one line, or npm rolls back
 * the whole node_modules and `npm start` never runs. The download is pointed at a real loopback server
 * that refuses every file, as an unreachable github.com would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

test("electron's install script survives a failed binary download with one line", { timeout: 60_000 }, async (t) => {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // A copy of the electron package's install files inside the checkout, so that `require('@electron/get')`
  // resolves exactly as it does for node_modules/electron, while the copy has no binary yet (the real
  // package may have one on a machine that could download it).
  const scratch = fs.mkdtempSync(path.join(root, 'node_modules', '.electron-install-test-'));
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-electron-cache-'));
  t.after(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });
  for (const f of ['install.js', 'package.json', 'checksums.json']) {
    fs.copyFileSync(path.join(root, 'node_modules', 'electron', f), path.join(scratch, f));
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ELECTRON_MIRROR: mirror,
    electron_config_cache: cache,
    ELECTRON_GET_NO_PROGRESS: '1',
  };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  const electronVersion = (JSON.parse(fs.readFileSync(path.join(scratch, 'package.json'), 'utf8')) as { version: string }).version;
  const child = spawn(process.execPath, ['install.js'], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.ok(requests.length > 0, 'the install script never asked the mirror for the binary');
  assert.deepEqual(
    { code, lines: output.trim().split('\n'), binary: fs.existsSync(path.join(scratch, 'path.txt')) },
    {
      code: 0,
      lines: [
        `electron: the Electron binary could not be downloaded (Response code 404 (Not Found) for ${mirror}v${electronVersion}/electron-v${electronVersion}-${process.platform}-${process.arch}.zip); \`npm start\` tries again, and runs the app headless while it cannot.`,
      ],
      binary: false,
    },
  );
});
