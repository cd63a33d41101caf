// flows.messages and flows.sendMessage over the API (in-memory transport, the core's real handlers): pages
// and search over a live socket's log, a message sent to each side, and refusals with their codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { ApiError } from '../../../electron/common/api';
import type { DisposableApiClient } from '../../../electron/common/api-client';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { connectInMemory } from '../../../electron/core/api/transport.memory';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startOrigin, type Origin } from '../../helpers/origin';
import { TunnelAgent } from '../capture/tunnel-agent';

let origin: Origin;
let proxy: TestCore;
let client: DisposableApiClient;
let server: ReturnType<typeof createApiServerSide>;
before(async () => {
  origin = await startOrigin();
  proxy = await startTestCore({ origin });
  server = createApiServerSide(createApiHandlers(proxy.core), proxy.core);
  client = connectInMemory(server);
});
after(async () => {
  client.dispose();
  server.dispose();
  await proxy.dispose();
  await origin.close();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('expected a failure'),
    (err: unknown) => {
      assert.ok(err instanceof ApiError);
      return { code: err.code, message: err.message };
    },
  );

test('pages, search and sending into a live socket, to the client and to the server', async () => {
  const agent = new TunnelAgent(proxy.proxyUrl, { secure: false, ca: proxy.caPem });
  const ws = new WebSocket(origin.url('/ws').replace(/^http/, 'ws'), { agent });
  await once(ws, 'open');
  for (const text of ['alpha', 'beta', 'gamma']) {
    ws.send(text);
    await once(ws, 'message');
  }
  const id = proxy.core.store.query({ filter: 'is:ws' }).flows[0].id;
  const received = once(ws, 'message');
  const sent = await client.call('flows.sendMessage', { id, to: 'client', text: 'from the api' });
  assert.equal(String((await received)[0]), 'from the api');
  const echoed = once(ws, 'message');
  await client.call('flows.sendMessage', { id, to: 'server', base64: Buffer.from('bin').toString('base64') });
  assert.equal(String((await echoed)[0]), 'bin');

  const strip = (page: { messages: { seq: number; text?: string; base64?: string; injected?: boolean }[]; stored: number; next?: number } | null) =>
    page && { rows: page.messages.map((m) => [m.seq, m.text ?? m.base64, m.injected ?? false]), stored: page.stored, next: page.next };
  assert.deepEqual(
    {
      sent: [sent.seq, sent.dir, sent.kind, sent.injected, sent.text],
      first: strip(await client.call('flows.messages', { id, limit: 2 })),
      rest: strip(await client.call('flows.messages', { id, after: 6 })),
      search: strip(await client.call('flows.messages', { id, search: 'GAMMA' })),
      missing: await client.call('flows.messages', { id: 'nosuchflow' }),
    },
    {
      sent: [7, 'to-client', 'text', true, 'from the api'],
      first: { rows: [[1, 'alpha', false], [2, 'echo:alpha', false]], stored: 9, next: 2 },
      rest: { rows: [[7, 'from the api', true], [8, 'Ymlu', true], [9, 'Ymlu', false]], stored: 9, next: undefined },
      search: { rows: [[5, 'gamma', false], [6, 'echo:gamma', false]], stored: 9, next: undefined },
      missing: null,
    },
  );
  ws.close();
  await once(ws, 'close');
  agent.destroy();
  await proxy.finishedFlows(1);
  assert.deepEqual(await failure(client.call('flows.sendMessage', { id, to: 'client', text: 'late' })), { code: 'not-live', message: `flows.sendMessage: flow ${id} is not an open WebSocket` });
  assert.deepEqual(await failure(client.call('flows.sendMessage', { id, to: 'client', text: 'a', base64: 'YQ==' })), { code: 'bad-params', message: "flows.sendMessage: give exactly one of 'text' and 'base64'" });
  assert.deepEqual(await failure(client.call('flows.sendMessage', { id, to: 'nobody' as 'client', text: 'a' })), { code: 'bad-params', message: "flows.sendMessage: param 'to' must be one of 'client', 'server'" });
  assert.deepEqual(await failure(client.call('flows.messages', { id, limit: 0 })), { code: 'bad-params', message: "flows.messages: param 'limit' must be an integer from 1 to 1000" });
});
