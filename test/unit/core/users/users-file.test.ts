// The users file (electron/core/users/users-file.ts): hashed tokens in an owner-only file, another
// process's change seen at once, and an unreadable file failing closed.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsersFile, usersFile } from '../../../../electron/core/users/users-file';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-users-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('tokens authenticate their user only; a second store (another process) sees adds and revokes at once', async () => {
  const server = new UsersFile(dir);
  const cli = new UsersFile(dir);
  try {
    const ana = await cli.add('ana', 'admin');
    const tess = await cli.add('tess', 'member');
    const seen = [server.authenticate(ana.token)?.name, server.authenticate(tess.token)?.name, server.authenticate('nope'), server.authenticate('')];
    await cli.revoke('tess');
    const afterRevoke = [server.authenticate(ana.token)?.name, server.authenticate(tess.token)];
    const bound = await server.bindDevice('ana', '10.0.0.7');
    const moved = await server.bindDevice('ana', '10.0.0.8', '10.0.0.7');
    const stored = JSON.parse(fs.readFileSync(usersFile(dir), 'utf8'));
    assert.deepEqual(
      {
        seen,
        afterRevoke,
        bound: bound?.devices,
        moved: moved?.devices,
        cliSees: cli.list().map((u) => [u.name, u.role, u.devices]),
        mode: (fs.statSync(usersFile(dir)).mode & 0o777).toString(8),
        storedKeys: Object.keys(stored.users[0]).sort(),
        hashOnly: !fs.readFileSync(usersFile(dir), 'utf8').includes(ana.token),
      },
      {
        seen: ['ana', 'tess', undefined, undefined],
        afterRevoke: ['ana', undefined],
        bound: ['10.0.0.7'],
        moved: ['10.0.0.8'],
        cliSees: [['ana', 'admin', ['10.0.0.8']]],
        mode: '600',
        storedKeys: ['createdAt', 'devices', 'name', 'role', 'tokenHash'],
        hashOnly: true,
      },
    );
  } finally {
    server.dispose();
    cli.dispose();
  }
});

test('an unreadable users file signs nobody in, says why, and is not overwritten', async () => {
  fs.writeFileSync(usersFile(dir), '{ not json', { mode: 0o600 });
  const store = new UsersFile(dir);
  try {
    assert.deepEqual([store.hasUsers(), /users\.json cannot be read/.test(store.problem ?? '')], [false, true]);
    await assert.rejects(store.add('ana', 'admin'), /cannot be read/);
    assert.equal(fs.readFileSync(usersFile(dir), 'utf8'), '{ not json');
  } finally {
    store.dispose();
  }
});
