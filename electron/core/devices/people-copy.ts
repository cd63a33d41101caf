/**
 * People for `hindsight store copy` (issue 21): named users (with their token hashes, so their tokens keep
 * working) and bound devices, between a data folder (users.json, devices.json) and a PostgreSQL store
 * (`users`, `bound_devices`), either way. A user with the same name, or a device with the same key, is
 * replaced, as rules with the same id are. Bind codes are not copied: they live minutes.
 */
import type { DeviceRecord } from './types';
import { readDeviceRecords, writeDeviceRecords } from './bindings-file';
import type { Queryable } from '../store/pg/pg-db';
import { USERS_CHANNEL } from '../users/pg-store';
import { readUserRecords, writeUserRecords, type UserRecord } from '../users/users-file';

export interface People {
  users: UserRecord[];
  devices: DeviceRecord[];
}

/** Where people are kept: a data folder, or a database (its pool). */
export type PeopleStore = { dir: string } | { db: Queryable };

export async function readPeople(from: PeopleStore): Promise<People> {
  if ('dir' in from) return { users: readUserRecords(from.dir), devices: readDeviceRecords(from.dir) };
  const { rows: users } = await from.db.query<{ name: string; role: UserRecord['role']; token_hash: string; created_at: number; devices: string[] }>(
    'SELECT name, role, token_hash, created_at, devices FROM users ORDER BY name',
  );
  const { rows: devices } = await from.db.query<{ record: DeviceRecord }>('SELECT record FROM bound_devices ORDER BY key');
  return {
    users: users.map((u) => ({ name: u.name, role: u.role, createdAt: u.created_at, devices: u.devices, tokenHash: u.token_hash })),
    devices: devices.map((d) => d.record),
  };
}

/** Writes the people into `to`, replacing same-named users and same-keyed devices, keeping the rest. */
export async function writePeople(to: PeopleStore, people: People): Promise<void> {
  if ('dir' in to) {
    if (people.users.length) writeUserRecords(to.dir, replaced(readUserRecords(to.dir), people.users, (u) => u.name));
    if (people.devices.length) writeDeviceRecords(to.dir, replaced(readDeviceRecords(to.dir), people.devices, (d) => d.key));
    return;
  }
  const { users, devices } = people;
  if (users.length) {
    await to.db.query(
      `INSERT INTO users (name, role, token_hash, created_at, devices)
       SELECT n, r, h, c, d::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) AS u(n, r, h, c, d)
       ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at, devices = EXCLUDED.devices`,
      [users.map((u) => u.name), users.map((u) => u.role), users.map((u) => u.tokenHash), users.map((u) => u.createdAt), users.map((u) => JSON.stringify(u.devices))],
    );
    // Nodes running on the database read their users again (users/pg-store.ts listens here).
    await to.db.query('SELECT pg_notify($1, $2)', [USERS_CHANNEL, 'copied']);
  }
  if (devices.length) {
    await to.db.query(
      `INSERT INTO bound_devices (key, record) SELECT k, r::jsonb FROM unnest($1::text[], $2::text[]) AS d(k, r)
       ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record`,
      [devices.map((d) => d.key), devices.map((d) => JSON.stringify(d))],
    );
  }
}

export async function copyPeople(from: PeopleStore, to: PeopleStore): Promise<{ users: number; devices: number }> {
  const people = await readPeople(from);
  await writePeople(to, people);
  return { users: people.users.length, devices: people.devices.length };
}

/** `kept` with every entry of `incoming` in place of the one with the same key (or appended). */
function replaced<T>(kept: readonly T[], incoming: readonly T[], keyOf: (t: T) => string): T[] {
  const byKey = new Map(kept.map((t) => [keyOf(t), t]));
  for (const t of incoming) byKey.set(keyOf(t), t);
  return [...byKey.values()];
}
