/**
 * Which flows a background flush of the PostgreSQL store writes (electron/core/store/pg/pg-batch.ts): an
 * exchange that ends within the hold is written once, finished — its row keeps the revision it was added
 * with (rev = added_rev) — while one that outlasts the hold is written live and updated when it ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Flow } from '../../../electron/common/flow';
import { pgStoreSuite } from '../../helpers/pg-stores';
import { makeFlow } from '../../helpers/flows';
import { nextEvent } from './store-helpers';

const { skip, cluster, store } = pgStoreSuite();

test('a live exchange is held back while young and written once when it ends; an old one is written live, then updated', { skip }, async () => {
  // A hold far longer than the test, so the first background flush holds the young flow whatever the load.
  const s = await store(await cluster.database(), { holdLiveMs: 600_000 });
  const flowAt = (startedAt: number): Flow => {
    const seq = s.nextSeq();
    return makeFlow({ id: `f${seq}`, seq, startedAt, state: 'live' });
  };
  const young = flowAt(Date.now());
  const old = flowAt(Date.now() - 3_600_000);
  const added = nextEvent(s.onDidAdd);
  s.flowStarted(young);
  s.flowStarted(old);
  assert.deepEqual((await added).map((f) => [f.id, f.state]), [[old.id, 'live']], 'the first background flush writes the old live flow only');
  assert.deepEqual(await s.get(young.id), young, 'a held flow is answered from memory');

  const finished = (flow: Flow): Flow => ({ ...flow, state: 'completed', timings: { totalMs: 5 }, response: { status: 204, statusText: 'No Content', headers: [], body: { size: 0, storedSize: 0, truncated: false } } });
  s.flowUpdated(finished(young));
  s.flowUpdated(finished(old));
  await s.flush();
  const { rows } = await s.pool.query<{ id: string; state: string; status: number; once: boolean }>('SELECT id, state, status, rev = added_rev AS once FROM flows ORDER BY seq');
  assert.deepEqual(rows, [
    { id: young.id, state: 'completed', status: 204, once: true },
    { id: old.id, state: 'completed', status: 204, once: false },
  ]);
});

test('flush() writes held live flows too: what was recorded is in the database when it resolves', { skip }, async () => {
  const s = await store(await cluster.database(), { holdLiveMs: 600_000 });
  const seq = s.nextSeq();
  const live = makeFlow({ id: `f${seq}`, seq, startedAt: Date.now(), state: 'live' });
  s.flowStarted(live);
  await s.flush();
  const { rows } = await s.pool.query<{ id: string; state: string }>('SELECT id, state FROM flows');
  assert.deepEqual(rows, [{ id: live.id, state: 'live' }]);
});
