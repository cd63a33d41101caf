// WebSocket upgrades pass through the proxy (ws via absolute-form, wss via an intercepted CONNECT tunnel),
// the server's chosen subprotocol reaches the client, and the handshake is recorded as a 101 flow.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import crypto from 'node:crypto';
import { TunnelAgent } from './tunnel-agent';
import WebSocket from 'ws';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';

let origin: Origin;
let proxy: TestCore;
before(async () => {
  origin = await startOrigin();
});
after(() => origin.close());
beforeEach(async () => {
  proxy = await startTestCore({ origin });
});
afterEach(() => proxy.dispose());

async function roundTrip(url: string, agent: TunnelAgent, protocols: string[]): Promise<{ protocol: string; reply: string }> {
  const ws = new WebSocket(url, protocols, { agent });
  try {
    await once(ws, 'open');
    ws.send('ping');
    const [data] = (await once(ws, 'message')) as [Buffer];
    return { protocol: ws.protocol, reply: data.toString() };
  } finally {
    ws.close();
    await once(ws, 'close');
  }
}

describe('WebSocket pass-through', () => {
  for (const secure of [false, true]) {
    test(`${secure ? 'wss' : 'ws'} through a CONNECT tunnel: subprotocol chosen by the server, messages flow, a 101 flow is recorded`, async () => {
      const url = origin.url('/ws', { secure }).replace(/^http/, 'ws');
      const agent = new TunnelAgent(proxy.proxyUrl, { secure, ca: proxy.caPem });
      try {
        assert.deepEqual(await roundTrip(url, agent, ['chat.v1', 'chat.v2']), { protocol: 'chat.v2', reply: 'echo:ping' });
      } finally {
        agent.destroy();
      }
      const [flow] = await proxy.finishedFlows(1);
      const lower = (headers: [string, string][]) => Object.fromEntries(headers.map(([k, v]) => [k.toLowerCase(), v]));
      assert.deepEqual(
        {
          url: flow.request.url,
          websocket: flow.websocket,
          state: flow.state,
          status: flow.response?.status,
          offered: lower(flow.request.headers)['sec-websocket-protocol'],
          chosen: lower(flow.response!.headers)['sec-websocket-protocol'],
          upgrade: lower(flow.response!.headers)['upgrade'],
          tls: flow.server?.tls?.version,
        },
        { url, websocket: true, state: 'completed', status: 101, offered: 'chat.v1,chat.v2', chosen: 'chat.v2', upgrade: 'websocket', tls: secure ? 'TLSv1.3' : undefined },
      );
      // The origin saw the client's own handshake, subprotocols included.
      const upgrade = origin.received.at(-1)!;
      assert.equal(upgrade.rawHeaders[upgrade.rawHeaders.findIndex((h) => h.toLowerCase() === 'sec-websocket-protocol') + 1], 'chat.v1,chat.v2');
    });
  }

  test('ws in absolute-form (a raw handshake): 101 with the subprotocol, then frames both ways', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    try {
      await once(socket, 'connect');
      const key = crypto.randomBytes(16).toString('base64');
      socket.write(
        `GET ${origin.url('/ws')} HTTP/1.1\r\nHost: origin.test:${origin.httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat.v1\r\n\r\n`,
      );
      const head = await readUntil(socket, (text) => text.includes('\r\n\r\n'));
      const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      assert.deepEqual(
        { status: head.split('\r\n')[0], protocol: /sec-websocket-protocol: (.*)\r\n/i.exec(head)?.[1], accept: /sec-websocket-accept: (.*)\r\n/i.exec(head)?.[1] },
        { status: 'HTTP/1.1 101 Switching Protocols', protocol: 'chat.v1', accept },
      );
      // One masked text frame "hi"; the origin answers with the unmasked frame "echo:hi".
      const mask = crypto.randomBytes(4);
      const payload = Buffer.from('hi').map((b, i) => b ^ mask[i % 4]);
      socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | 2]), mask, payload]));
      const frame = await readUntil(socket, (text) => text.includes('echo:hi'), 'latin1');
      assert.equal(frame.slice(-9), '\x81\x07echo:hi');
    } finally {
      socket.destroy();
    }
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ url: flow.request.url, status: flow.response?.status, websocket: flow.websocket }, { url: origin.url('/ws').replace(/^http/, 'ws'), status: 101, websocket: true });
  });

  test('an upgrade the server refuses reaches the client as the server answered it', async () => {
    const socket = net.connect(proxy.port, '127.0.0.1');
    let answer: string;
    try {
      await once(socket, 'connect');
      socket.write(`GET ${origin.url('/not-ws')} HTTP/1.1\r\nHost: origin.test:${origin.httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      answer = await readUntil(socket, (text) => text.endsWith('no upgrade'));
    } finally {
      socket.destroy();
    }
    assert.deepEqual({ status: answer.split('\r\n')[0], body: answer.split('\r\n\r\n')[1] }, { status: 'HTTP/1.1 403 Forbidden', body: 'no upgrade' });
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(
      { websocket: flow.websocket, state: flow.state, status: flow.response?.status, bodySize: flow.response?.body.size },
      { websocket: true, state: 'completed', status: 403, bodySize: 10 },
    );
  });
});

/** Collects what the socket sends until `done(text)` holds. */
function readUntil(socket: net.Socket, done: (text: string) => boolean, encoding: BufferEncoding = 'utf8'): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString(encoding);
      if (done(text)) {
        socket.off('data', onData);
        socket.off('close', onClose);
        resolve(text);
      }
    };
    const onClose = () => reject(new Error(`closed after ${JSON.stringify(text)}`));
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
