/**
 * A file a command writes for the user (`export --out`, `ca --der`). A failure — a missing folder, no
 * permission, a full disk — rejects with the file-system error, never an unhandled 'error' event, and is
 * never reported as success:
 * - a regular file (or a new one) is written to a temporary file beside it and renamed over it only when
 *   every byte is written, so a failed export leaves what was there before, not half a document;
 * - anything else (/dev/stdout, /dev/full, a FIFO) is written in place: it cannot be replaced by a rename.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Reports an error against the path the user named: the temporary file's path is replaced, and a stream's
 * write error (which has none) gets it. Errors about other files (`write` may write some) keep theirs.
 */
function onTarget(err: unknown, file: string, temporary: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof e.code === 'string' && (e.path === undefined || e.path === temporary)) e.path = file;
  return err;
}

export async function writeOutputFile<T>(file: string, write: (stream: Writable) => Promise<T>): Promise<T> {
  const existing = await fs.promises.stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing?.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${file}'`), { code: 'EISDIR', syscall: 'open', path: file });
  let inPlace = existing !== undefined && !existing.isFile();
  let target = inPlace ? file : path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.promises.FileHandle;
  try {
    // A replaced file keeps its permissions; a new one gets the usual ones (0666 less the umask).
    handle = await fs.promises.open(target, inPlace ? 'w' : 'wx', existing ? existing.mode & 0o7777 : 0o666);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file the user may write in a folder they may not add files to: it can only be written in place.
    if (!existing || inPlace || (code !== 'EACCES' && code !== 'EPERM')) throw onTarget(err, file, target);
    inPlace = true;
    target = file;
    handle = await fs.promises.open(file, 'w').catch((e: unknown) => {
      throw onTarget(e, file, file);
    });
  }
  const stream = handle.createWriteStream();
  // The first write error ends the writing at once (a full disk fails every later write too).
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => {});
  try {
    const result = await Promise.race([write(stream), failed]);
    stream.end();
    await finished(stream);
    if (!inPlace) await fs.promises.rename(target, file);
    return result;
  } catch (err) {
    stream.destroy();
    if (!inPlace) await fs.promises.rm(target, { force: true }).catch(() => {});
    throw onTarget(err, file, target);
  }
}
