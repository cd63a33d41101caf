/**
 * A rebuild must never break the CLI of the same checkout (`npm test` rebuilds dist/ while a `hindsight`
 * from it may be running): builds are swapped in whole (scripts/dist-swap.mjs) and bin/hindsight.js waits
 * out the swap. Here a scratch checkout (the real bin/hindsight.js, a tiny dist/) is swapped hundreds of
 * times while another process runs its `hindsight` again and again; every run must find a build.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type DistSwap = typeof import('../../../scripts/dist-swap.mjs');
const load = () => import('../../../scripts/dist-swap.mjs') as Promise<DistSwap>;
const repo = path.resolve(__dirname, '..', '..', '..');

/** A build that prints its number, the way the real one answers `hindsight --version`. */
function writeBuild(dir: string, n: number): void {
  fs.mkdirSync(path.join(dir, 'electron', 'cli'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'electron', 'cli', 'index.js'), `exports.main = async () => { console.log('build ${n}'); return 0; };\n`);
}

test('the CLI keeps working while dist/ is rebuilt and swapped, again and again', { timeout: 120_000 }, async (t) => {
  const { nextDistDir, swapInto } = await load();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-dist-swap-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  fs.mkdirSync(path.join(scratch, 'bin'));
  fs.copyFileSync(path.join(repo, 'bin', 'hindsight.js'), path.join(scratch, 'bin', 'hindsight.js'));
  writeBuild(path.join(scratch, 'dist'), 0);

  // Another process runs the scratch checkout's `hindsight` again and again, one run after another.
  const runs = 30;
  const runner = `
    const { spawnSync } = require('node:child_process');
    const results = [];
    for (let i = 0; i < ${runs}; i++) {
      const r = spawnSync(process.execPath, [${JSON.stringify(path.join(scratch, 'bin', 'hindsight.js'))}], { encoding: 'utf8' });
      results.push(r.status === 0 ? r.stdout.trim() : 'failed: ' + r.stderr.trim());
    }
    console.log(JSON.stringify(results));`;
  const child = spawn(process.execPath, ['-e', runner], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  let running = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((running = false), resolve())));

  // Meanwhile: rebuild and swap, as fast as files can be written, until the runner is done (bounded).
  let swaps = 0;
  const started = Date.now();
  while (running && swaps < 3000 && Date.now() - started < 90_000) {
    const next = nextDistDir(scratch);
    writeBuild(next, ++swaps);
    swapInto(scratch, next);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await exited;
  const results = JSON.parse(stdout) as string[];
  assert.deepEqual(
    { failed: results.filter((r) => !/^build \d+$/.test(r)), runs: results.length, leftovers: fs.readdirSync(scratch).sort() },
    { failed: [], runs, leftovers: ['bin', 'dist'] },
  );
  // The runs met several builds: the swaps really happened while the CLI ran.
  assert.ok(new Set(results).size > 5, `only ${new Set(results).size} builds seen in ${swaps} swaps`);
});
