// ws-message rules rewrite and drop WebSocket text messages in flight (ws and wss through CONNECT, with and
// without permessage-deflate, with and without context takeover): each side gets what the rules made of the
// other's messages, and the flow's message log records what went on, the rules applied and the original.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { TunnelAgent } from '../capture/tunnel-agent';
import { startOrigin, type Origin } from '../../helpers/origin';
import { startTestCore, type TestCore } from '../../helpers/core';
import { toFlowMessage } from '../../../electron/core/store/flow-message';
import type { FlowMessage } from '../../../electron/common/message';
import { HOLD_LIMIT } from '../../../electron/core/capture/websocket/relay';

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

async function connect(path: string, secure: boolean, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; agent: TunnelAgent; received: string[]; serverReceived: string[] }> {
  const url = origin.url(path, { secure }).replace(/^http/, 'ws');
  const agent = new TunnelAgent(proxy.proxyUrl, { secure, ca: proxy.caPem });
  const ws = new WebSocket(url, { agent, ...options });
  const received: string[] = [];
  ws.on('message', (data: Buffer, binary: boolean) => received.push(binary ? `binary:${data.toString('hex')}` : data.toString()));
  await once(ws, 'open');
  const serverReceived: string[] = [];
  origin.webSockets.at(-1)!.on('message', (data: Buffer, binary: boolean) => serverReceived.push(binary ? `binary:${data.toString('hex')}` : data.toString()));
  return { ws, agent, received, serverReceived };
}

/** Waits (bounded) until the client has received `count` messages. */
async function receivedCount(received: string[], count: number): Promise<void> {
  for (let i = 0; i < 500 && received.length < count; i++) await new Promise((r) => setTimeout(r, 10));
}

async function storedMessages(flowId: string): Promise<Omit<FlowMessage, 'at'>[]> {
  const page = await proxy.core.store.messages.read(flowId, { after: 0, limit: 1000 });
  return page.messages.map(toFlowMessage).map(({ at: _at, ...rest }) => rest);
}

async function saveRules(): Promise<{ rewrite: string; drop: string }> {
  const rewrite = await proxy.core.rules.store.save({
    name: 'hide secrets',
    matchers: [{ type: 'url', pattern: 'ws*://*/ws*', syntax: 'wildcard' }],
    action: { type: 'ws-message', direction: 'to-server', find: 'secret', syntax: 'text', effect: 'replace', replace: 'XXXX' },
  });
  const drop = await proxy.core.rules.store.save({
    name: 'drop echoes of drops',
    matchers: [{ type: 'host', host: '*' }],
    action: { type: 'ws-message', direction: 'to-client', find: '^echo:DROP', syntax: 'regex', flags: 'i', effect: 'drop' },
  });
  return { rewrite: rewrite.rule.id, drop: drop.rule.id };
}

