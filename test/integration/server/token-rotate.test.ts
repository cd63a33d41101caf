// Issue 13's "a way to rotate it": token.rotate over the API (Settings → UI access) replaces the token at
// once, disconnects every socket holding the old one, and hands the caller the new one; the lock follows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import WebSocket from 'ws';
import { createApiClient, webSocketChannel } from '../../../electron/common/api-client';
import { acquireLock, readLock } from '../../../electron/core/instance/lock';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { loadUiToken, saveUiToken } from '../../../electron/core/server/ui-token';
import { startTestCore, type TestCore } from '../../helpers/core';
import { handshake } from '../../helpers/ws-handshake';

let core: TestCore;
let ui: UiServer;
const rotations: string[] = [];

before(async () => {
  core = await startTestCore();
  ui = await startUiServer(core.core, { port: 0, token: loadUiToken(core.dataDir).token, onTokenRotated: (t) => rotations.push(t) });
});
after(async () => {
  await ui.close();
  await core.dispose();
});

test('token.rotate replaces the token, closes sockets holding the old one, and the lock and token file follow', async () => {
  const old = ui.token;
  const lock = acquireLock(core.dataDir, { uiHost: '127.0.0.1', uiPort: ui.port, token: old, proxyPort: core.port });
  try {
    const url = `ws://127.0.0.1:${ui.port}/api/ws`;
    const caller = new WebSocket(url, ['hindsight', `hindsight.token.${old}`]);
    const bystander = new WebSocket(url, { headers: { Authorization: `Bearer ${old}` } });
    await Promise.all([caller, bystander].map((ws) => new Promise((resolve) => ws.once('open', resolve))));
    const closed = Promise.all([caller, bystander].map((ws) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))));
    const client = createApiClient(webSocketChannel(caller));
    const { token } = await client.call('token.rotate', {});
    // What serve does with it (electron/cli/serve.ts): keep it for the next start and in the lock.
    saveUiToken(core.dataDir, token);
    lock.setToken(token);
    const codes = await closed;
    client.dispose();
    assert.deepEqual(
      {
        changed: token !== old && token === ui.token && ui.url.endsWith(`#token=${token}`),
        reported: rotations,
        codes,
        oldRefused: await handshake(url, { protocols: ['hindsight', `hindsight.token.${old}`] }),
        newAccepted: await handshake(url, { protocols: ['hindsight', `hindsight.token.${token}`] }),
        lockToken: readLock(core.dataDir)?.token === token,
        fileToken: fs.readFileSync(`${core.dataDir}/ui-token`, 'utf8').trim() === token,
      },
      { changed: true, reported: [token], codes: [4001, 4001], oldRefused: 401, newAccepted: '101 hindsight', lockToken: true, fileToken: true },
    );
  } finally {
    lock.release();
  }
});
