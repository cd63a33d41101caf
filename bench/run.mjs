// `npm run bench`: runs every bench/*.bench.ts (or those whose name contains an argument) one after
// another, each in its own process, and prints their reports. Figures go to docs/BENCHMARKS.md by hand,
// with date and machine.
//
// Figures from a busy machine mislead (other work takes the proxy's core), so the load average is printed
// before each benchmark and a run is refused while the 1-minute load average is above MAX_LOAD (1.0), unless
// BENCH_FORCE=1; a forced run is flagged as loaded in its output. BENCH_MAX_LOAD changes the limit.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error('no benchmarks matched');
  process.exit(1);
}
const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD ?? 1.0);
const forced = process.env.BENCH_FORCE === '1';
const loadLine = () => `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1, 5, 15 min) on ${os.cpus().length} CPUs`;
if (os.loadavg()[0] > MAX_LOAD) {
  if (!forced) {
    console.error(`bench: ${loadLine()}: above ${MAX_LOAD}, so the figures would measure the other work as much as Hindsight. Wait for a quiet machine, or set BENCH_FORCE=1 to run anyway (the output is then flagged LOADED).`);
    process.exit(2);
  }
  console.log(`**LOADED MACHINE** (BENCH_FORCE=1): ${loadLine()}. Compare figures within this run only.`);
}
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f}\n\n${loadLine()}${os.loadavg()[0] > MAX_LOAD ? ' — LOADED' : ''}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(dir, f)], { stdio: 'inherit', cwd: path.join(dir, '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
