/**
 * The connection side of the PostgreSQL store: what a store URL looks like, and a pool opened on one.
 */
import type pg from 'pg';
import { onFirstUse } from '../../base/on-first-use';
import { migrate } from './schema';

/**
 * node-postgres, loaded when a PostgreSQL store is first opened (~6 MB of a process's memory that the embedded
 * store's users would carry for nothing). int8 comes back as a JS number instead of a string: all our bigints
 * (seq, started_at: epoch ms) are below 2^53.
 */
export const pgClient = onFirstUse(() => {
  const pg = require('pg') as typeof import('pg');
  pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  return pg;
});

/** What the store's parts run their statements on (a pool, or a client inside a transaction). */
export type Queryable = Pick<pg.Pool, 'query'>;

/** True when `spec` names a PostgreSQL database rather than a data folder. */
export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The URL with its password hidden, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

export function openPool(url: string): pg.Pool {
  const pool = new (pgClient().Pool)({ connectionString: url, max: 6, application_name: 'hindsight' });
  return pool;
}

/**
 * The flow store's writer: one connection in pipeline mode, so a batch's statements go out together and a
 * flush waits for one round trip, not one per statement — under load each round trip also waits for the
 * proxy's busy event loop, and a batch of 100 KB bodies took seconds that way (pg-write.ts). Only plain
 * statements run on it (no cursors, which pipeline mode refuses). An idle error does not crash the process.
 */
export function openWriterPool(url: string): pg.Pool {
  const pool = new (pgClient().Pool)({ connectionString: url, max: 1, application_name: 'hindsight-writer', pipeline: true } as pg.PoolConfig);
  pool.on('error', () => {});
  return pool;
}

/**
 * The writer for batches with a large body: one connection outside pipeline mode, where COPY runs
 * (pg-body-copy.ts). Its statements still go out without the caller waiting between them, one per round trip.
 */
export function openCopyWriterPool(url: string): pg.Pool {
  const pool = new (pgClient().Pool)({ connectionString: url, max: 1, application_name: 'hindsight-writer' });
  pool.on('error', () => {});
  return pool;
}

/**
 * A client checked out of the pool for a transaction. The pool listens for errors only on idle clients, so a
 * connection lost while checked out (the database restarting) would be an uncaught 'error' event and end the
 * process; here the statement in flight fails instead, and release() discards the broken connection.
 */
export async function checkOut(pool: pg.Pool): Promise<{ client: pg.PoolClient; release: (broken?: boolean) => void }> {
  const client = await pool.connect();
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  return {
    client,
    release(broken = false) {
      client.removeListener('error', onError);
      client.release(broken || lost);
    },
  };
}

/**
 * Runs `sql` and, when it touched rows (or always, with `always`), `pg_notify(channel, payload)` in one
 * transaction: a node woken by the notification reads the change. Returns the statement's rows.
 */
export function changeAndNotify(pool: pg.Pool, sql: string, params: unknown[], notice: { channel: string; payload: string; always?: boolean }): Promise<unknown[]> {
  return inTransaction(pool, 'BEGIN', async (client) => {
    const { rows } = await client.query(sql, params);
    if (rows.length || notice.always) await client.query('SELECT pg_notify($1, $2)', [notice.channel, notice.payload]);
    return rows;
  });
}

/**
 * `work` on one checked-out connection between `begin` (BEGIN with its options) and COMMIT; on an error,
 * ROLLBACK, and a connection the rollback failed on is discarded rather than reused.
 */
export async function inTransaction<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkOut(pool);
  let broken = false;
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    release(broken);
  }
}

/**
 * A pool on a database migrated to this build's schema (the migration runs once per database, under a
 * lock). An idle client's error (the server restarting) does not crash the process; the next query
 * reconnects. Throws, with the pool closed, when the database cannot be reached or migrated.
 */
export async function openMigratedPool(url: string): Promise<pg.Pool> {
  const pool = openPool(url);
  pool.on('error', () => {});
  try {
    const { client, release } = await checkOut(pool);
    try {
      await migrate(client);
    } finally {
      release();
    }
    return pool;
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
}
