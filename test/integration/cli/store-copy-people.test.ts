// Issue 21: `hindsight store copy` copies users (their tokens keep working) and bound devices too, both ways
// between a data folder and a real PostgreSQL, run as the real CLI (a child process), with a line saying how many.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { DeviceBindingsFile, readDeviceRecords } from '../../../electron/core/devices/bindings-file';
import type { DeviceRecord } from '../../../electron/core/devices/types';
import { readPeople } from '../../../electron/core/devices/people-copy';
import { openFlowStore } from '../../../electron/core/store';
import { openPgStore } from '../../../electron/core/store/pg/pg-store';
import { PgUsers } from '../../../electron/core/users/pg-store';
import { readUserRecords, UsersFile } from '../../../electron/core/users/users-file';
import { spawnCli } from '../../helpers/cli-process';
import { makeFlow } from '../../helpers/flows';
import { postgresUnavailable, startTestCluster, type TestCluster } from '../../helpers/postgres';
import { tempDirs } from '../../helpers/temp-dirs';

const skip = postgresUnavailable();
const tempDir = tempDirs('hindsight-copy-people-');
let cluster: TestCluster;

before(async () => {
  if (!skip) cluster = await startTestCluster();
});
after(async () => {
  await cluster?.stop();
});

async function hindsight(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnCli(args, {});
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

const DEVICES: DeviceRecord[] = [
  { key: 'a'.repeat(64), address: '127.0.0.2', profiles: ['p1'], users: ['alice'], boundAt: 1_763_700_000_000 },
  { key: 'b'.repeat(64), address: '127.0.0.3', profiles: [], users: ['bob'], boundAt: 1_763_700_100_000 },
];

test('store copy moves users and device bindings: folder → PostgreSQL → folder, tokens still sign in', { skip, timeout: 180_000 }, async () => {
  const first = tempDir();
  const store = openFlowStore({ dataDir: first });
  await store.ready;
  store.flowStarted(makeFlow({ response: true, id: 'one', seq: store.nextSeq() }));
  await store.close();
  const alice = await hindsight(['users', 'add', 'alice', '--admin', '--data', first]);
  const bob = await hindsight(['users', 'add', 'bob', '--data', first]);
  assert.deepEqual([alice.code, bob.code], [0, 0], alice.stderr + bob.stderr);
  const tokens = { alice: alice.stdout.trim().split('\n').pop()!, bob: bob.stdout.trim().split('\n').pop()! };
  const bindings = new DeviceBindingsFile(first);
  for (const d of DEVICES) await bindings.saveDevice(d);
  const users = readUserRecords(first);
  assert.equal(users.length, 2);

  const url = await cluster.database();
  const there = await hindsight(['store', 'copy', '--from', first, '--to', url]);
  assert.deepEqual(there, { code: 0, stdout: `Copied 1 flow from ${first} to ${url}\nCopied 2 users and 2 device bindings\n`, stderr: '' });

  const pgStore = await openPgStore({ url, maxFlows: Infinity });
  const pgUsers = await PgUsers.open(pgStore.pool, url, { listen: false });
  try {
    assert.deepStrictEqual(
      { people: await readPeople({ db: pgStore.pool }), signIn: [pgUsers.authenticate(tokens.alice)?.name, pgUsers.authenticate(tokens.bob)?.role] },
      { people: { users: [...users].sort((a, b) => a.name.localeCompare(b.name)), devices: DEVICES }, signIn: ['alice', 'member'] },
    );
  } finally {
    pgUsers.dispose();
    await pgStore.close();
  }

  const back = path.join(tempDir(), 'back');
  const home = await hindsight(['store', 'copy', '--from', url, '--to', back]);
  assert.deepEqual(home, { code: 0, stdout: `Copied 1 flow from ${url} to ${back}\nCopied 0 rules and 0 device profiles\nCopied 2 users and 2 device bindings\n`, stderr: '' });
  const file = new UsersFile(back);
  try {
    assert.deepStrictEqual(
      {
        users: readUserRecords(back),
        devices: readDeviceRecords(back),
        modes: ['users.json', 'devices.json'].map((f) => (fs.statSync(path.join(back, f)).mode & 0o777).toString(8)),
        signIn: file.authenticate(tokens.bob)?.name,
      },
      { users: [...users].sort((a, b) => a.name.localeCompare(b.name)), devices: DEVICES, modes: ['600', '600'], signIn: 'bob' },
    );
  } finally {
    file.dispose();
  }
});
