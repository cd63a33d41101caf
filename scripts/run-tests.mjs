// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [path-substring …]  — only files whose path contains one of them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : walk(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}
const wanted = process.argv.slice(2);
const files = walk(path.join(root, 'test'))
  .map((f) => path.relative(root, f))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Node 20's runner applies --test-timeout to each test file's process as a whole: a file that hangs fails
// after 10 minutes, naming the file, instead of stalling the run until CI's own limit (the longest file,
// test/integration/capture/streams.test.ts, holds responses for 120 s and takes about 2 minutes).
const FILE_TIMEOUT_MS = 10 * 60 * 1000;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-timeout=${FILE_TIMEOUT_MS}`, '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HINDSIGHT_TEST: '1' },
});
process.exit(r.status ?? 1);
