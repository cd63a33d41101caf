/**
 * The connection side of the PostgreSQL store: what a store URL looks like, and a pool opened on one.
 */
import pg from 'pg';

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
  // bigint columns (seq, started_at) fit in a JS number: epoch ms and seqs are far below 2^53.
  const pool = new pg.Pool({ connectionString: url, max: 6, application_name: 'hindsight' });
  return pool;
}

/** int8 as a JS number instead of a string (all our bigints are below 2^53). */
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
