/**
 * A node whose LISTEN connection drops (the database restarted) catches up when it is back (pg-catch-up.ts):
 * the flows other nodes wrote meanwhile reach its UI-facing event stream (the EventBatcher the UI server
 * sends from) as flows/add and flows/update, each once, without a reload. Node B reconnects its LISTEN only
 * after five seconds here, so node A's writes after the restart surely land while B is not listening: they
 * can reach B only through the catch-up.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiEventBatch } from '../../../electron/common/api';
import type { FlowSummary } from '../../../electron/common/flow';
import { EventBatcher } from '../../../electron/core/api/event-batcher';
import type { PgFlowStore } from '../../../electron/core/store/pg/pg-store';
import { pgStoreSuite } from '../../helpers/pg-stores';
import { makeFlow } from '../../helpers/flows';

const { skip, cluster, store } = pgStoreSuite();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function flowIn(s: PgFlowStore, name: string) {
  const seq = s.nextSeq();
  return makeFlow({ response: true, id: name, seq, startedAt: 1_763_700_000_000 + seq });
}

/** Retries until the store has written everything (the database may still be starting), at most 30 s. */
async function flushed(s: PgFlowStore): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await s.flush();
    } catch (err) {
      if (i >= 60) throw err;
      await sleep(500);
    }
  }
}

test('after a database restart, node B\'s event stream receives what node A wrote while B was not listening, once each', { skip, timeout: 120_000 }, async () => {
  const url = await cluster.database();
  const a = await store(url, { node: 'a' });
  const b = await store(url, { node: 'b', listenRetryMs: 5_000 });
  const events: { name: string; ids: string[]; pinned?: boolean[] }[] = [];
  const batcher = new EventBatcher({ store: b, onDidChangeStatus: () => ({ dispose() {} }) }, (batch: ApiEventBatch) => {
    for (const e of batch.events) {
      if (e.name === 'flows/add') events.push({ name: e.name, ids: (e.data as FlowSummary[]).map((s) => s.id) });
      if (e.name === 'flows/update') events.push({ name: e.name, ids: (e.data as FlowSummary[]).map((s) => s.id), pinned: (e.data as FlowSummary[]).map((s) => s.pinned) });
    }
  });
  const until = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !done(); i++) await sleep(100);
    assert.ok(done(), `${what}; events: ${JSON.stringify(events)}`);
  };
  const added = () => events.filter((e) => e.name === 'flows/add').flatMap((e) => e.ids);
  try {
    // Connected: a flow of A's reaches B by notification.
    a.flowStarted(flowIn(a, 'before'));
    await flushed(a);
    await until(() => added().includes('before'), 'B saw the flow written before the restart');

    await cluster.restart();
    // While B's LISTEN is down: A writes new flows and pins the old one; B captures one of its own.
    for (const name of ['outage-1', 'outage-2', 'outage-3']) a.flowStarted(flowIn(a, name));
    b.flowStarted(flowIn(b, 'b-own'));
    await flushed(a);
    await a.pin(['before'], true);
    await flushed(b);
    await until(() => ['outage-1', 'outage-2', 'outage-3', 'b-own'].every((id) => added().includes(id)), 'B caught up after its LISTEN came back');
    await until(() => b.warnings().some((w) => /was lost and is back/.test(w)), 'B said its connection came back');

    // Listening again: the next flow comes by notification, as before the restart.
    a.flowStarted(flowIn(a, 'after'));
    await flushed(a);
    await until(() => added().includes('after'), 'B saw the flow written after it reconnected');
    await sleep(300);

    const updates = events.filter((e) => e.name === 'flows/update');
    assert.deepEqual(
      {
        added: added().sort(),
        pinnedBefore: updates.some((e) => e.ids.includes('before') && e.pinned![e.ids.indexOf('before')] === true),
        stored: (await b.query({})).flows.map((s) => s.id).sort(),
      },
      {
        added: ['after', 'b-own', 'before', 'outage-1', 'outage-2', 'outage-3'],
        pinnedBefore: true,
        stored: ['after', 'b-own', 'before', 'outage-1', 'outage-2', 'outage-3'],
      },
    );
  } finally {
    batcher.dispose();
  }
});
