/**
 * File-system failures as one line a user can act on, the same for every command: what could not be done to
 * which path, and why in words ("cannot write /backup/x.har: the folder /backup does not exist") instead of
 * Node's "ENOENT: no such file or directory, open '/backup/x.har'" or a stack trace. Every command exits 1
 * on such a failure (2 stays for bad flags and bad input files).
 */
import path from 'node:path';

/** Why, in words, for the errno codes a user can meet and fix. */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device (disk full)',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EROFS: 'the file system is read-only',
  EEXIST: 'a file of that name is in the way',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error (a failing disk?)',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'the file is busy',
  ENXIO: 'no such device',
};

/** What was being done, by the failing system call, when the command does not say. */
const ACTIONS: Record<string, string> = {
  mkdir: 'create the folder',
  open: 'open',
  read: 'read',
  write: 'write',
  close: 'finish writing',
  fsync: 'finish writing',
  rename: 'write',
  unlink: 'remove',
  rmdir: 'remove',
  scandir: 'list the folder',
  stat: 'reach',
  lstat: 'reach',
  access: 'reach',
  chmod: 'set the permissions of',
  copyfile: 'copy to',
};

export type FsError = NodeJS.ErrnoException & { code: string };

/** An error from the file system (an errno code), as opposed to a bug or bad input. */
export function isFsError(err: unknown): err is FsError {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code! in REASONS;
}

/**
 * One line for a file-system failure. `action` and `file` say what the command was doing ("write",
 * "/tmp/x.har"); without them the failing call's own path and name are used.
 */
export function fsErrorLine(err: FsError, action?: 'read' | 'write', file?: string): string {
  const target = file ?? err.path;
  const verb = action ?? ACTIONS[err.syscall ?? ''] ?? 'use';
  let reason = REASONS[err.code];
  if (err.code === 'ENOENT' && target && (action === 'write' || err.syscall === 'mkdir')) {
    // Writing a file, or making a folder, in a folder that is not there.
    reason = `the folder ${path.dirname(target)} does not exist`;
  } else if (err.code === 'ENOENT' && target) {
    reason = 'no such file';
  }
  return target ? `cannot ${verb} ${target}: ${reason}` : `${verb} failed: ${reason}`;
}

/**
 * One line for any failure that ends a command: a file-system error in words, also when it is the cause of
 * another (the CA's "Cannot prepare the CA folder …"), else the error's own first line.
 */
export function failureLine(err: unknown): string {
  if (isFsError(err)) return fsErrorLine(err);
  const cause = err instanceof Error ? err.cause : undefined;
  if (isFsError(cause)) return fsErrorLine(cause);
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * Standard output that cannot be written — redirected to a full disk, say — ends the command with one line
 * and exit 1 instead of an unhandled 'error' event. A reader that stopped early (`hindsight flows | head`)
 * ends it quietly: it has all it wanted.
 */
export function exitOnOutputFailure(command: string, stdout: NodeJS.WritableStream = process.stdout): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    console.error(`hindsight ${command}: ${isFsError(err) ? fsErrorLine(err, 'write', 'the standard output') : err.message}`);
    process.exit(1);
  });
}
