// Issue 14, item 3: `serve --host 0.0.0.0 --allow 127.0.0.2/32` — the UI/API port applies the proxy port's
// allow-list, and its Host and Origin checks hold on a wildcard bind too (this machine's names and
// addresses and allow-listed addresses pass; anything else, like a rebound DNS name, is refused).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { handshake } from '../../helpers/ws-handshake';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { startTestCore, type TestCore } from '../../helpers/core';

let core: TestCore;
let ui: UiServer;

before(async () => {
  core = await startTestCore({ host: '0.0.0.0', allow: ['127.0.0.2/32'] });
  ui = await startUiServer(core.core, { host: '0.0.0.0', port: 0 });
});
after(async () => {
  await ui.close();
  await core.dispose();
});

function get(from: string, path: string, headers: http.OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: ui.port, path, localAddress: from, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsFrom(from: string, headers: Record<string, string>): Promise<number | string> {
  return handshake(`ws://127.0.0.1:${ui.port}/api/ws`, { localAddress: from, headers: { Authorization: `Bearer ${ui.token}`, ...headers } });
}

test('the UI port refuses clients the allow-list refuses, and foreign Host and Origin on a wildcard bind', async () => {
  const auth = { Authorization: `Bearer ${ui.token}` };
  const own = (name: string) => ({ ...auth, Host: `${name}:${ui.port}` });
  const statuses = {
    notAllowedClient: await get('127.0.0.3', '/api/ca.pem', own('127.0.0.1')),
    notAllowedClientPage: await get('127.0.0.3', '/', own('127.0.0.1')),
    allowedClient: await get('127.0.0.2', '/api/ca.pem', own('127.0.0.1')),
    thisMachine: await get('127.0.0.1', '/api/ca.pem', own('127.0.0.1')),
    foreignHost: await get('127.0.0.1', '/api/ca.pem', own('evil.example')),
    foreignHostPage: await get('127.0.0.1', '/', own('evil.example')),
    machineName: await get('127.0.0.1', '/api/ca.pem', own(os.hostname())),
    localhost: await get('127.0.0.1', '/api/ca.pem', own('localhost')),
    allowListedAddress: await get('127.0.0.1', '/api/ca.pem', own('127.0.0.2')),
    strangerAddress: await get('127.0.0.1', '/api/ca.pem', own('203.0.113.9')),
    wsForeign: await wsFrom('127.0.0.1', { Host: `evil.example:${ui.port}`, Origin: `http://evil.example:${ui.port}` }),
    wsForeignOrigin: await wsFrom('127.0.0.1', { Origin: 'http://evil.example' }),
    wsNotAllowedClient: await wsFrom('127.0.0.3', {}),
    wsOwn: await wsFrom('127.0.0.2', { Origin: `http://127.0.0.1:${ui.port}` }),
  };
  assert.deepEqual(statuses, {
    notAllowedClient: 403,
    notAllowedClientPage: 403,
    allowedClient: 200,
    thisMachine: 200,
    foreignHost: 403,
    foreignHostPage: 403,
    machineName: 200,
    localhost: 200,
    allowListedAddress: 200,
    strangerAddress: 403,
    wsForeign: 403,
    wsForeignOrigin: 403,
    wsNotAllowedClient: 403,
    wsOwn: 101,
  });
});
