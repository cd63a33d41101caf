/**
 * Electron's entry point (package.json "main"). Names the app "Hindsight" so its userData folder is the
 * data dir the CLI uses too (electron/core/paths.ts), then starts the desktop shell.
 */
import { app } from 'electron';
import path from 'node:path';
import { defaultDataDir } from '../core/paths';
import { runDesktop } from './desktop';
import { boundHeapGrowth } from '../core/base/heap-growth';

app.setName('Hindsight');
// The core runs in this process: its heaps stay within 3× what is live under sustained capture (core/base/heap-growth.ts).
boundHeapGrowth();
const dataDir = defaultDataDir();
app.setPath('userData', dataDir);

// dist/electron/main → the package root (also inside app.asar).
const root = path.join(__dirname, '..', '..', '..');
const devUrl = !app.isPackaged && process.env.HINDSIGHT_DEV_URL ? process.env.HINDSIGHT_DEV_URL : undefined;

runDesktop({
  dataDir,
  rendererIndex: path.join(root, 'dist', 'renderer', 'index.html'),
  preload: path.join(__dirname, '..', 'preload', 'index.js'),
  iconDir: path.join(root, 'build', 'icons'),
  devUrl,
}).catch((err: Error) => {
  console.error(`hindsight: ${err.stack ?? err.message}`);
  app.exit(1);
});
