/**
 * The embedded UserDirectory: `<data>/users.json` (0600, replaced whole through a temporary file), read again
 * whenever it changed on disk, so `hindsight users add|revoke` run beside a `hindsight serve` takes effect
 * in the server at once: every authentication checks the file's identity (a stat, no read), and a watcher
 * (inotify where available, a one-second poll besides) tells the server to drop a revoked user's open sockets.
 *
 * File shape (version 1): { version: 1, users: [{ name, role, tokenHash, createdAt, devices }] }.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Emitter } from '../../common/events';
import { userNameProblem, type UserInfo, type UserRole } from '../../common/users';
import { mkdirPrivate, writePrivateFileAtomic } from '../private-files';
import { hashToken, newUserToken, tokenHashMatches } from './token';
import type { UserDirectory } from './types';

export const USERS_FILE = 'users.json';
const POLL_MS = 1000;

/** A user as stored: the public info and the token's SHA-256 (what `store copy` moves between stores). */
export interface UserRecord extends UserInfo {
  tokenHash: string;
}

export function usersFile(dataDir: string): string {
  return path.join(dataDir, USERS_FILE);
}

export class UsersFile implements UserDirectory {
  private records: UserRecord[] = [];
  /** Why the file could not be read, if it could not. */
  problem: string | undefined;
  /** mtime, size and inode of the file last read: any change means another writer. */
  private seen = '';
  private readonly file: string;
  private readonly _onDidChange = new Emitter<UserInfo[]>();
  readonly onDidChange = this._onDidChange.event;
  private watcher: fs.FSWatcher | undefined;
  private poll: ReturnType<typeof setInterval> | undefined;

  /** `watch`: follow changes made by other processes (the server does; the CLI does not need to). */
  constructor(
    private readonly dataDir: string,
    options: { watch?: boolean } = {},
  ) {
    this.file = usersFile(dataDir);
    this.refresh();
    if (options.watch) {
      try {
        this.watcher = fs.watch(dataDir, (_event, name) => {
          if (name === null || name === USERS_FILE) this.refresh();
        });
        this.watcher.on('error', () => {});
      } catch {
        // No inotify (or too many watchers): the poll below still notices within a second.
      }
      this.poll = setInterval(() => this.refresh(), POLL_MS);
      this.poll.unref();
    }
  }

  list(): UserInfo[] {
    this.refresh();
    return this.records.map(publicInfo);
  }

  hasUsers(): boolean {
    this.refresh();
    return this.records.length > 0;
  }

  async add(name: string, role: UserRole): Promise<{ user: UserInfo; token: string }> {
    const problem = userNameProblem(name);
    if (problem) throw new Error(problem);
    return this.change(() => {
      if (this.records.some((u) => u.name === name)) throw new Error(`a user named ${name} already exists (revoke it first to issue a new token)`);
      const token = newUserToken();
      const record: UserRecord = { name, role, createdAt: Date.now(), devices: [], tokenHash: hashToken(token) };
      this.records.push(record);
      return { user: publicInfo(record), token };
    });
  }

  async revoke(name: string): Promise<boolean> {
    return this.change(() => {
      const before = this.records.length;
      this.records = this.records.filter((u) => u.name !== name);
      return this.records.length !== before;
    });
  }

  authenticate(token: string): UserInfo | undefined {
    this.refresh();
    if (!token) return undefined;
    // Every record is compared, so the time taken does not say which user (if any) matched.
    let found: UserRecord | undefined;
    for (const record of this.records) if (tokenHashMatches(token, record.tokenHash)) found = record;
    return found && publicInfo(found);
  }

  async bindDevice(name: string, address: string, replacing?: string): Promise<UserInfo | undefined> {
    return this.change(() => {
      const record = this.records.find((u) => u.name === name);
      if (!record) return undefined;
      const devices = record.devices.filter((d) => d !== address && d !== replacing);
      record.devices = [...devices, address];
      return publicInfo(record);
    });
  }

  dispose(): void {
    this.watcher?.close();
    if (this.poll) clearInterval(this.poll);
    this._onDidChange.dispose();
  }

  /** Reads the file again when it changed since the last read; fires onDidChange then. */
  private refresh(): void {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(this.file);
    } catch {
      stat = undefined;
    }
    const identity = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : '';
    if (identity === this.seen) return;
    this.seen = identity;
    try {
      this.records = stat ? readRecords(this.file) : [];
      this.problem = undefined;
    } catch (err) {
      // Nobody but the UI token's owner signs in until the file is fixed: failing closed, never open.
      this.records = [];
      this.problem = `${this.file} cannot be read (${(err as Error).message}); only the data folder's UI token works until it is fixed or removed`;
    }
    this._onDidChange.fire(this.records.map(publicInfo));
  }

  /** Read, change, write: the latest file is the base, so another process's change is not undone. */
  private change<T>(work: () => T): T {
    this.seen = '';
    this.refresh();
    if (this.problem) throw new Error(this.problem);
    const result = work();
    writeUserRecords(this.dataDir, this.records);
    this.refresh();
    return result;
  }
}

function publicInfo(record: UserRecord): UserInfo {
  return { name: record.name, role: record.role, createdAt: record.createdAt, devices: [...record.devices] };
}

/** The users stored in a data folder ([] without a file); throws when the file cannot be read. */
export function readUserRecords(dataDir: string): UserRecord[] {
  const file = usersFile(dataDir);
  return fs.existsSync(file) ? readRecords(file) : [];
}

/** Replaces the data folder's users file whole (owner-only, through a temporary file). */
export function writeUserRecords(dataDir: string, records: readonly UserRecord[]): void {
  mkdirPrivate(dataDir);
  writePrivateFileAtomic(usersFile(dataDir), `${JSON.stringify({ version: 1, users: records }, null, 2)}\n`);
}

/** A file that cannot be read signs nobody in (and says why), rather than silently opening the server. */
function readRecords(file: string): UserRecord[] {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: number; users?: unknown };
  if (doc.version !== 1 || !Array.isArray(doc.users)) throw new Error(`${file} is not a Hindsight users file (version 1)`);
  return doc.users.filter(
    (u): u is UserRecord =>
      !!u && typeof u.name === 'string' && (u.role === 'admin' || u.role === 'member') && typeof u.tokenHash === 'string' && /^[0-9a-f]{64}$/.test(u.tokenHash),
  ).map((u) => ({ ...u, devices: Array.isArray(u.devices) ? u.devices.filter((d: unknown) => typeof d === 'string') : [] }));
}
