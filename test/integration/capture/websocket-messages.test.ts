// WebSocket messages are recorded in the flow's message log as they pass (ws and wss through CONNECT, with and
// without permessage-deflate), the flow stays live while the socket is open, and a message sent through the API
// reaches the client or the server and is recorded as injected.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { TunnelAgent } from './tunnel-agent';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { toFlowMessage } from '../../../electron/core/store/flow-message';
import type { FlowMessage } from '../../../electron/common/message';

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

/** A client through the proxy (CONNECT tunnel, TLS to the proxy for wss), open. */
async function connect(path: string, secure: boolean, options: WebSocket.ClientOptions = {}, protocols: string[] = []): Promise<{ ws: WebSocket; agent: TunnelAgent }> {
  const url = origin.url(path, { secure }).replace(/^http/, 'ws');
  const agent = new TunnelAgent(proxy.proxyUrl, { secure, ca: proxy.caPem });
  const ws = new WebSocket(url, protocols, { agent, ...options });
  await once(ws, 'open');
  return { ws, agent };
}

const nextMessage = async (ws: WebSocket): Promise<{ data: string; binary: boolean }> => {
  const [data, binary] = (await once(ws, 'message')) as [Buffer, boolean];
  return { data: binary ? data.toString('hex') : data.toString(), binary };
};

async function closeAndWait(ws: WebSocket, agent: TunnelAgent, code?: number, reason?: string): Promise<void> {
  ws.close(code, reason);
  await once(ws, 'close');
  agent.destroy();
}

/** The messages of the flow's log, without the times (checked apart). */
async function storedMessages(flowId: string): Promise<Omit<FlowMessage, 'at'>[]> {
  const all: FlowMessage[] = [];
  let after = 0;
  for (;;) {
    const page = await proxy.core.store.messages.read(flowId, { after, limit: 1000 });
    all.push(...page.messages.map(toFlowMessage));
    if (page.next === undefined) break;
    after = page.next;
  }
  return all.map(({ at: _at, ...rest }) => rest);
}

describe('WebSocket messages', () => {
  for (const [secure, path] of [
    [false, '/ws-deflate'],
    [true, '/ws-deflate'],
    [true, '/ws-deflate-reset'],
    [false, '/ws'],
  ] as const) {
    test(`${secure ? 'wss' : 'ws'} ${path}: text, binary, ping/pong and close (code and reason) recorded in order, decompressed`, async () => {
      // Every message compressed by the client too (ws compresses only from 1 KB by default).
      const { ws, agent } = await connect(path, secure, { perMessageDeflate: { threshold: 0 } }, ['chat.v1']);
      assert.equal(ws.protocol, 'chat.v1');
      ws.send('hello');
      assert.deepEqual(await nextMessage(ws), { data: 'echo:hello', binary: false });
      ws.send('hello again, hello again'); // with context takeover, compressed against the previous message
      assert.deepEqual(await nextMessage(ws), { data: 'echo:hello again, hello again', binary: false });
      ws.send(Buffer.from([0, 1, 2, 255]), { binary: true });
      assert.deepEqual(await nextMessage(ws), { data: '000102ff', binary: true });
      ws.ping('are you there');
      await once(ws, 'pong');
      const flowId = proxy.core.store.query({}).flows[0].id;
      assert.equal(proxy.core.store.query({}).flows[0].state, 'live');
      await closeAndWait(ws, agent, 4001, 'done here');
      const [flow] = await proxy.finishedFlows(1);
      const compressed = path !== '/ws' ? { compressed: true } : {};
      const text = (seq: number, dir: 'to-server' | 'to-client', value: string) => ({ seq, dir, kind: 'text', size: Buffer.byteLength(value), truncated: false, ...compressed, text: value });
      assert.deepEqual(await storedMessages(flowId), [
        text(1, 'to-server', 'hello'),
        text(2, 'to-client', 'echo:hello'),
        text(3, 'to-server', 'hello again, hello again'),
        text(4, 'to-client', 'echo:hello again, hello again'),
        { seq: 5, dir: 'to-server', kind: 'binary', size: 4, truncated: false, ...compressed, base64: Buffer.from([0, 1, 2, 255]).toString('base64') },
        { seq: 6, dir: 'to-client', kind: 'binary', size: 4, truncated: false, ...compressed, base64: Buffer.from([0, 1, 2, 255]).toString('base64') },
        { seq: 7, dir: 'to-server', kind: 'ping', size: 13, truncated: false, base64: Buffer.from('are you there').toString('base64') },
        { seq: 8, dir: 'to-client', kind: 'pong', size: 13, truncated: false, base64: Buffer.from('are you there').toString('base64') },
        { seq: 9, dir: 'to-server', kind: 'close', size: 11, truncated: false, closeCode: 4001, closeReason: 'done here', text: 'done here' },
        { seq: 10, dir: 'to-client', kind: 'close', size: 11, truncated: false, closeCode: 4001, closeReason: 'done here', text: 'done here' },
      ]);
      const bytes = 5 + 10 + 24 + 29 + 4 + 4 + 13 + 13 + 11 + 11;
      assert.deepEqual({ state: flow.state, websocket: flow.websocket, messages: flow.messages }, { state: 'completed', websocket: true, messages: { count: 10, bytes, truncated: false } });
      const summary = proxy.core.store.query({}).flows[0];
      assert.deepEqual({ count: summary.messageCount, bytes: summary.messageBytes }, { count: 10, bytes });
    });
  }

  test('10,000 messages (4,999 echoes and the close pair) are all kept, in order per direction', async () => {
    const { ws, agent } = await connect('/ws-deflate', true);
    const total = 4_999;
    let received = 0;
    const echoed = new Promise<void>((resolve) =>
      ws.on('message', () => {
        if (++received === total) resolve();
      }),
    );
    for (let i = 0; i < total; i++) ws.send(`message ${i}`);
    await echoed;
    await closeAndWait(ws, agent, 1000);
    const [flow] = await proxy.finishedFlows(1, 60_000);
    const messages = await storedMessages(flow.id);
    const texts = (dir: string) => messages.filter((m) => m.dir === dir && m.kind === 'text').map((m) => m.text);
    const expected = Array.from({ length: total }, (_, i) => `message ${i}`);
    assert.deepEqual(
      {
        stats: flow.messages,
        seqs: messages.every((m, i) => m.seq === i + 1),
        toServer: texts('to-server'),
        toClient: texts('to-client'),
        closes: messages.filter((m) => m.kind === 'close').map((m) => [m.dir, m.closeCode]),
      },
      {
        stats: { count: 10_000, bytes: expected.reduce((n, t) => n + t.length * 2 + 5, 0) + 4, truncated: false },
        seqs: true,
        toServer: expected,
        toClient: expected.map((t) => `echo:${t}`),
        closes: [
          ['to-server', 1000],
          ['to-client', 1000],
        ],
      },
    );
  });

  test('a message sent through the API reaches the client, and one to the server is answered; both recorded as injected', async () => {
    const { ws, agent } = await connect('/ws', false);
    const flowId = proxy.core.store.query({}).flows[0].id;
    const got = nextMessage(ws);
    const toClient = await proxy.core.webSockets.send(flowId, 'client', 'text', Buffer.from('from hindsight'));
    assert.deepEqual(await got, { data: 'from hindsight', binary: false });
    const echo = nextMessage(ws);
    const toServer = await proxy.core.webSockets.send(flowId, 'server', 'binary', Buffer.from([7, 7]));
    assert.deepEqual(await echo, { data: '0707', binary: true });
    assert.deepEqual([toClient?.seq, toServer?.seq], [1, 2]);
    await closeAndWait(ws, agent);
    await proxy.finishedFlows(1);
    const messages = await storedMessages(flowId);
    assert.deepEqual(messages.slice(0, 3), [
      { seq: 1, dir: 'to-client', kind: 'text', size: 14, truncated: false, injected: true, text: 'from hindsight' },
      { seq: 2, dir: 'to-server', kind: 'binary', size: 2, truncated: false, injected: true, base64: 'Bwc=' },
      { seq: 3, dir: 'to-client', kind: 'binary', size: 2, truncated: false, base64: 'Bwc=' },
    ]);
    await assert.rejects(proxy.core.webSockets.send(flowId, 'client', 'text', Buffer.from('late')), /not an open WebSocket/);
  });
});

