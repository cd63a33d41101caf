/**
 * The Electron channel over a bridge shaped like the preload's `window.hindsight`: answers and errors
 * (as the preload rejects them: plain objects, so code and filter range survive contextBridge) come back
 * through createApiClient, event batches reach listeners, and closing stops them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type ApiEventBatch } from '../../../../../electron/common/api';
import { createApiClient } from '../../../../../electron/common/api-client';
import { createElectronChannel, errorInfoFrom, type HindsightBridge } from '../../../../../renderer/src/lib/api/transport.electron';

function bridge(): HindsightBridge & { emit(batch: ApiEventBatch): void; listeners: number } {
  const listeners = new Set<(batch: ApiEventBatch) => void>();
  return {
    async call(method, params) {
      if (method === 'flows.query' && (params as { filter?: string }).filter === 'hots:x') {
        throw { message: 'unknown key "hots:"', code: 'bad-filter', start: 0, end: 5 };
      }
      if (method === 'ca.get') throw new Error("Error invoking remote method 'hindsight:call': Error: disk on fire");
      return { method };
    },
    onEvents(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(batch) {
      for (const l of listeners) l(batch);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

test('answers, errors with code and range, events, and close', async () => {
  const fake = bridge();
  const client = createApiClient(createElectronChannel(fake));
  const removed: string[][] = [];
  client.on('flows/remove', (r) => removed.push(r.ids));

  const answer = await client.call('status.get', {});
  const bad = await client.call('flows.query', { filter: 'hots:x' }).catch((err: ApiError) => ({ name: err.name, code: err.code, start: err.start, end: err.end, message: err.message }));
  const broken = await client.call('ca.get', {}).catch((err: ApiError) => [err.code, err.message]);
  fake.emit({ events: [{ name: 'flows/remove', data: { ids: ['a', 'b'] } }, { name: 'not/allowed', data: 1 }] });
  const before = fake.listeners;
  client.dispose();
  fake.emit({ events: [{ name: 'flows/remove', data: { ids: ['c'] } }] });

  assert.deepEqual(
    { answer, bad, broken, removed, listeners: [before, fake.listeners] },
    {
      answer: { method: 'status.get' },
      bad: { name: 'ApiError', code: 'bad-filter', start: 0, end: 5, message: 'unknown key "hots:"' },
      broken: ['internal', 'disk on fire'],
      removed: [['a', 'b']],
      listeners: [1, 0],
    },
  );
});

test('errorInfoFrom keeps what survives IPC and drops Electron’s prefix', () => {
  assert.deepEqual(
    [
      errorInfoFrom('plain'),
      errorInfoFrom({ message: 'm', code: 'not-found' }),
      errorInfoFrom(new Error("Error invoking remote method 'x': TypeError: bad")),
      errorInfoFrom({ message: 'refused', code: 'invalid-rule', fields: [{ field: 'action.status', message: 'must be from 100 to 599' }, { nope: 1 }] }),
    ],
    [
      { message: 'plain' },
      { message: 'm', code: 'not-found' },
      { message: 'bad' },
      { message: 'refused', code: 'invalid-rule', fields: [{ field: 'action.status', message: 'must be from 100 to 599' }] },
    ],
  );
});
