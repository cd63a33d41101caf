// `npm run bench`: runs every bench/*.bench.ts (or those whose name contains an argument) one after
// another, each in its own process, and prints their reports. Figures go to docs/BENCHMARKS.md by hand,
// with date and machine.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
let failed = 0;
for (const f of files) {
  console.log(`\n## ${f}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', path.join(dir, f)], { stdio: 'inherit', cwd: path.join(dir, '..') });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
