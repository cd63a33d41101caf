/**
 * The snapshot of the user's own proxy setting, on disk for as long as the OS points at Hindsight, so
 * that a crash can be undone at the next start (or by `hindsight sysproxy restore`).
 */
import fs from 'node:fs';
import { readJsonFile, writeJsonFile } from '../base/json-file';
import type { SysproxySnapshot } from './types';

export function readSnapshot(file: string): SysproxySnapshot | undefined {
  const snap = readJsonFile(file) as SysproxySnapshot | undefined;
  if (snap === undefined) return undefined;
  if (snap?.version !== 1 || typeof snap.pid !== 'number' || !snap.applied) throw new Error(`${file}: not a Hindsight system proxy snapshot`);
  return snap;
}

export function writeSnapshot(file: string, snap: SysproxySnapshot): void {
  writeJsonFile(file, snap);
}

export function removeSnapshot(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Whether a process id is running (EPERM: it is, but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
