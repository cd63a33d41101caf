/**
 * Removals are caught up after a lost LISTEN connection (pg-catch-up.ts, flow_removals): node B's listening
 * connection is killed (pg_terminate_backend) and reopened only after a few seconds; meanwhile node A deletes
 * flows and clears the rest. When B listens again, its event stream removes exactly those flows, without a
 * reload, and B's own removal meanwhile is not fired twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPgStore, type PgFlowStore } from '../../../electron/core/store/pg/pg-store';
import { useTestCluster } from '../../helpers/postgres';
import { makeFlow } from '../../helpers/flows';

const { skip, cluster, track } = useTestCluster();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function flowIn(s: PgFlowStore, name: string) {
  const seq = s.nextSeq();
  return makeFlow({ response: true, id: name, seq, startedAt: 1_763_700_000_000 + seq });
}

test('removals made while node B was not listening reach B when it listens again', { skip, timeout: 120_000 }, async () => {
  const url = await cluster().database();
  const a = track(await openPgStore({ url, node: 'a' }));
  const b = track(await openPgStore({ url, node: 'b', listenRetryMs: 4_000 }));
  const removals: { ids: string[]; all?: boolean }[] = [];
  b.onDidRemove((e) => removals.push({ ids: [...e.ids].sort(), ...(e.all ? { all: true } : {}) }));
  const lost = () => b.warnings().some((w) => /was lost and is back/.test(w));

  for (const name of ['keep', 'gone-1', 'gone-2', 'gone-3', 'b-gone']) a.flowStarted(flowIn(a, name));
  await a.flush();
  // B has seen them (notified), so its watermark is past their writes.
  for (let i = 0; i < 100 && (await b.query({})).flows.length < 5; i++) await sleep(50);
  await sleep(300);

  // Kill every listening connection (A's too: A's own removals need none); B reopens its own after 4 s.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>("SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'hindsight-listen'");
    assert.equal(rows[0].n, 2);
  } finally {
    await admin.end();
  }
  await sleep(200);
  assert.equal(await a.delete(['gone-1', 'gone-2']), 2);
  assert.equal(await b.delete(['b-gone']), 1);
  assert.equal(await a.delete(['gone-3']), 1);
  await sleep(500);
  // Only B's own removal has reached B so far: A's were notified while B was not listening.
  assert.deepEqual(removals, [{ ids: ['b-gone'] }]);

  for (let i = 0; i < 200 && !(lost() && removals.length > 1); i++) await sleep(100);
  await sleep(300);
  assert.deepEqual(
    { removals, stored: (await b.query({})).flows.map((s) => s.id) },
    { removals: [{ ids: ['b-gone'] }, { ids: ['gone-1', 'gone-2', 'gone-3'] }], stored: ['keep'] },
  );
});
