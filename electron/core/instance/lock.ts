/**
 * The lock file a running `hindsight serve` keeps in its data dir (dataPaths().lockFile, mode 0600):
 * it says who holds the store and how to reach its API, so the other CLI commands (`flows`, `export`)
 * ask the running instance instead of opening the same nedb files a second time. A lock whose process
 * is gone (a crash, a kill -9) is stale: ignored by readers and replaced by the next holder.
 */
import fs from 'node:fs';
import type { DisposableApiClient } from '../../common/api-client';
import { dataPaths } from '../paths';
import { connectWebSocket } from './ws-client';
import { mkdirPrivate } from '../private-files';

export interface LockInfo {
  pid: number;
  /** Where the UI server (and /api/ws) listens. */
  uiHost: string;
  uiPort: number;
  token: string;
  proxyPort: number;
  startedAt: number;
}

export interface HeldLock {
  readonly info: LockInfo;
  /** Rewrites the lock with a new token (token.rotate), so the CLI keeps reaching the instance. */
  setToken(token: string): void;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

export class LockHeldError extends Error {
  override name = 'LockHeldError';
  constructor(readonly holder: LockInfo) {
    super(`the data dir is in use by hindsight (pid ${holder.pid}, UI port ${holder.uiPort})`);
  }
}

export function acquireLock(dataDir: string, info: Omit<LockInfo, 'pid' | 'startedAt'>, pid = process.pid): HeldLock {
  const file = dataPaths(dataDir).lockFile;
  mkdirPrivate(dataDir);
  const held: LockInfo = { pid, ...info, startedAt: Date.now() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeFileSync(fd, JSON.stringify(held) + '\n');
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = readLockFile(file);
      if (holder && holder.pid !== pid && isAlive(holder.pid)) throw new LockHeldError(holder);
      // Stale (or unreadable, or our own leftover): replace it.
      fs.rmSync(file, { force: true });
    }
  }
  let released = false;
  return {
    info: held,
    setToken(token) {
      if (released) return;
      held.token = token;
      // Replaced whole (temp file + rename): a reader never sees half a lock.
      const tmp = `${file}.${pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(held) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
    release() {
      if (released) return;
      released = true;
      const now = readLockFile(file);
      if (now && now.pid === held.pid && now.token === held.token) fs.rmSync(file, { force: true });
    },
  };
}

/** The live holder of the data dir, or null when nobody (or only a dead process) holds it. */
export function readLock(dataDir: string): LockInfo | null {
  const info = readLockFile(dataPaths(dataDir).lockFile);
  return info && isAlive(info.pid) ? info : null;
}

/**
 * An API client connected to the instance holding the data dir, or null when none is running (no
 * lock, a stale lock, or a lock whose server no longer answers).
 */
export async function connectToRunning(dataDir: string, timeoutMs = 5000): Promise<DisposableApiClient | null> {
  const info = readLock(dataDir);
  if (!info) return null;
  const host = info.uiHost === '0.0.0.0' || info.uiHost === '' ? '127.0.0.1' : info.uiHost === '::' ? '::1' : info.uiHost;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${info.uiPort}/api/ws`;
  try {
    return await connectWebSocket(url, info.token, timeoutMs);
  } catch {
    return null;
  }
}

function readLockFile(file: string): LockInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid !== 'number' || typeof v.uiPort !== 'number' || typeof v.token !== 'string') return null;
    return {
      pid: v.pid,
      uiHost: typeof v.uiHost === 'string' ? v.uiHost : '127.0.0.1',
      uiPort: v.uiPort,
      token: v.token,
      proxyPort: typeof v.proxyPort === 'number' ? v.proxyPort : 0,
      startedAt: typeof v.startedAt === 'number' ? v.startedAt : 0,
    };
  } catch {
    return null;
  }
}

/** Signal 0 checks existence; EPERM means the process exists but belongs to someone else. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
