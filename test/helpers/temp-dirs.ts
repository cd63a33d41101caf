/**
 * Temporary folders for one test file, each removed after the test that made it:
 * `const tempDir = tempDirs('hindsight-bodies-')`, then `tempDir()` in a test. Call it at the top level of
 * the test file, after any afterEach hook that must run first (closing stores that write into the folders).
 */
import { afterEach } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