describe('ws-message rules', () => {
  for (const [secure, path] of [
    [false, '/ws'],
    [true, '/ws'],
    [true, '/ws-deflate'],
    [false, '/ws-deflate'],
    [true, '/ws-deflate-reset'],
  ] as const) {
    test(`${secure ? 'wss' : 'ws'} ${path}: a message to the server rewritten, an echo to the client dropped, the rest unchanged`, async () => {
      const ids = await saveRules();
      // The client compresses every message (ws compresses only from 1 KB by default).
      const { ws, agent, received, serverReceived } = await connect(path, secure, { perMessageDeflate: { threshold: 0 } });
      // The second message repeats the first one's start: with context takeover its compressed form refers back
      // to the first, which the server never got as sent (the proxy forwards it decompressed from then on).
      const flowId = proxy.core.store.query({}).flows[0].id;
      for (const [text, expected] of [
        ['abcdefgh secret', 1],
        ['abcdefgh plain', 2],
        ['drop me', 2],
        ['last', 3],
      ] as const) {
        ws.send(text);
        await receivedCount(received, expected);
        // The dropped echo never arrives: wait until the proxy has logged it, so the log's order is known.
        for (let i = 0; text === 'drop me' && i < 500 && (await storedMessages(flowId)).length < 6; i++) await new Promise((r) => setTimeout(r, 10));
      }
      ws.send(Buffer.from([1, 2]), { binary: true });
      await receivedCount(received, 4);
      ws.close(1000);
      await once(ws, 'close');
      agent.destroy();
      const [flow] = await proxy.finishedFlows(1);
      assert.deepEqual(
        { client: received, server: serverReceived },
        {
          client: ['echo:abcdefgh XXXX', 'echo:abcdefgh plain', 'echo:last', 'binary:0102'],
          server: ['abcdefgh XXXX', 'abcdefgh plain', 'drop me', 'last', 'binary:0102'],
        },
      );
      const compressed = path === '/ws' ? {} : { compressed: true };
      const text = (seq: number, dir: 'to-server' | 'to-client', value: string, extra: Partial<FlowMessage> = {}) => ({ seq, dir, kind: 'text', size: Buffer.byteLength(value), truncated: false, ...compressed, ...extra, text: value });
      assert.deepEqual(await storedMessages(flow.id), [
        text(1, 'to-server', 'abcdefgh XXXX', { appliedRules: [{ id: ids.rewrite, kind: 'ws-rewrite', name: 'hide secrets' }], original: 'abcdefgh secret' }),
        text(2, 'to-client', 'echo:abcdefgh XXXX'),
        text(3, 'to-server', 'abcdefgh plain'),
        text(4, 'to-client', 'echo:abcdefgh plain'),
        text(5, 'to-server', 'drop me'),
        text(6, 'to-client', 'echo:drop me', { appliedRules: [{ id: ids.drop, kind: 'ws-drop', name: 'drop echoes of drops' }], dropped: true }),
        text(7, 'to-server', 'last'),
        text(8, 'to-client', 'echo:last'),
        { seq: 9, dir: 'to-server', kind: 'binary', size: 2, truncated: false, ...compressed, base64: 'AQI=' },
        { seq: 10, dir: 'to-client', kind: 'binary', size: 2, truncated: false, ...compressed, base64: 'AQI=' },
        { seq: 11, dir: 'to-server', kind: 'close', size: 2, truncated: false, closeCode: 1000, closeReason: '', text: '' },
        { seq: 12, dir: 'to-client', kind: 'close', size: 2, truncated: false, closeCode: 1000, closeReason: '', text: '' },
      ]);
    });
  }

  // Just over the limit (found at its last frame's end), and well over (streamed on while it arrives).
  for (const over of [1000, 300_000]) test(`a message ${over} bytes over the hold limit goes on unchanged; the next one is rewritten again`, async () => {
    await saveRules();
    const { ws, agent, received, serverReceived } = await connect('/ws', false);
    const flowId = proxy.core.store.query({}).flows[0].id;
    const big = `secret ${'a'.repeat(HOLD_LIMIT + over)}`;
    ws.send(big);
    await receivedCount(received, 1);
    ws.send('secret');
    await receivedCount(received, 2);
    ws.close(1000);
    await once(ws, 'close');
    agent.destroy();
    const [flow] = await proxy.finishedFlows(1);
    const messages = await storedMessages(flowId);
    assert.deepEqual(
      {
        count: flow.messages?.count,
        server: serverReceived.map((m) => (m === big ? 'big' : m)),
        client: received.map((m) => (m === `echo:${big}` ? 'echo:big' : m)),
        log: messages.map(({ seq: _seq, text, ...m }) => ({ ...m, text: text!.length > 100 ? `${text!.slice(0, 6)}…` : text })),
      },
      {
        // The log's 10 MB cap is used up by the first message, cut short; the rest are counted only.
        count: 6,
        server: ['big', 'XXXX'],
        client: ['echo:big', 'echo:XXXX'],
        log: [
          { dir: 'to-server', kind: 'text', size: big.length, truncated: true, text: 'secret…' },
        ],
      },
    );
  });

  for (const [secure, path] of [
    [false, '/ws'],
    [true, '/ws-deflate'],
  ] as const) {
    test(`${secure ? 'wss' : 'ws'} ${path}: a message breakpoint pauses a message (later ones wait), which is edited, dropped or let go`, async () => {
      const rule = await proxy.core.rules.store.save({
        name: 'hold',
        matchers: [],
        action: { type: 'ws-message', direction: 'to-server', find: 'hold', syntax: 'text', effect: 'pause' },
      });
      const { breakpoints } = proxy.core.rules;
      const { ws, agent, received, serverReceived } = await connect(path, secure, { perMessageDeflate: { threshold: 0 } });
      const flowId = proxy.core.store.query({}).flows[0].id;
      const paused = async (count: number) => {
        for (let i = 0; i < 500 && breakpoints.list().length < count; i++) await new Promise((r) => setTimeout(r, 10));
        return breakpoints.list();
      };
      ws.send('hold: edit me');
      ws.send('behind it'); // waits behind the paused message, in order
      const [first] = await paused(1);
      const { pausedAt: _p, continuesAt: _c, ...info } = first;
      assert.deepEqual(
        { ...info, request: { ...info.request, headers: [] } },
        {
          id: `${flowId}:message:1`,
          flowId,
          phase: 'message',
          clientIp: '127.0.0.1',
          rule: { id: rule.rule.id, kind: 'breakpoint', name: 'hold' },
          request: { method: 'GET', url: origin.url(path, { secure }).replace(/^http/, 'ws'), headers: [] },
          wsMessage: { dir: 'to-server', text: 'hold: edit me' },
        },
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(serverReceived, []);
      breakpoints.resume(first.id, { text: 'edited in flight' });
      await receivedCount(received, 2);
      ws.send('hold: drop me');
      const [second] = await paused(1);
      breakpoints.resume(second.id, { drop: true });
      ws.send('hold: as it was');
      const [third] = await paused(1);
      assert.throws(() => breakpoints.resume(third.id, { status: 200 } as never), /edits.status: cannot be edited on a paused message/);
      breakpoints.resume(third.id);
      await receivedCount(received, 3);
      ws.close(1000);
      await once(ws, 'close');
      agent.destroy();
      await proxy.finishedFlows(1);
      assert.deepEqual({ client: received, server: serverReceived }, {
        client: ['echo:edited in flight', 'echo:behind it', 'echo:hold: as it was'],
        server: ['edited in flight', 'behind it', 'hold: as it was'],
      });
      const compressed = path === '/ws' ? {} : { compressed: true };
      const text = (dir: 'to-server' | 'to-client', value: string, extra: Partial<FlowMessage> = {}) => ({ dir, kind: 'text', size: Buffer.byteLength(value), truncated: false, ...compressed, ...extra, text: value });
      const messages = (await storedMessages(flowId)).map(({ seq: _seq, ...m }) => m);
      const byDir = (dir: string) => messages.filter((m) => m.dir === dir && m.kind === 'text');
      assert.deepEqual(
        { toServer: byDir('to-server'), toClient: byDir('to-client') },
        {
          toServer: [
            text('to-server', 'edited in flight', { appliedRules: [{ id: rule.rule.id, kind: 'ws-breakpoint-edit', name: 'hold' }], original: 'hold: edit me' }),
            text('to-server', 'behind it'),
            text('to-server', 'hold: drop me', { appliedRules: [{ id: rule.rule.id, kind: 'ws-breakpoint-drop', name: 'hold' }], dropped: true }),
            text('to-server', 'hold: as it was'),
          ],
          toClient: [text('to-client', 'echo:edited in flight'), text('to-client', 'echo:behind it'), text('to-client', 'echo:hold: as it was')],
        },
      );
    });
  }

  test('a paused message is released when the socket closes, and the flow finishes', async () => {
    await proxy.core.rules.store.save({ name: 'hold', matchers: [], action: { type: 'ws-message', direction: 'both', find: 'hold', syntax: 'text', effect: 'pause' } });
    const { ws, agent } = await connect('/ws', false);
    ws.send('hold');
    for (let i = 0; i < 500 && proxy.core.rules.breakpoints.list().length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(proxy.core.rules.breakpoints.list().length, 1);
    ws.terminate();
    agent.destroy();
    const [flow] = await proxy.finishedFlows(1);
    assert.deepEqual({ paused: proxy.core.rules.breakpoints.list(), state: flow.state }, { paused: [], state: 'completed' });
  });

  test('a fragmented message with a ping between its frames is held whole, rewritten, and an injection waits for it', async () => {
    await proxy.core.rules.store.save({
      name: 'rename',
      matchers: [],
      action: { type: 'ws-message', direction: 'to-client', find: '(\\w+) half', syntax: 'regex', effect: 'replace', replace: '$1 part' },
    });
    const { ws, agent, received } = await connect('/ws', false);
    const flowId = proxy.core.store.query({}).flows[0].id;
    const server = origin.webSockets.at(-1)!;
    const pinged = once(ws, 'ping');
    server.send('first half, ', { fin: false });
    server.ping('mid');
    // The ping goes on at once while the message's first frame is held.
    assert.equal(String((await pinged)[0]), 'mid');
    const injected = proxy.core.webSockets.send(flowId, 'client', 'text', Buffer.from('injected'));
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(received, []);
    server.send('second half', { fin: true });
    await injected;
    await receivedCount(received, 2);
    assert.deepEqual(received, ['first part, second part', 'injected']);
    ws.close(1000);
    await once(ws, 'close');
    agent.destroy();
    await proxy.finishedFlows(1);
    const messages = await storedMessages(flowId);
    assert.deepEqual(
      messages.slice(0, 4).map(({ seq: _seq, appliedRules, ...m }) => ({ ...m, rules: appliedRules?.map((r) => r.kind) })),
      [
        { dir: 'to-client', kind: 'ping', size: 3, truncated: false, base64: Buffer.from('mid').toString('base64'), rules: undefined },
        { dir: 'to-server', kind: 'pong', size: 3, truncated: false, base64: Buffer.from('mid').toString('base64'), rules: undefined },
        { dir: 'to-client', kind: 'text', size: 23, truncated: false, original: 'first half, second half', text: 'first part, second part', rules: ['ws-rewrite'] },
        { dir: 'to-client', kind: 'text', size: 8, truncated: false, injected: true, text: 'injected', rules: undefined },
      ],
    );
  });
});
