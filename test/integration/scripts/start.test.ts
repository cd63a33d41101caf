/**
 * `npm start` for real where no window can open (no DISPLAY, no Electron binary here): it must say so and
 * start the same app headless, printing the UI URL, which then serves the renderer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

test('without a display, npm start explains and serves the UI headless', { timeout: 120_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = { ...process.env, HINDSIGHT_DATA: dir, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs'), '--port', '0', '--ui-port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    child.kill('SIGKILL');
  });
  // serve prints its banner on stderr (stdout carries --log lines), so both are read.
  let out = '';
  const url = await new Promise<string | undefined>((resolve) => {
    const onData = (s: string) => {
      out += s;
      const m = /(https?:\/\/[^\s]+#token=[\w-]+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then(() => resolve(undefined));
  });
  assert.match(out, /hindsight: starting headless — no display \(neither DISPLAY nor WAYLAND_DISPLAY is set\), so no Electron window can open\./);
  assert.ok(url, `no UI URL printed; output was:\n${out}`);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>Hindsight<\/title>/);
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});
