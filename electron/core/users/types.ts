/**
 * Named users (team mode, issue 21) behind one small interface: the embedded store keeps them in an
 * owner-only file in the data folder (users-file.ts); on a PostgreSQL store they are rows every node shares
 * (pg-store.ts). Reads are answered from memory (every request authenticates); changes are written
 * through and resolve once stored. Tokens are never stored, only their SHA-256: a leaked users file or
 * table signs nobody in.
 */
import type { Event } from '../../common/events';
import type { UserInfo, UserRole } from '../../common/users';

export interface UserDirectory {
  /** Every user, by name. */
  list(): UserInfo[];
  /** Why the stored users could not be read (then only the UI token works), if they could not. */
  readonly problem?: string;
  /** True when at least one user exists (team mode). */
  hasUsers(): boolean;
  /** Creates a user with a fresh token; returns the token (shown once, never stored). Throws when the name is taken or bad. */
  add(name: string, role: UserRole): Promise<{ user: UserInfo; token: string }>;
  /** Removes the user; their token stops working at once. False when there was no such user. */
  revoke(name: string): Promise<boolean>;
  /** The user holding this token, or undefined (constant-time compare per user). */
  authenticate(token: string): UserInfo | undefined;
  /** Adds a device address to a user (a bind code scanned); replaces `replacing` when given. */
  bindDevice(name: string, address: string, replacing?: string): Promise<UserInfo | undefined>;
  /** Users were added, revoked or changed, here or by another process (the CLI, another node) writing the same store. */
  readonly onDidChange: Event<UserInfo[]>;
  dispose(): void | Promise<void>;
}

/** Who a request signed in as: the data folder's UI token (the owner, an admin) or a named user. */
export interface Principal {
  kind: 'owner' | 'user';
  name: string;
  role: UserRole;
}
