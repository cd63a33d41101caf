// `npm start`: builds when dist/ is missing, then opens the desktop app in Electron. Where Electron cannot
// run (no binary could be had, or Linux without a display) it says why and starts the same app headless
// instead: `hindsight serve`, whose UI URL opens in any browser. Extra arguments go to `serve` then
// (`npm start -- --port 9090`).
//
// npm 11 may skip dependencies' install scripts, which is where the electron package downloads its
// binary; so when the binary is missing we run electron's own install script once ourselves.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = path.join(root, 'node_modules', 'electron');

/** The Electron executable the electron package points at, or undefined when it is not there. */
export function electronBinary(dir = electronDir, env = process.env) {
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, rel) : path.join(dir, 'dist', rel);
  return existsSync(binary) ? binary : undefined;
}

/** Whether a window can be shown: Windows and macOS always; elsewhere an X11 or Wayland display. */
export function hasDisplay(platform, env) {
  if (platform === 'win32' || platform === 'darwin') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * What `npm start` does, decided from facts only (tested as a pure function):
 * - { action: 'install' }  the binary is missing and may be downloaded: run electron's install script first;
 * - { action: 'electron', binary }  open the window;
 * - { action: 'headless', reason }  start `hindsight serve` and say why.
 */
export function chooseLaunch({ platform, env, binary, electronPackage, installTried }) {
  if (!hasDisplay(platform, env)) {
    return { action: 'headless', reason: 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so no Electron window can open' };
  }
  if (binary) return { action: 'electron', binary };
  if (!electronPackage) return { action: 'headless', reason: 'the electron package is not installed (npm install --omit=dev?)' };
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    return { action: 'headless', reason: 'the Electron binary is not installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
  }
  if (!installTried) return { action: 'install' };
  return { action: 'headless', reason: 'the Electron binary could not be downloaded (see the messages above)' };
}

function ensureBuilt() {
  const built = existsSync(path.join(root, 'dist', 'electron', 'main', 'index.js')) && existsSync(path.join(root, 'dist', 'electron', 'cli', 'index.js'));
  if (built) return;
  console.log('hindsight: building (dist/ is missing) …');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function runElectron(binary, args) {
  // ELECTRON_RUN_AS_NODE from a parent shell would turn the app into a plain Node process.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(binary, [root, ...args], { cwd: root, stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function runHeadless(reason, args) {
  console.log(`hindsight: starting headless — ${reason}.`);
  console.log('hindsight: the same app runs as `hindsight serve`; open the UI URL below in a browser.');
  const require = createRequire(import.meta.url);
  const { main } = require(path.join(root, 'dist', 'electron', 'cli', 'index.js'));
  process.exitCode = await main(['serve', ...args]);
}

async function start() {
  ensureBuilt();
  const args = process.argv.slice(2);
  const electronPackage = existsSync(path.join(electronDir, 'package.json'));
  let installTried = false;
  for (;;) {
    const decision = chooseLaunch({ platform: process.platform, env: process.env, binary: electronBinary(), electronPackage, installTried });
    if (decision.action === 'install') {
      console.log('hindsight: the Electron binary is missing; running electron\'s install script (npm may have skipped it) …');
      spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { cwd: electronDir, stdio: 'inherit' });
      installTried = true;
      continue;
    }
    if (decision.action === 'electron') return runElectron(decision.binary, args);
    return runHeadless(decision.reason, args);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  start().catch((err) => {
    console.error(`hindsight: ${err?.stack ?? err}`);
    process.exit(1);
  });
}
