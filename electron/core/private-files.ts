/**
 * Everything under the data folder is the user's alone: captured flows hold Authorization headers, cookies
 * and bodies. Files are created 0600 and folders 0700 whatever the umask (a umask only removes bits, so
 * passing these modes is enough for new files); stores made by an older Hindsight, or by a tool that did
 * not pass a mode, are tightened once at start by tightenTree.
 */
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
/** For nedb's `modes` option (rules.db, flows.db and their rewrites). */
export const NEDB_PRIVATE_MODES = { fileMode: PRIVATE_FILE_MODE, dirMode: PRIVATE_DIR_MODE };

/** mkdir -p where every folder made is 0700. */
export function mkdirPrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Writes a whole small file owner-only: to a temp file beside it, then renamed, so a crash mid-write never
 * leaves half a file. The folder must exist.
 */
export function writePrivateFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: PRIVATE_FILE_MODE });
  fs.renameSync(tmp, file);
}

/**
 * Takes group and other permissions away from the folder and everything in it (symbolic links are left
 * alone, and not followed). Returns how many entries changed; entries that vanish or cannot be changed
 * meanwhile are skipped (a file being deleted by a trim, a file owned by someone else).
 */
export function tightenTree(root: string): number {
  let changed = 0;
  const visit = (entry: string) => {
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(entry);
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) return;
    const isDir = stat.isDirectory();
    if ((stat.mode & 0o077) !== 0) {
      try {
        fs.chmodSync(entry, (stat.mode & 0o700) | (isDir ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE));
        changed++;
      } catch {
        // Not ours to change; nothing better to do than leave it.
      }
    }
    if (!isDir) return;
    let names: string[];
    try {
      names = fs.readdirSync(entry);
    } catch {
      return;
    }
    for (const name of names) visit(path.join(entry, name));
  };
  visit(root);
  return changed;
}

/**
 * What Hindsight writes in a data folder: its stores (with their journals, temp files and kept-aside copies),
 * its folders (bodies, ca) and its small settings files. Only these are tightened, so `--data` pointed at a
 * folder that holds other things (a project, a home folder) never has those changed.
 */
const OURS = /^(?:flows\.db|rules\.db|flows-meta\.json|hindsight\.lock|ui-token|settings\.json|lan\.json|window-state\.json|sysproxy-[\w-]*\.json|bodies|ca)(?:$|[.~])/;

/** Tightens the data folder itself and Hindsight's entries in it (recursively); returns how many changed. */
export function tightenDataDir(dataDir: string): number {
  let changed = 0;
  try {
    const stat = fs.statSync(dataDir);
    if ((stat.mode & 0o077) !== 0) {
      fs.chmodSync(dataDir, (stat.mode & 0o700) | PRIVATE_DIR_MODE);
      changed++;
    }
  } catch {
    return 0;
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return changed;
  }
  for (const name of names) if (OURS.test(name)) changed += tightenTree(path.join(dataDir, name));
  return changed;
}

