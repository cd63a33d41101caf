// Issue 14, item 8: a CONNECT whose target is not host:port with a real port is answered 400 with the reason
// before any tunnel is opened, and requests through the proxy to its own UI/API port are refused like
// requests to the proxy port itself (never forwarded, so the token in their headers is never relayed).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { startTestCore, type TestCore } from '../../helpers/core';
import { curl } from './clients';

let core: TestCore;
let ui: UiServer;

before(async () => {
  core = await startTestCore();
  ui = await startUiServer(core.core, { port: 0 });
});
after(async () => {
  await ui.close();
  await core.dispose();
});

/** Sends raw bytes to the proxy port and resolves with everything it answers before closing (bounded). */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(core.port, '127.0.0.1', () => socket.write(text));
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, 10_000);
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on('error', reject);
  });
}

test('CONNECT to garbage or an impossible port is answered 400 with the reason', async () => {
  const replies = await Promise.all(['garbage', '127.0.0.1:99999', '127.0.0.1:0', 'example.test'].map((t) => raw(`CONNECT ${t} HTTP/1.1\r\nHost: ${t}\r\n\r\n`)));
  assert.deepEqual(
    replies.map((r) => [r.split('\r\n')[0], r.split('\r\n\r\n')[1]]),
    [
      ['HTTP/1.1 400 Bad Request', 'Hindsight: CONNECT needs host:port, got "garbage"\n'],
      ['HTTP/1.1 400 Bad Request', 'Hindsight: CONNECT target "127.0.0.1:99999" is not a host with a port from 1 to 65535\n'],
      ['HTTP/1.1 400 Bad Request', 'Hindsight: CONNECT target "127.0.0.1:0" is not a host with a port from 1 to 65535\n'],
      ['HTTP/1.1 400 Bad Request', 'Hindsight: CONNECT needs host:port, got "example.test"\n'],
    ],
  );
});

test('requests through the proxy to its own UI port are refused, plain and tunnelled', async () => {
  const target = `http://127.0.0.1:${ui.port}/api/ca.pem`;
  const auth = ['-H', `Authorization: Bearer ${ui.token}`];
  const plain = await curl(core.proxyUrl, ['-s', ...auth, target]);
  const tunnelled = await curl(core.proxyUrl, ['-s', '-p', ...auth, target]);
  const direct = await curl(null, ['-s', ...auth, target]);
  assert.deepEqual(
    { plain: [plain.status, plain.body], tunnelled: [tunnelled.status, tunnelled.body], directServesCa: direct.body.includes('BEGIN CERTIFICATE') },
    {
      plain: [200, 'Hindsight is running. Set it as the HTTP and HTTPS proxy of your client to capture its traffic.\n'],
      tunnelled: [200, 'Hindsight is running. Set it as the HTTP and HTTPS proxy of your client to capture its traffic.\n'],
      directServesCa: true,
    },
  );
});
