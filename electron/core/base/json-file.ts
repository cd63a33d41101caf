// Small JSON files in the data dir (snapshot, settings): written to a temp file and renamed, so a crash
// mid-write never leaves half a file; readable only by the user.
import fs from 'node:fs';
import path from 'node:path';
import { mkdirPrivate, writePrivateFileAtomic } from '../private-files';

/** The parsed file, or undefined when it does not exist. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

export function writeJsonFile(file: string, data: unknown): void {
  mkdirPrivate(path.dirname(file));
  writePrivateFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
}
