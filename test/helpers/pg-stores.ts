/**
 * A test file's PostgreSQL flow stores: one throwaway cluster for the file (test/helpers/postgres.ts) and the
 * stores it opens, all closed after its last test (closing one earlier is fine: close() is idempotent).
 * Registers the file's before/after hooks when called.
 */
import { before, after } from 'node:test';
import { openPgStore, type PgFlowStore, type PgStoreOptions } from '../../electron/core/store/pg/pg-store';
import { postgresUnavailable, startTestCluster, type TestCluster } from './postgres';

export interface PgStoreSuite {
  /** Why the file's tests are skipped, or false. */
  skip: string | false;
  /** The file's cluster (usable once `before` ran). */
  cluster: Omit<TestCluster, 'stop'>;
  /** Opens a store on `url`, closed after the file's tests. */
  store(url: string, options?: Partial<PgStoreOptions>): Promise<PgFlowStore>;
}

export function pgStoreSuite(): PgStoreSuite {
  const skip = postgresUnavailable();
  let cluster: TestCluster | undefined;
  const open: PgFlowStore[] = [];
  before(async () => {
    if (!skip) cluster = await startTestCluster();
  });
  after(async () => {
    for (const s of open.splice(0)) await s.close();
    await cluster?.stop();
  });
  return {
    skip,
    cluster: {
      get port() {
        return cluster!.port;
      },
      database: () => cluster!.database(),
      restart: () => cluster!.restart(),
      down: () => cluster!.down(),
      up: () => cluster!.up(),
    },
    async store(url, options = {}) {
      const s = await openPgStore({ url, ...options });
      open.push(s);
      return s;
    },
  };
}
