/**
 * The UserDirectory on a PostgreSQL store (`serve --store postgres://…`, `users … --store …`): users are rows of
 * the `users` table (schema migration 3) shared by every node, so a user added on node A signs in on node B
 * and a revoke on any node refuses the token everywhere.
 *
 * Every request authenticates, so the users are held in memory and read again whenever they change: each
 * change NOTIFYs `hindsight_users`, every node LISTENs (and reads them all again when that connection comes
 * back after a loss), and onDidChange then closes a revoked user's open sockets on that node, within a round
 * trip of the revoke. A team has tens of users: reading them all is cheaper than tracking single changes.
 */
import type pg from 'pg';
import { Emitter } from '../../common/events';
import { userNameProblem, type UserInfo, type UserRole } from '../../common/users';
import { changeAndNotify } from '../store/pg/pg-db';
import { ChannelListener } from '../store/pg/pg-listen';
import { hashToken, newUserToken, tokenHashMatches } from './token';
import type { UserDirectory } from './types';

/** Every change NOTIFYs here; `store copy` too (devices/people-copy.ts). */
export const USERS_CHANNEL = 'hindsight_users';

/** A row of `users` (a type, not an interface: pg's row type needs an index signature). */
type UserRow = {
  name: string;
  role: UserRole;
  token_hash: string;
  created_at: number;
  devices: string[];
};

export interface PgUserStoreOptions {
  /** Follow other nodes' changes (a server does; a one-shot CLI command does not). */
  listen: boolean;
  /** Where problems reading changes go (the flow store's warnings). */
  warn?: (message: string) => void;
}

export class PgUsers implements UserDirectory {
  private rows: UserRow[] = [];
  readonly problem: string | undefined = undefined;
  private readonly _onDidChange = new Emitter<UserInfo[]>();
  readonly onDidChange = this._onDidChange.event;
  private readonly listener: ChannelListener | undefined;
  /** Reloads run one after another, so an older read never replaces a newer one. */
  private reloading: Promise<void> = Promise.resolve();
  private disposed = false;

  /** `pool` runs on a migrated database (the flow store's, or one the CLI opened); `url` for LISTEN. */
  static async open(pool: pg.Pool, url: string, options: PgUserStoreOptions): Promise<PgUsers> {
    const store = new PgUsers(pool, url, options);
    try {
      await store.listener?.start();
      // The first read must succeed: a server that cannot read its users would refuse everyone silently.
      await store.load();
    } catch (err) {
      await store.listener?.stop();
      throw err;
    }
    return store;
  }

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
    private readonly options: PgUserStoreOptions,
  ) {
    const warn = options.warn ?? (() => {});
    if (options.listen) {
      this.listener = new ChannelListener(url, USERS_CHANNEL, () => void this.reload(), warn, { onReconnected: () => void this.reload() });
    }
  }

  list(): UserInfo[] {
    return this.rows.map(publicInfo);
  }

  hasUsers(): boolean {
    return this.rows.length > 0;
  }

  authenticate(token: string): UserInfo | undefined {
    if (!token) return undefined;
    // Every row is compared, so the time taken does not say which user (if any) matched.
    let found: UserRow | undefined;
    for (const row of this.rows) if (tokenHashMatches(token, row.token_hash)) found = row;
    return found && publicInfo(found);
  }

  async add(name: string, role: UserRole): Promise<{ user: UserInfo; token: string }> {
    const problem = userNameProblem(name);
    if (problem) throw new Error(problem);
    const token = newUserToken();
    const rows = await this.change<UserRow>(
      'INSERT INTO users (name, role, token_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name, role, token_hash, created_at, devices',
      [name, role, hashToken(token), Date.now()],
    );
    if (rows.length === 0) throw new Error(`a user named ${name} already exists (revoke it first to issue a new token)`);
    return { user: publicInfo(rows[0]), token };
  }

  async revoke(name: string): Promise<boolean> {
    const rows = await this.change('DELETE FROM users WHERE name = $1 RETURNING name', [name]);
    return rows.length > 0;
  }

  async bindDevice(name: string, address: string, replacing?: string): Promise<UserInfo | undefined> {
    // The address goes last, once: the same shape as the embedded store's list.
    const rows = await this.change<UserRow>(
      `UPDATE users SET devices = coalesce((SELECT jsonb_agg(d ORDER BY n) FROM jsonb_array_elements_text(devices) WITH ORDINALITY AS e(d, n)
                                            WHERE d <> $2 AND d IS DISTINCT FROM $3), '[]'::jsonb) || jsonb_build_array($2::text)
       WHERE name = $1 RETURNING name, role, token_hash, created_at, devices`,
      [name, address, replacing ?? null],
    );
    return rows[0] && publicInfo(rows[0]);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.listener?.stop();
    this._onDidChange.dispose();
  }

  /** Runs one statement and announces it in the same transaction, then reads the users again here. */
  private async change<R>(sql: string, params: unknown[]): Promise<R[]> {
    const rows = (await changeAndNotify(this.pool, sql, params, { channel: USERS_CHANNEL, payload: 'changed' })) as R[];
    if (rows.length) await this.reload();
    return rows;
  }

  /** Reads every user; fires onDidChange when anything differs from what was held. */
  private async load(): Promise<void> {
    const { rows } = await this.pool.query<UserRow>('SELECT name, role, token_hash, created_at, devices FROM users ORDER BY created_at, name');
    if (JSON.stringify(rows) === JSON.stringify(this.rows)) return;
    this.rows = rows;
    this._onDidChange.fire(this.list());
  }

  /** load(), one at a time (an older read never replaces a newer one), never throwing. */
  private reload(): Promise<void> {
    const run = this.reloading.then(async () => {
      if (this.disposed) return;
      try {
        await this.load();
      } catch (err) {
        // The users held stay in force until the database answers again (the reconnect reloads them).
        this.options.warn?.(`Users could not be read from the database: ${(err as Error).message}`);
      }
    });
    this.reloading = run;
    return run;
  }
}

function publicInfo(row: UserRow): UserInfo {
  return { name: row.name, role: row.role, createdAt: row.created_at, devices: [...row.devices] };
}
