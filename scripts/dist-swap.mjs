// Replacing dist/ with a finished build in one step. scripts/build.mjs builds into a folder of its own and
// calls swapInto at the end, so dist/ is never half-built: a `hindsight` run from this checkout while
// `npm test` rebuilds uses the old build until the swap and the new one after. The swap is two renames (Node
// has no atomic exchange of two folders); bin/hindsight.js waits out the instant between them, which it
// recognizes by the previous build's folder being there.
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

export const NEXT_PREFIX = '.dist-next-';
export const PREVIOUS_PREFIX = '.dist-previous-';

/** A folder beside `dist` for a build in progress, unique to this process. */
export function nextDistDir(root) {
  return path.join(root, `${NEXT_PREFIX}${process.pid}`);
}

/** Puts the finished build `next` in place of `<root>/dist`; the old build is removed afterwards. */
export function swapInto(root, next) {
  const dist = path.join(root, 'dist');
  const previous = path.join(root, `${PREVIOUS_PREFIX}${process.pid}`);
  rmSync(previous, { recursive: true, force: true });
  if (existsSync(dist)) renameSync(dist, previous);
  renameSync(next, dist);
  rmSync(previous, { recursive: true, force: true });
}

/** Leftovers of builds that were interrupted (their process is gone), removed before a new build. */
export function removeStaleBuilds(root) {
  for (const name of readdirSync(root)) {
    if (!name.startsWith(NEXT_PREFIX) && !name.startsWith(PREVIOUS_PREFIX)) continue;
    const pid = Number(name.slice(name.lastIndexOf('-') + 1));
    if (pid !== process.pid && isRunning(pid)) continue;
    rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

function isRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
