// The preload under the electron double: exactly { call, onEvents }, unknown methods refused before IPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as double from '../../helpers/electron-double';
import { CALL_CHANNEL, EVENTS_CHANNEL } from '../../../electron/common/ipc-channels';

double.installElectronDouble();
double.resetElectronDouble();
require('../../../electron/preload/index');

type Bridge = { call(method: unknown, params: unknown): Promise<unknown>; onEvents(listener: (batch: unknown) => void): () => void };
const bridge = double.contextBridge.exposed.get('hindsight') as Bridge;

test('exposes exactly call and onEvents, nothing else on window', () => {
  assert.deepEqual([...double.contextBridge.exposed.keys()], ['hindsight']);
  assert.deepEqual(Object.keys(bridge).sort(), ['call', 'onEvents']);
  assert.deepEqual([typeof bridge.call, typeof bridge.onEvents], ['function', 'function']);
});

test('unknown methods are refused without touching IPC; known ones go to main and are unwrapped', async () => {
  const seen: unknown[] = [];
  double.ipcRenderer.invokeTarget = async (channel, request) => {
    seen.push({ channel, request });
    const { id, method } = request as { id: number; method: string };
    return method === 'flows.get' ? { id, error: { message: 'no such flow', code: 'not-found' } } : { id, result: { ok: method } };
  };
  await assert.rejects(bridge.call('shell.exec', {}), { message: 'unknown method: shell.exec', code: 'unknown-method' });
  await assert.rejects(bridge.call({ toString: () => 'status.get' }, {}), { code: 'unknown-method' });
  assert.equal(double.ipcRenderer.invoked.length, 0);
  assert.deepEqual(await bridge.call('status.get', {}), { ok: 'status.get' });
  await assert.rejects(bridge.call('flows.get', { id: 'x' }), { message: 'no such flow', code: 'not-found' });
  assert.deepEqual(seen, [
    { channel: CALL_CHANNEL, request: { id: 1, method: 'status.get', params: {} } },
    { channel: CALL_CHANNEL, request: { id: 2, method: 'flows.get', params: { id: 'x' } } },
  ]);
});

test('onEvents delivers batches until stopped', () => {
  const got: unknown[] = [];
  const stop = bridge.onEvents((b) => got.push(b));
  double.ipcRenderer.emit(EVENTS_CHANNEL, {}, { events: [{ name: 'flows/add', data: [] }] });
  stop();
  double.ipcRenderer.emit(EVENTS_CHANNEL, {}, { events: [] });
  assert.deepEqual(got, [{ events: [{ name: 'flows/add', data: [] }] }]);
  assert.equal(double.ipcRenderer.listenerCount(EVENTS_CHANNEL), 0);
});
