/**
 * Pauses shared through PostgreSQL (electron/core/rules/pg-breakpoints.ts): how another node learns that a pause
 * ended. The holder deletes the pause's row and sends a 'gone' notice (how it ended) in one statement; a node whose
 * periodic check is running at that moment sees the row missing before it reads the notice. It used to announce
 * such a pause as 'released' (seen once in the two-node CLI test under load: a pause resumed from node B showed as
 * released there); it now waits a check for the notice. The check is held here on purpose: a lock on
 * breakpoint_commands blocks its expiry DELETE, the pause ends meanwhile, then the lock goes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openPgStore } from '../../../electron/core/store/pg/pg-store';
import { Breakpoints } from '../../../electron/core/rules/breakpoints';
import { PgBreakpointPeers } from '../../../electron/core/rules/pg-breakpoints';
import { useTestCluster } from '../../helpers/postgres';

const { skip, cluster, track } = useTestCluster();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (await check()) return;
  assert.fail(`timed out waiting until ${what}`);
}

test("a pause that ends while another node's check runs is announced there as it ended, not as released", { skip, timeout: 120_000 }, async () => {
  const url = await cluster().database();
  const warnings: string[] = [];
  const node = async (name: string) => {
    const store = track(await openPgStore({ url, node: name }));
    const breakpoints = new Breakpoints({ node: name, timeoutMs: 120_000 });
    const peers = new PgBreakpointPeers(store.pool, url, breakpoints, name, (w) => warnings.push(w));
    await peers.start();
    return { breakpoints, peers };
  };
  const a = await node('node-a');
  const b = await node('node-b');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const endedOnB: string[] = [];
    b.breakpoints.onDidResume((r) => endedOnB.push(`${r.how} ${r.id}`));
    const outcome = a.breakpoints.pause({
      flowId: 'f1',
      phase: 'request',
      clientIp: '127.0.0.2',
      rule: { id: 'r1', kind: 'breakpoint', name: 'team pause' },
      message: { request: { method: 'GET', url: 'http://example.test/', headers: [] } },
    });
    await until('node B lists the pause', () => b.breakpoints.list().length === 1);

    await admin.query('BEGIN');
    await admin.query('LOCK TABLE breakpoint_commands IN ACCESS EXCLUSIVE MODE');
    const blockedChecks = async () =>
      // (blocked while its statement is parsed, so pg_stat_activity still shows the one before)
      (await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'hindsight'")).rows[0].n;
    // Both nodes' checks wait on the lock (each every 2 s), node B's inside its one-at-a-time queue.
    await until("both nodes' checks wait on the lock", async () => (await blockedChecks()) === 2);
    a.breakpoints.resume('f1:request');
    assert.deepEqual(await outcome, { type: 'resume', edits: undefined, timedOut: false });
    await until('the row is gone', async () => (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM breakpoint_pauses')).rows[0].n === 0);
    await sleep(300); // the 'gone' notice reaches node B, and waits behind its held check
    await admin.query('COMMIT');

    await until('node B no longer lists it', () => b.breakpoints.list().length === 0);
    await sleep(2_500); // a later check finds nothing left to say
    assert.deepEqual({ endedOnB, warnings }, { endedOnB: ['resumed f1:request'], warnings: [] });
  } finally {
    await admin.query('ROLLBACK').catch(() => {});
    await admin.end();
    for (const n of [a, b]) {
      n.breakpoints.dispose();
      await n.peers.close();
    }
  }
});
