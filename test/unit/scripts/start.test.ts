// `npm start`'s choice between the Electron window, installing the binary first, and headless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Start = typeof import('../../../scripts/start.mjs');
const load = () => import('../../../scripts/start.mjs') as Promise<Start>;

test('chooseLaunch: window, install first, or headless with a reason', async () => {
  const { chooseLaunch } = await load();
  const bin = '/x/electron';
  const d = (platform: string, env: Record<string, string>, binary: string | undefined, electronPackage = true, installTried = false) =>
    chooseLaunch({ platform, env, binary, electronPackage, installTried });
  assert.deepEqual(
    [
      d('linux', { DISPLAY: ':0' }, bin),
      d('linux', { WAYLAND_DISPLAY: 'wayland-0' }, bin),
      d('linux', {}, bin),
      d('win32', {}, bin),
      d('darwin', {}, undefined),
      d('darwin', {}, undefined, true, true),
      d('linux', { DISPLAY: ':0', ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, undefined),
      d('linux', { DISPLAY: ':0' }, undefined, false),
    ],
    [
      { action: 'electron', binary: bin },
      { action: 'electron', binary: bin },
      { action: 'headless', reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so no Electron window can open' },
      { action: 'electron', binary: bin },
      { action: 'install' },
      { action: 'headless', reason: 'the Electron binary could not be downloaded (see the messages above)' },
      { action: 'headless', reason: 'the Electron binary is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set' },
      { action: 'headless', reason: 'the electron package is not installed (npm install --omit=dev?)' },
    ],
  );
});

test('electronBinary follows path.txt into dist/ and needs the file to exist', async (t) => {
  const { electronBinary } = await load();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  assert.equal(electronBinary(dir, {}), undefined);
  fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
  assert.equal(electronBinary(dir, {}), undefined);
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist', 'electron'), '');
  assert.equal(electronBinary(dir, {}), path.join(dir, 'dist', 'electron'));
});
