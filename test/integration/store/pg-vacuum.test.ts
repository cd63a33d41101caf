/**
 * After a bulk load the PostgreSQL store's retention runs VACUUM (ANALYZE) on the flows table itself
 * (pg-retention.ts), so filters plan on fresh statistics and counts can skip heap pages, without waiting for
 * autovacuum. Threshold lowered for the test (vacuumAfterInserts); a store under it runs none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPgStore, type PgFlowStore } from '../../../electron/core/store/pg/pg-store';
import { useTestCluster } from '../../helpers/postgres';
import { makeFlow } from '../../helpers/flows';

const { skip, cluster, track } = useTestCluster();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function load(threshold: number, flows: number): Promise<PgFlowStore> {
  const store = track(await openPgStore({ url: await cluster().database(), maxFlows: Infinity, vacuumAfterInserts: threshold }));
  for (let i = 0; i < flows; i++) store.flowStarted(makeFlow({ id: `v${i}`, seq: store.nextSeq(), response: true }));
  await store.flush();
  return store;
}

/** Manual VACUUM and ANALYZE runs on the flows table, and whether the planner knows its size. */
async function maintenance(store: PgFlowStore) {
  const { rows } = await store.pool.query<{ vacuums: number; analyzes: number; estimated: number }>(
    `SELECT vacuum_count::int AS vacuums, analyze_count::int AS analyzes, (SELECT reltuples::int FROM pg_class WHERE oid = 'flows'::regclass) AS estimated
     FROM pg_stat_user_tables WHERE relid = 'flows'::regclass`,
  );
  return rows[0];
}

test('past the threshold of inserts, the next retention check vacuums and analyzes the flows table', { skip, timeout: 90_000 }, async () => {
  const loaded = await load(500, 800);
  const quiet = await load(5_000, 800);
  // The check runs every 10 s; statistics reach pg_stat_user_tables within a second of it.
  let seen = await maintenance(loaded);
  for (let i = 0; i < 60 && seen.vacuums === 0; i++) {
    await sleep(500);
    seen = await maintenance(loaded);
  }
  await sleep(1_000);
  assert.deepStrictEqual({ loaded: await maintenance(loaded), quiet: (await maintenance(quiet)).vacuums }, { loaded: { vacuums: 1, analyzes: 1, estimated: 800 }, quiet: 0 });
});
