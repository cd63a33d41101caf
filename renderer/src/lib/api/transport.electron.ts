/**
 * The desktop shell's channel: the preload exposes `window.hindsight = { call, onEvents }`
 * (electron/common/api.ts); this adapts it to the ApiChannel message shape createApiClient expects.
 * IPC cannot drop the way a socket can, so this channel has no connection states of its own.
 */
import type { ApiChannel } from '../../../../electron/common/api-client';
import type { ApiErrorInfo, ApiEventBatch, ApiResponse } from '../../../../electron/common/api';
import { Emitter } from '../../../../electron/common/events';

/** The object the preload puts on window (contextBridge): plain functions, plain data. */
export interface HindsightBridge {
  call(method: string, params: unknown): Promise<unknown>;
  /** Returns a function that stops the listener. */
  onEvents(listener: (batch: ApiEventBatch) => void): () => void;
}

declare global {
  interface Window {
    hindsight?: HindsightBridge;
  }
}

/**
 * Errors crossing ipcRenderer.invoke lose their class and gain a prefix
 * ("Error invoking remote method 'api': Error: …"); the fields the API adds (code, start, end, fields) survive
 * only when the preload copies them onto the rejection, which it may.
 */
export function errorInfoFrom(err: unknown): ApiErrorInfo {
  const e = (err && typeof err === 'object' ? err : {}) as Partial<ApiErrorInfo> & { message?: unknown };
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const info: ApiErrorInfo = { message: raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '') };
  if (typeof e.code === 'string') info.code = e.code;
  if (typeof e.start === 'number' && typeof e.end === 'number') {
    info.start = e.start;
    info.end = e.end;
  }
  // A refused rule names each bad field; the rule editor shows them where they belong.
  if (Array.isArray(e.fields)) info.fields = e.fields.filter((f) => f && typeof f.field === 'string' && typeof f.message === 'string').map((f) => ({ field: f.field, message: f.message }));
  return info;
}

export function createElectronChannel(bridge: HindsightBridge): ApiChannel {
  const messages = new Emitter<ApiResponse | ApiEventBatch>();
  let closed = false;
  const stopEvents = bridge.onEvents((batch) => {
    if (!closed) messages.fire(batch);
  });
  return {
    send(msg) {
      if (closed) throw new Error('channel closed');
      bridge.call(msg.method, msg.params).then(
        (result) => closed || messages.fire({ id: msg.id, result }),
        (err: unknown) => closed || messages.fire({ id: msg.id, error: errorInfoFrom(err) }),
      );
    },
    onMessage(listener) {
      const subscription = messages.event(listener);
      return () => subscription.dispose();
    },
    close() {
      if (closed) return;
      closed = true;
      stopEvents();
      messages.dispose();
    },
  };
}
