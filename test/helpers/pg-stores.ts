/**
 * A test file's PostgreSQL flow stores: one throwaway cluster for the file (test/helpers/postgres.ts) and the
 * stores it opens, all closed after its last test (closing one earlier is fine: close() is idempotent).
 * Registers the file's before/after hooks when called.
 */
import { openPgStore, type PgFlowStore, type PgStoreOptions } from '../../electron/core/store/pg/pg-store';
import { useTestCluster, type TestCluster } from './postgres';

export interface PgStoreSuite {
  /** Why the file's tests are skipped, or false. */
  skip: string | false;
  /** The file's cluster (usable once `before` ran). */
  cluster: Omit<TestCluster, 'stop'>;
  /** Opens a store on `url`, closed after the file's tests. */
  store(url: string, options?: Partial<PgStoreOptions>): Promise<PgFlowStore>;
}

export function pgStoreSuite(): PgStoreSuite {
  const { skip, cluster, track } = useTestCluster();
  return {
    skip,
    cluster: {
      get port() {
        return cluster().port;
      },
      database: () => cluster().database(),
      restart: () => cluster().restart(),
      down: () => cluster().down(),
      up: () => cluster().up(),
    },
    async store(url, options = {}) {
      return track(await openPgStore({ url, ...options }));
    },
  };
}
