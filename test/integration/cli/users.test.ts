// `hindsight users` end to end (issue 21, people): the real CLI adds, lists and revokes users in the data
// folder of a running `hindsight serve`; each user's token opens the API over HTTP and WebSocket, a member
// cannot save a rule, an admin's save is stamped with their name, and a revoked token is refused at once —
// on new requests and on the WebSocket that was already open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { ApiError } from '../../../electron/common/api';
import type { DisposableApiClient } from '../../../electron/common/api-client';
import { connectWebSocket } from '../../../electron/core/instance/ws-client';
import { usersFile } from '../../../electron/core/users/users-file';
import { handshake } from '../../helpers/ws-handshake';
import { spawnCli, waitFor } from '../../helpers/cli-process';

/** Runs one short CLI command to its end. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(args, {});
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

const mockRule = { name: 'teapot', matchers: [{ type: 'url', pattern: '*/teapot', syntax: 'wildcard' }], action: { type: 'mock', status: 418, headers: [], body: 'tea' } };

async function callError(run: () => Promise<unknown>): Promise<{ code: unknown; message: string } | 'no error'> {
  try {
    await run();
    return 'no error';
  } catch (err) {
    return { code: (err as ApiError).code, message: (err as Error).message };
  }
}

test('users add, list and revoke against a running serve: tokens, roles, savedBy and revocation', { timeout: 240_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const serve = spawnCli(['serve', '--port', '0', '--ui-port', '0', '--data', dataDir], {});
  const exited = once(serve, 'exit');
  const clients: DisposableApiClient[] = [];
  try {
    const banner = await waitFor(serve.stderr!, (t) => t.includes('Press Ctrl-C to stop.'), 'the serve banner');
    const [, uiBase, uiToken] = /^UI: +(http:\/\/[^/]+)\/#token=([\w-]+)$/m.exec(banner)!;
    const wsUrl = `${uiBase.replace('http:', 'ws:')}/api/ws`;
    const get = async (token: string) => (await fetch(`${uiBase}/api/ca.pem`, { headers: { Authorization: `Bearer ${token}` } })).status;

    // Before any user: the single UI token, as always; nobody is signed in by name.
    const owner = await connectWebSocket(wsUrl, uiToken);
    clients.push(owner);
    assert.deepEqual(await owner.call('session.get', {}), { team: false, user: null });

    const alice = await cli(['users', 'add', 'alice', '--admin', '--data', dataDir]);
    const bob = await cli(['users', 'add', 'bob', '--data', dataDir]);
    const again = await cli(['users', 'add', 'bob', '--data', dataDir]);
    const noName = await cli(['users', 'add', '--data', dataDir]);
    const badFlag = await cli(['users', 'list', '--admin', '--data', dataDir]);
    const badName = await cli(['users', 'add', 'owner', '--data', dataDir]);
    const aliceToken = alice.stdout.trim();
    const bobToken = bob.stdout.trim();
    const listed = await cli(['users', 'list', '--json', '--data', dataDir]);
    assert.deepEqual(
      {
        codes: [alice.code, bob.code, again.code, noName.code, badFlag.code, badName.code],
        badName: badName.stderr.split('\n')[0],
        tokens: [aliceToken, bobToken].map((t) => /^[\w-]{43}$/.test(t)),
        again: again.stderr.trim(),
        noName: noName.stderr.split('\n')[0],
        listed: listed.stdout.trim().split('\n').map((line) => {
          const { createdAt, ...rest } = JSON.parse(line);
          return { ...rest, createdAt: typeof createdAt };
        }),
        fileMode: (fs.statSync(usersFile(dataDir)).mode & 0o777).toString(8),
        tokenNotStored: !fs.readFileSync(usersFile(dataDir), 'utf8').includes(aliceToken),
      },
      {
        codes: [0, 0, 1, 2, 2, 2],
        badName: "hindsight users: 'owner' is reserved for the data folder's UI token",
        tokens: [true, true],
        again: 'hindsight users: a user named bob already exists (revoke it first to issue a new token)',
        noName: 'hindsight users: add takes one user NAME',
        listed: [
          { name: 'alice', role: 'admin', devices: [], createdAt: 'number' },
          { name: 'bob', role: 'member', devices: [], createdAt: 'number' },
        ],
        fileMode: '600',
        tokenNotStored: true,
      },
    );

    // Each user's own token signs in, over HTTP and over the WebSocket.
    const asAlice = await connectWebSocket(wsUrl, aliceToken);
    const asBob = await connectWebSocket(wsUrl, bobToken);
    clients.push(asAlice, asBob);
    const saved = await asAlice.call('rules.save', { rule: { ...mockRule, savedBy: 'mallory' } as never });
    const bobSave = await callError(() => asBob.call('rules.save', { rule: mockRule as never }));
    const bobProfile = await callError(() => asBob.call('profiles.save', { profile: { name: 'mine', clients: [] } }));
    const bobClear = await callError(() => asBob.call('flows.clear', {}));
    const bobReadsTimeout = await asBob.call('breakpoints.settings', {});
    assert.deepEqual(
      {
        aliceSession: await asAlice.call('session.get', {}),
        bobSession: await asBob.call('session.get', {}),
        ownerSession: await owner.call('session.get', {}),
        savedBy: saved.rule.savedBy,
        bobSave,
        bobProfile,
        bobClear,
        bobReadsTimeout: typeof bobReadsTimeout.timeoutMs,
        bobSeesRules: (await asBob.call('rules.list', {})).rules.map((r) => [r.rule.name, r.rule.savedBy]),
        http: { alice: await get(aliceToken), bob: await get(bobToken), owner: await get(uiToken), stranger: await get('x'.repeat(43)) },
      },
      {
        aliceSession: { team: true, user: { name: 'alice', role: 'admin', devices: [] } },
        bobSession: { team: true, user: { name: 'bob', role: 'member', devices: [] } },
        ownerSession: { team: true, user: { name: 'owner', role: 'admin', devices: [] } },
        savedBy: 'alice',
        bobSave: { code: 'forbidden', message: 'rules.save: your role (member) can view rules, profiles and settings but not change them; ask an admin' },
        bobProfile: { code: 'forbidden', message: 'profiles.save: your role (member) can view rules, profiles and settings but not change them; ask an admin' },
        bobClear: { code: 'forbidden', message: 'flows.clear: your role (member) cannot delete captured flows; ask an admin' },
        bobReadsTimeout: 'number',
        bobSeesRules: [['teapot', 'alice']],
        http: { alice: 200, bob: 200, owner: 200, stranger: 401 },
      },
    );

    // Revoked: the open socket is closed by the server, new requests and handshakes are refused.
    const bobSocket = new WebSocket(wsUrl, { headers: { Authorization: `Bearer ${bobToken}` } });
    await once(bobSocket, 'open');
    const closed = once(bobSocket, 'close') as Promise<[number, Buffer]>;
    const revoked = await cli(['users', 'revoke', 'bob', '--data', dataDir]);
    const [closeCode, closeReason] = await closed;
    const revokeAgain = await cli(['users', 'revoke', 'bob', '--data', dataDir]);
    assert.deepEqual(
      {
        revoked: [revoked.code, revoked.stderr.trim()],
        socketClosed: [closeCode, closeReason.toString()],
        revokeAgain: revokeAgain.code,
        http: await get(bobToken),
        handshake: await handshake(wsUrl, { headers: { Authorization: `Bearer ${bobToken}` } }),
        aliceStillIn: (await asAlice.call('session.get', {})).user?.name,
        list: (await cli(['users', 'list', '--data', dataDir])).stdout.split('\n')[1].split(/\s+/).slice(0, 2),
      },
      {
        revoked: [0, 'Revoked bob: their token no longer works.'],
        socketClosed: [4003, 'token revoked'],
        revokeAgain: 1,
        http: 401,
        handshake: 401,
        aliceStillIn: 'alice',
        list: ['alice', 'admin'],
      },
    );
  } finally {
    for (const c of clients) c.dispose();
    serve.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
