/**
 * The renderer's reconnecting WebSocket channel against a real `ws` server on 127.0.0.1: calls are
 * answered, a dropped socket fails the calls in flight, reconnects on its own, and calls made while
 * down go out once it is back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createApiClient } from '../../../../../electron/common/api-client';
import type { ApiRequest } from '../../../../../electron/common/api';
import type { ConnectionState } from '../../../../../renderer/src/lib/api/connection';
import { createWebSocketChannel } from '../../../../../renderer/src/lib/api/transport.ws';

let server: WebSocketServer;
let url: string;
/** Requests the server has seen; `hold` ones are left unanswered. */
const seen: string[] = [];

before(async () => {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/ws`;
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ApiRequest;
      seen.push(msg.method);
      if ((msg.params as { hold?: boolean }).hold) return;
      socket.send(JSON.stringify({ id: msg.id, result: { method: msg.method } }));
      socket.send(JSON.stringify({ events: [{ name: 'store/trimmed', data: { at: 1, removed: 2, removedTotal: 3 } }] }));
    });
  });
});

after(async () => {
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
});

function nextState(channel: ReturnType<typeof createWebSocketChannel>, wanted: ConnectionState): Promise<void> {
  return new Promise((resolve) => {
    const subscription = channel.onDidChangeState((state) => {
      if (state !== wanted) return;
      subscription.dispose();
      resolve();
    });
  });
}

test('answers calls, fails the ones lost with a dropped socket, reconnects and sends what waited', { timeout: 20_000 }, async () => {
  const channel = createWebSocketChannel({ url, open: (u) => new WebSocket(u), minDelayMs: 20, maxDelayMs: 100 });
  const states: ConnectionState[] = [];
  channel.onDidChangeState((s) => states.push(s));
  const client = createApiClient(channel);
  const trims: number[] = [];
  client.on('store/trimmed', (t) => trims.push(t.removed));
  try {
    // Sent before the socket is open: queued, then answered.
    const first = await client.call('status.get', {});

    const held = client.call('ca.get', { hold: true } as never).then(
      () => 'answered',
      (err: Error & { code?: string }) => `${err.code}: ${err.message}`,
    );
    await new Promise<void>((resolve) => {
      const wait = () => (seen.includes('ca.get') ? resolve() : setTimeout(wait, 5));
      wait();
    });
    const down = nextState(channel, 'disconnected');
    for (const socket of server.clients) socket.terminate();
    await down;
    const lost = await held;

    // Made while down: waits for the reconnect instead of failing.
    const later = client.call('flows.query', {});
    const answered = await later;

    assert.deepEqual(
      { first, lost, answered, states, trims, closed: client.closed },
      {
        first: { method: 'status.get' },
        lost: 'closed: connection lost',
        answered: { method: 'flows.query' },
        states: ['open', 'disconnected', 'connecting', 'open'],
        trims: [2, 2],
        closed: false,
      },
    );
  } finally {
    client.dispose();
  }
  assert.equal(channel.state, 'disconnected');
  await assert.rejects(client.call('status.get', {}), /connection closed|client disposed/);
});
