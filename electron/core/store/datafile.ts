/**
 * Care of the nedb datafile before nedb reads it (runs in the store's worker).
 *
 * nedb appends one JSON line per write and counts an unreadable line as corrupt; above its
 * corruptAlertThreshold (10%) it refuses the whole file. A kill -9 during an append leaves a torn last line,
 * which in a small file would be enough to refuse it, so the torn tail is cut off here first (with a
 * warning). A file nedb still refuses is renamed aside, never deleted, so the user can recover it.
 */
import fs from 'node:fs';

const BLOCK = 64 * 1024;

/**
 * Cuts an unfinished last line (no trailing newline) off the datafile. A last line that is complete JSON and
 * only lacks its newline gets the newline instead. Returns a warning for the user, or undefined if the file
 * was whole.
 */
export function repairTornTail(file: string, what = 'flow datafile'): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return undefined;
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return undefined;
    const lineStart = findLineStart(fd, size);
    const tail = Buffer.alloc(size - lineStart);
    fs.readSync(fd, tail, 0, tail.length, lineStart);
    if (isJsonObject(tail.toString('utf8'))) {
      fs.writeSync(fd, '\n', size);
      return undefined;
    }
    fs.ftruncateSync(fd, lineStart);
    return `The ${what} ended with an unfinished record (${tail.length} bytes, written when Hindsight was stopped abruptly); it was dropped.`;
  } finally {
    fs.closeSync(fd);
  }
}

/** Offset just after the last newline before `size`, or 0. */
function findLineStart(fd: number, size: number): number {
  const buf = Buffer.alloc(BLOCK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - BLOCK);
    const n = fs.readSync(fd, buf, 0, end - start, start);
    const i = buf.subarray(0, n).lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/** Renames the datafile to `<file>.corrupt-<time>` and returns the new path. Nothing is deleted. */
export function moveAside(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 2; fs.existsSync(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  fs.renameSync(file, target);
  return target;
}

/** Copies the datafile to `<file>.damaged-<time>` before nedb rewrites it without its unreadable lines. */
export function keepCopy(file: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = `${file}.damaged-${stamp}`;
  fs.copyFileSync(file, target);
  return target;
}