test('a message sent while the server is midway through a fragmented message waits for its end', async () => {
  const { ws, agent } = await connect('/ws', false);
  const flowId = proxy.core.store.query({}).flows[0].id;
  const server = origin.webSockets.at(-1)!;
  const received: string[] = [];
  ws.on('message', (data: Buffer) => received.push(data.toString()));
  server.send('first half, ', { fin: false });
  // The first fragment is let through the proxy (nothing observable marks it: a message is logged whole), so
  // the injection finds the stream mid-message. Were it written at once, the client would see a protocol error.
  await new Promise((r) => setTimeout(r, 300));
  const injected = proxy.core.webSockets.send(flowId, 'client', 'text', Buffer.from('injected'));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(received, []);
  server.send('second half', { fin: true });
  await injected;
  for (let i = 0; i < 200 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(received, ['first half, second half', 'injected']);
  await closeAndWait(ws, agent);
  await proxy.finishedFlows(1);
  assert.deepEqual(
    (await storedMessages(flowId)).slice(0, 2).map((m) => [m.dir, m.text, m.injected ?? false]),
    [
      ['to-client', 'first half, second half', false],
      ['to-client', 'injected', true],
    ],
  );
});

describe('WebSocket message cap', () => {
  test('past the cap messages are counted, not kept; a message cut at the byte cap is marked truncated', async () => {
    await proxy.dispose();
    proxy = await startTestCore({ origin, store: { messageCap: { count: 3, bytes: 20 } } });
    const { ws, agent } = await connect('/ws', false);
    ws.send('0123456789'); // kept whole (10 bytes)
    await nextMessage(ws); // echo:0123456789 (15 bytes): 10 kept, truncated
    ws.send('abc'); // the byte cap is reached: counted only
    await nextMessage(ws);
    await closeAndWait(ws, agent);
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual(flow.messages, { count: 6, bytes: 10 + 15 + 3 + 8, truncated: true });
    assert.deepEqual(await storedMessages(flow.id), [
      { seq: 1, dir: 'to-server', kind: 'text', size: 10, truncated: false, text: '0123456789' },
      { seq: 2, dir: 'to-client', kind: 'text', size: 15, truncated: true, text: 'echo:01234' },
    ]);
  });
});
