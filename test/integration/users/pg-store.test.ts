// The users of a PostgreSQL team store (electron/core/users/pg-store.ts), against a real PostgreSQL: two
// stores on one database stand for two nodes; what one adds, revokes or binds the other sees by NOTIFY, and
// only token hashes reach the table.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import type { UserInfo } from '../../../electron/common/users';
import { openMigratedPool } from '../../../electron/core/store/pg/pg-db';
import { PgUsers } from '../../../electron/core/users/pg-store';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';

const skip = postgresUnavailable();
let cluster: TestCluster;
const pools: pg.Pool[] = [];
const stores: PgUsers[] = [];

before(async () => {
  if (!skip) cluster = await startTestCluster();
});
after(async () => {
  for (const s of stores) await s.dispose();
  for (const p of pools) await p.end();
  await cluster?.stop();
});

async function migrated(url: string): Promise<pg.Pool> {
  const pool = await openMigratedPool(url);
  pools.push(pool);
  return pool;
}

/** The next onDidChange of `store`, or a timeout naming what was awaited. */
function nextChange(store: PgUsers, what: string): Promise<UserInfo[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no change seen: ${what}`)), 10_000);
    const sub = store.onDidChange((users) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(users);
    });
  });
}

test('a user added on one node signs in on the other; bindings and revokes reach it by notification', { skip, timeout: 60_000 }, async () => {
  const url = await cluster.database();
  const pool = await migrated(url);
  const nodeA = await PgUsers.open(pool, url, { listen: true });
  stores.push(nodeA);
  const nodeB = await PgUsers.open(pool, url, { listen: true });
  stores.push(nodeB);

  const seenAdd = nextChange(nodeB, 'the add');
  const tess = await nodeA.add('tess', 'member');
  await seenAdd;
  const signedIn = nodeB.authenticate(tess.token)?.name;
  const duplicate = await nodeB.add('tess', 'admin').then(
    () => 'added',
    (err: Error) => err.message,
  );
  const badName = await nodeA.add('Not OK', 'member').then(
    () => 'added',
    (err: Error) => err.message.length > 0,
  );

  await nodeB.bindDevice('tess', '10.0.0.7');
  const moved = await nodeB.bindDevice('tess', '10.0.0.8', '10.0.0.7');
  // Node A reads the users again on each notification: the second one's result is what it ends with.
  for (let i = 0; i < 100 && nodeA.list()[0]?.devices.join() !== '10.0.0.8'; i++) await new Promise((r) => setTimeout(r, 50));
  const { rows } = await pool.query<{ token_hash: string }>('SELECT token_hash FROM users');
  const onA = nodeA.list().map((u) => [u.name, u.role, u.devices]);

  const seenRevoke = nextChange(nodeB, 'the revoke');
  const revoked = [await nodeA.revoke('tess'), await nodeA.revoke('tess')];
  const afterRevoke = await seenRevoke;
  assert.deepEqual(
    {
      signedIn,
      duplicate,
      badName,
      moved: moved?.devices,
      onA,
      hashOnly: rows.length === 1 && /^[0-9a-f]{64}$/.test(rows[0].token_hash) && rows[0].token_hash !== tess.token,
      revoked,
      afterRevoke,
      refused: [nodeA.authenticate(tess.token), nodeB.authenticate(tess.token), nodeB.hasUsers()],
    },
    {
      signedIn: 'tess',
      duplicate: 'a user named tess already exists (revoke it first to issue a new token)',
      badName: true,
      moved: ['10.0.0.8'],
      onA: [['tess', 'member', ['10.0.0.8']]],
      hashOnly: true,
      revoked: [true, false],
      afterRevoke: [],
      refused: [undefined, undefined, false],
    },
  );
});
