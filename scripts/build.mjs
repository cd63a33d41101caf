// Builds what ships: the Node side (tsc → dist/) and the renderer (vite → dist/renderer/).
// Run by `prepare` on install and before `npm test`. Everything is built into a folder of its own and
// swapped in at the end (dist-swap.mjs), so the CLI of this checkout keeps working during a rebuild.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { nextDistDir, removeStaleBuilds, swapInto } from './dist-swap.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const out = nextDistDir(root);
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
}
if (!existsSync(bin('tsc'))) {
  // An install without devDependencies (a packaged app) has nothing to build.
  console.log('build: skipped (no dev dependencies installed)');
  process.exit(0);
}
removeStaleBuilds(root);
rmSync(out, { recursive: true, force: true });
run(process.execPath, [bin('tsc'), '-p', 'build/tsconfig.build.json', '--outDir', out]);
// The preload runs sandboxed, where it cannot require our other files: bundle it into one CommonJS file.
// Through esbuild's JS API: after a normal install its bin is a native executable, not a Node script.
const esbuild = await import('esbuild');
await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['electron/preload/index.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  external: ['electron'],
  outfile: path.join(out, 'electron', 'preload', 'index.js'),
  logLevel: 'warning',
});
if (existsSync(path.join(root, 'renderer', 'vite.config.ts'))) {
  run(process.execPath, [bin('vite'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn', '--outDir', path.join(out, 'renderer'), '--emptyOutDir']);
}
swapInto(root, out);
