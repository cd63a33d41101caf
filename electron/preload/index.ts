/**
 * The preload (sandboxed, context-isolated): exposes exactly `window.hindsight = { call, onEvents }`
 * (electron/common/api.ts) and never ipcRenderer itself. Method names are checked against the API's
 * allow-list before anything is sent; main checks the sender and the method again.
 * Bundled into one CommonJS file at build time: a sandboxed preload cannot require other files.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { isApiMethod, type ApiEventBatch, type ApiResponse } from '../common/api';
import { CALL_CHANNEL, EVENTS_CHANNEL } from '../common/ipc-channels';

let nextId = 1;

async function call(method: unknown, params: unknown): Promise<unknown> {
  if (!isApiMethod(method)) {
    // A plain object survives contextBridge whole (an Error would keep only its message).
    throw { message: `unknown method: ${typeof method === 'string' ? method.slice(0, 100) : typeof method}`, code: 'unknown-method' };
  }
  const response = (await ipcRenderer.invoke(CALL_CHANNEL, { id: nextId++, method, params })) as ApiResponse;
  if ('error' in response) throw { ...response.error };
  return response.result;
}

function onEvents(listener: (batch: ApiEventBatch) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('onEvents needs a function');
  const forward = (_event: unknown, batch: ApiEventBatch) => listener(batch);
  ipcRenderer.on(EVENTS_CHANNEL, forward);
  return () => {
    ipcRenderer.removeListener(EVENTS_CHANNEL, forward);
  };
}

contextBridge.exposeInMainWorld('hindsight', { call, onEvents });
