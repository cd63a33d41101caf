// Bind codes and bound devices on a PostgreSQL team store (electron/core/devices/pg-store.ts), against a
// real PostgreSQL: a code is spent by the first device that claims it, even when two claim at the same
// moment through two nodes; the same device may claim it again; a release makes it claimable; an expired
// code is unknown. The embedded store's codes follow the same rules (bindings-file.ts), checked here too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { DeviceBindingsFile } from '../../../electron/core/devices/bindings-file';
import { PgDeviceBindings } from '../../../electron/core/devices/pg-store';
import type { DeviceBindings } from '../../../electron/core/devices/types';
import { openMigratedPool } from '../../../electron/core/store/pg/pg-db';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';

const skip = postgresUnavailable();
let cluster: TestCluster;
const pools: pg.Pool[] = [];
const dirs: string[] = [];

before(async () => {
  if (!skip) cluster = await startTestCluster();
});
after(async () => {
  for (const p of pools) await p.end();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  await cluster?.stop();
});

async function migratedPool(): Promise<pg.Pool> {
  const pool = await openMigratedPool(await cluster.database());
  pools.push(pool);
  return pool;
}

/** The same story against any store; `nodeA` and `nodeB` may be one store (embedded) or two on one database. */
async function story(nodeA: DeviceBindings, nodeB: DeviceBindings) {
  const code = await nodeA.issueCode({ profileId: 'p1' }, 60_000);
  const race = await Promise.all([nodeA.claimCode(code.code, 'phone-1'), nodeB.claimCode(code.code, 'phone-2')]);
  const winner = race[0].ok ? 'phone-1' : 'phone-2';
  const loser = winner === 'phone-1' ? 'phone-2' : 'phone-1';
  const again = await nodeB.claimCode(code.code, winner);
  await nodeA.releaseCode(code.code, loser); // not the loser's to release: nothing changes
  const stillUsed = await nodeB.claimCode(code.code, 'phone-3');
  await nodeA.releaseCode(code.code, winner);
  const released = await nodeB.claimCode(code.code, 'phone-3');
  const expired = await nodeA.issueCode({ user: 'tess' }, -1);
  await nodeA.saveDevice({ key: 'k1', address: '10.0.0.2', profiles: ['p1'], users: [], boundAt: 1 });
  return {
    race: race.map((c) => c.ok).sort(),
    again,
    stillUsed,
    released,
    expired: await nodeB.claimCode(expired.code, 'phone-1'),
    unknown: await nodeB.claimCode('no-such-code', 'phone-1'),
    device: await nodeB.device('k1'),
    noDevice: await nodeB.device('k2'),
  };
}

const expected = {
  race: [false, true],
  again: { ok: true, target: { profileId: 'p1' }, first: false },
  stillUsed: { ok: false, reason: 'used' },
  released: { ok: true, target: { profileId: 'p1' }, first: true },
  expired: { ok: false, reason: 'unknown' },
  unknown: { ok: false, reason: 'unknown' },
  device: { key: 'k1', address: '10.0.0.2', profiles: ['p1'], users: [], boundAt: 1 },
  noDevice: undefined,
};

test('PostgreSQL: a bind code is spent once across two nodes, by whichever device claims it first', { skip }, async () => {
  const pool = await migratedPool();
  assert.deepEqual(await story(new PgDeviceBindings(pool), new PgDeviceBindings(pool)), expected);
});

test('embedded: the same single-use rules', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-devices-'));
  dirs.push(dir);
  const store = new DeviceBindingsFile(dir);
  assert.deepEqual(await story(store, store), expected);
});
