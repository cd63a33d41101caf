import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type ApiEventBatch, type ApiRequest, type ApiResponse, type ApiMethod } from '../../../electron/common/api';
import { createApiClient, type ApiChannel } from '../../../electron/common/api-client';

/** A channel whose other end is the test: it records what the client sent and lets the test answer. */
function loopChannel() {
  const sent: ApiRequest[] = [];
  const listeners = new Set<(msg: ApiResponse | ApiEventBatch) => void>();
  const closeListeners = new Set<(reason?: string) => void>();
  let closedByClient = false;
  const channel: ApiChannel = {
    send: (msg) => void sent.push(msg),
    onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
    onClose: (l) => (closeListeners.add(l), () => closeListeners.delete(l)),
    close: () => void (closedByClient = true),
  };
  return {
    channel,
    sent,
    deliver: (msg: ApiResponse | ApiEventBatch) => listeners.forEach((l) => l(msg)),
    drop: (reason?: string) => closeListeners.forEach((l) => l(reason)),
    get listenerCount() {
      return listeners.size + closeListeners.size;
    },
    get closedByClient() {
      return closedByClient;
    },
  };
}

function errorOf(err: unknown) {
  assert.ok(err instanceof ApiError);
  return { message: err.message, code: err.code, start: err.start, end: err.end };
}

test('requests get distinct ids and answers resolve the matching call, in any order', async () => {
  const loop = loopChannel();
  const client = createApiClient(loop.channel);
  const a = client.call('flows.get', { id: 'a' });
  const b = client.call('flows.pin', { ids: ['b'], pinned: true });
  loop.deliver({ id: loop.sent[1].id, result: { changed: 1 } });
  loop.deliver({ id: loop.sent[0].id, result: null });
  assert.deepStrictEqual(
    { sent: loop.sent, a: await a, b: await b },
    {
      sent: [
        { id: 1, method: 'flows.get', params: { id: 'a' } },
        { id: 2, method: 'flows.pin', params: { ids: ['b'], pinned: true } },
      ],
      a: null,
      b: { changed: 1 },
    },
  );
  client.dispose();
});

test('an error answer rejects with an ApiError carrying code and token range', async () => {
  const loop = loopChannel();
  const client = createApiClient(loop.channel);
  const call = client.call('flows.query', { filter: 'status:abc' });
  loop.deliver({ id: 1, error: { message: 'bad status', code: 'bad-filter', start: 0, end: 10 } });
  const err = await call.then(() => assert.fail('resolved'), errorOf);
  assert.deepStrictEqual(err, { message: 'bad status', code: 'bad-filter', start: 0, end: 10 });
  client.dispose();
});

test('a method outside the allow-list is refused without sending', async () => {
  const loop = loopChannel();
  const client = createApiClient(loop.channel);
  const err = await client.call('fs.readFile' as ApiMethod, {} as never).then(() => assert.fail('resolved'), errorOf);
  assert.deepStrictEqual({ err, sent: loop.sent }, { err: { message: 'unknown method: fs.readFile', code: 'unknown-method', start: undefined, end: undefined }, sent: [] });
  client.dispose();
});

test('event batches fan out in order to listeners of allow-listed events only', () => {
  const loop = loopChannel();
  const client = createApiClient(loop.channel);
  const seen: unknown[] = [];
  const offAdd = client.on('flows/add', (flows) => seen.push(['add', flows.map((f) => f.id)]));
  client.on('flows/remove', (r) => seen.push(['remove', r.ids]));
  client.on('flows/add', () => {
    throw new Error('a listener bug must not stop the others');
  });
  loop.deliver({
    events: [
      { name: 'flows/add', data: [{ id: 'x' }] },
      { name: 'not/allowed', data: 1 },
      { name: 'flows/remove', data: { ids: ['x'] } },
      { name: 'flows/add', data: [{ id: 'y' }] },
    ],
  });
  offAdd();
  loop.deliver({ events: [{ name: 'flows/add', data: [{ id: 'z' }] }] });
  assert.deepStrictEqual(seen, [
    ['add', ['x']],
    ['remove', ['x']],
    ['add', ['y']],
  ]);
  client.dispose();
});

test('pending calls are rejected when the channel closes, and later calls are refused', async () => {
  const loop = loopChannel();
  const client = createApiClient(loop.channel);
  const first = client.call('status.get', {});
  const second = client.call('ca.get', {});
  loop.drop('socket hang up');
  const after = client.call('status.get', {});
  const errors = await Promise.all([first, second, after].map((p) => p.then(() => assert.fail('resolved'), errorOf)));
  assert.deepStrictEqual(
    { errors: errors.map((e) => [e.code, e.message]), closed: client.closed, listeners: loop.listenerCount },
    {
      errors: [
        ['closed', 'status.get: connection closed (socket hang up)'],
        ['closed', 'ca.get: connection closed (socket hang up)'],
        ['closed', 'status.get: connection closed'],
      ],
      closed: true,
      listeners: 0,
    },
  );
});

test('dispose rejects pending calls, closes the channel and ignores late answers', async () => {
  const loop = loopChannel();
  const client = createApiClient(loop.channel);
  const call = client.call('status.get', {});
  client.dispose();
  loop.deliver({ id: 1, result: 'late' });
  const err = await call.then(() => assert.fail('resolved'), errorOf);
  assert.deepStrictEqual({ code: err.code, closedByClient: loop.closedByClient }, { code: 'closed', closedByClient: true });
});

test('a send that throws rejects that call only', async () => {
  const loop = loopChannel();
  let fail = true;
  const client = createApiClient({
    ...loop.channel,
    send: (msg) => {
      if (fail) throw new Error('not connected');
      loop.channel.send(msg);
    },
  });
  const err = await client.call('status.get', {}).then(() => assert.fail('resolved'), errorOf);
  fail = false;
  const ok = client.call('flows.get', { id: 'q' });
  loop.deliver({ id: loop.sent[0].id, result: null });
  assert.deepStrictEqual({ err: [err.code, err.message], ok: await ok }, { err: ['closed', 'status.get: not connected'], ok: null });
  client.dispose();
});
