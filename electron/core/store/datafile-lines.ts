/**
 * The flow datafile read and rewritten by byte position (runs in the store's worker).
 *
 * The worker does not keep stored flows in memory, only where each one's line lies in the datafile: 60,000
 * parsed flows take about 300 MB of heap, their positions a few MB. So the file is scanned once at startup
 * (each line with its offset), one line is read back for a `get`, and a compaction copies the lines still in
 * use into a new file, which then replaces the old one the way nedb replaces it (write `<file>~`, flush,
 * rename), so a crash at any point leaves one whole datafile.
 *
 * Synchronous I/O on purpose: this runs on the worker's thread only, inside nedb's executor, where nothing
 * else may touch the file meanwhile anyway.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Where one line lies in the datafile: its first byte and its length in bytes, without the newline. */
export interface LineRange {
  at: number;
  len: number;
}

const CHUNK = 1024 * 1024;

/**
 * Calls `onLine` for every non-empty line of the file with its byte range, in file order. Stops early
 * when `onLine` returns false; returns false then, true when the whole file was read. A missing file has
 * no lines.
 */
export function scanLines(file: string, onLine: (line: string, range: LineRange) => boolean | void): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
  try {
    const chunk = Buffer.allocUnsafe(CHUNK);
    /** Bytes of a line begun in an earlier chunk. */
    let carry: Buffer | undefined;
    let carryAt = 0;
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK, pos);
      if (n === 0) break;
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0 || nl >= n) break;
        let line: string;
        let at: number;
        if (carry) {
          line = Buffer.concat([carry, chunk.subarray(start, nl)]).toString('utf8');
          at = carryAt;
          carry = undefined;
        } else {
          line = chunk.toString('utf8', start, nl);
          at = pos + start;
        }
        const len = pos + nl - at;
        if (len > 0 && onLine(line, { at, len }) === false) return false;
        start = nl + 1;
      }
      if (start < n) {
        const rest = Buffer.from(chunk.subarray(start, n));
        if (carry) carry = Buffer.concat([carry, rest]);
        else {
          carry = rest;
          carryAt = pos + start;
        }
      }
      pos += n;
    }
    // A last line without its newline (repairTornTail normally adds it or cuts the line off first).
    if (carry && carry.length > 0 && onLine(carry.toString('utf8'), { at: carryAt, len: carry.length }) === false) return false;
    return true;
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads one line back. Throws when the file is shorter than the range says. */
export function readLine(fd: number, range: LineRange): string {
  const buf = Buffer.allocUnsafe(range.len);
  readFully(fd, buf, range.at);
  return buf.toString('utf8');
}

function readFully(fd: number, buf: Buffer, at: number): void {
  let got = 0;
  while (got < buf.length) {
    const n = fs.readSync(fd, buf, got, buf.length - got, at + got);
    if (n === 0) throw new Error(`the datafile ends at byte ${at + got}, before the record expected at ${at} (${buf.length} bytes)`);
    got += n;
  }
}

/**
 * Replaces the file with one holding only the given lines (each followed by a newline), kept in file order,
 * and returns each line's new offset (in the order given). Crash-safe like nedb's own compaction: the new
 * content goes to `<file>~`, is flushed, then renamed over the file; nedb's datafile check at startup takes
 * `<file>~` when `<file>` is missing. On an error the old file stays as it was.
 */
export function rewriteLines(file: string, ranges: readonly LineRange[], fileMode = 0o644): number[] {
  const temp = `${file}~`;
  const newAt = new Array<number>(ranges.length);
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a]!.at - ranges[b]!.at);
  const src = fs.openSync(file, 'r');
  let dst: number | undefined;
  try {
    dst = fs.openSync(temp, 'w', fileMode);
    // Lines are copied through a read window and a write buffer, so memory stays at two chunks however
    // large the file.
    let window = Buffer.allocUnsafe(CHUNK);
    let winAt = 0;
    let winLen = 0;
    let out = Buffer.allocUnsafe(CHUNK);
    let outLen = 0;
    let written = 0;
    const flush = () => {
      let done = 0;
      while (done < outLen) done += fs.writeSync(dst!, out, done, outLen - done);
      outLen = 0;
    };
    for (const i of order) {
      const r = ranges[i]!;
      if (r.at < winAt || r.at + r.len > winAt + winLen) {
        if (r.len > window.length) window = Buffer.allocUnsafe(r.len);
        winAt = r.at;
        winLen = fs.readSync(src, window, 0, window.length, r.at);
        if (winLen < r.len) throw new Error(`the datafile ends before the record expected at byte ${r.at} (${r.len} bytes)`);
      }
      if (outLen + r.len + 1 > out.length) {
        flush();
        if (r.len + 1 > out.length) out = Buffer.allocUnsafe(r.len + 1);
      }
      window.copy(out, outLen, r.at - winAt, r.at - winAt + r.len);
      out[outLen + r.len] = 0x0a;
      outLen += r.len + 1;
      newAt[i] = written;
      written += r.len + 1;
    }
    flush();
    fs.fsyncSync(dst);
    fs.closeSync(dst);
    dst = undefined;
    fs.renameSync(temp, file);
    syncFolder(path.dirname(file));
    return newAt;
  } catch (err) {
    if (dst !== undefined) fs.closeSync(dst);
    fs.rmSync(temp, { force: true });
    throw err;
  } finally {
    fs.closeSync(src);
  }
}

/** Makes a rename durable where the platform allows it (not on Windows, where a folder cannot be opened). */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(folder, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Best effort, as in nedb.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
