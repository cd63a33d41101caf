/**
 * A client and the server side in one process, for tests and for anything in the core that wants the
 * API without a socket. Messages go through JSON and are delivered on a later tick, as over a real
 * transport: only plain data crosses, and nothing relies on an answer arriving synchronously.
 */
import type { ApiEventBatch, ApiResponse } from '../../common/api';
import { createApiClient, type ApiChannel, type DisposableApiClient } from '../../common/api-client';
import type { ApiServerSide } from './dispatcher';

export function connectInMemory(server: ApiServerSide): DisposableApiClient {
  const listeners = new Set<(msg: ApiResponse | ApiEventBatch) => void>();
  const closeListeners = new Set<(reason?: string) => void>();
  let open = true;
  const deliver = (msg: ApiResponse | ApiEventBatch) => {
    const wire = JSON.stringify(msg);
    setImmediate(() => {
      if (!open) return;
      const copy = JSON.parse(wire) as ApiResponse | ApiEventBatch;
      for (const l of [...listeners]) l(copy);
    });
  };
  const subscription = server.subscribe(deliver);
  const channel: ApiChannel = {
    send(request) {
      if (!open) throw new Error('in-memory transport closed');
      const copy: unknown = JSON.parse(JSON.stringify(request));
      setImmediate(() => {
        if (open) void server.handle(copy).then(deliver);
      });
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      if (!open) return;
      open = false;
      subscription.dispose();
      for (const l of [...closeListeners]) l('closed');
      listeners.clear();
      closeListeners.clear();
    },
  };
  return createApiClient(channel);
}
