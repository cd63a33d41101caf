/**
 * The PostgreSQL store's `matched` count stops at MATCH_COUNT_CAP (pg-query.ts) so a broad filter over millions
 * of flows answers fast; past the cap the page says so (matchedCapped) instead of giving a wrong number, and
 * below it the count is exact with no flag, as the embedded store's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPgStore } from '../../../electron/core/store/pg/pg-store';
import { MATCH_COUNT_CAP } from '../../../electron/core/store/pg/pg-query';
import { useTestCluster } from '../../helpers/postgres';
import { makeFlow } from '../../helpers/flows';

const { skip, cluster, track } = useTestCluster();
const BROAD = MATCH_COUNT_CAP + 3;
const NARROW = 7;

test('past the cap, matched is the cap and flagged; under it, exact and unflagged', { skip, timeout: 120_000 }, async () => {
  const store = track(await openPgStore({ url: await cluster().database(), maxFlows: Infinity }));
  for (let i = 0; i < BROAD + NARROW; i++) {
    const seq = store.nextSeq();
    const flow = makeFlow({ id: `c${i}`, seq, startedAt: 1_763_700_000_000 + i, response: true });
    flow.response!.status = i < BROAD ? 503 : 201;
    store.flowStarted(flow);
  }
  await store.flush();
  const counts = async (filter: string) => {
    const { matched, matchedCapped, total, flows } = await store.query({ filter, limit: 2 });
    return { matched, matchedCapped, total, listed: flows.length };
  };
  assert.equal(MATCH_COUNT_CAP, 10_000);
  assert.deepStrictEqual(
    { broad: await counts('status:503'), narrow: await counts('status:201'), none: await counts('status:404'), all: await counts('') },
    {
      broad: { matched: MATCH_COUNT_CAP, matchedCapped: true, total: BROAD + NARROW, listed: 2 },
      narrow: { matched: NARROW, matchedCapped: undefined, total: BROAD + NARROW, listed: 2 },
      none: { matched: 0, matchedCapped: undefined, total: BROAD + NARROW, listed: 0 },
      all: { matched: BROAD + NARROW, matchedCapped: undefined, total: BROAD + NARROW, listed: 2 },
    },
  );
});
