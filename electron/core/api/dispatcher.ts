/**
 * The transport-agnostic server side of the API. Electron IPC (electron/main), the WebSocket server
 * (../server/ui-server.ts) and the in-memory transport all hand it raw requests and get ApiResponses back;
 * it refuses any method outside the allow-list before a handler runs, and never throws to the transport.
 * Events reach every subscriber through one shared EventBatcher, so a store flush becomes one message
 * (serialized once per transport) however many windows or browser tabs are connected.
 */
import { ApiError, isApiMethod, type ApiErrorInfo, type ApiEvent, type ApiEvents, type ApiEventBatch, type ApiHandlers, type ApiResponse } from '../../common/api';
import type { Disposable } from '../../common/events';
import { DEFAULT_FLUSH_MS, EventBatcher, type EventSource } from './event-batcher';

export interface ApiServerSide extends Disposable {
  /** Answers one request; malformed or refused requests get an error response, never an exception. */
  handle(request: unknown): Promise<ApiResponse>;
  /** Delivers event batches until disposed. A subscriber that throws is dropped. */
  subscribe(sendBatch: (batch: ApiEventBatch) => void): Disposable;
  /** Sends an event from the shell (e.g. lan/refused) to every subscriber, batched with the core's. */
  publish<E extends ApiEvent>(event: E, data: ApiEvents[E]): void;
}

export interface ApiServerOptions {
  /** Longest wait before pending events are sent (default 0: the next turn; the store already merged them). */
  flushMs?: number;
  /** Failures that are not the caller's fault (a handler's bug, a disk error), for the log. */
  onInternalError?: (err: unknown, method: string) => void;
}

export function createApiServerSide(handlers: ApiHandlers, core: EventSource, options: ApiServerOptions = {}): ApiServerSide {
  const subscribers = new Set<(batch: ApiEventBatch) => void>();
  let batcher: EventBatcher | undefined;
  let disposed = false;

  const broadcast = (batch: ApiEventBatch) => {
    for (const send of [...subscribers]) {
      try {
        send(batch);
      } catch (err) {
        subscribers.delete(send);
        options.onInternalError?.(err, 'events');
      }
    }
    if (subscribers.size === 0) stopBatching();
  };
  const stopBatching = () => {
    const b = batcher;
    batcher = undefined;
    b?.dispose();
  };

  return {
    async handle(request) {
      if (!request || typeof request !== 'object' || Array.isArray(request)) {
        return { id: 0, error: { message: 'request must be an object { id, method, params }', code: 'bad-request' } };
      }
      const { id: rawId, method, params } = request as { id?: unknown; method?: unknown; params?: unknown };
      // Client ids start at 1, so 0 answers a request whose id could not be read without matching any call.
      const id = typeof rawId === 'number' && Number.isSafeInteger(rawId) ? rawId : 0;
      if (id === 0) return { id, error: { message: 'request id must be a positive integer', code: 'bad-request' } };
      if (!isApiMethod(method)) {
        return { id, error: { message: `unknown method: ${typeof method === 'string' ? method.slice(0, 100) : typeof method}`, code: 'unknown-method' } };
      }
      if (disposed) return { id, error: { message: `${method}: the server is shutting down`, code: 'closed' } };
      const handler = handlers[method] as ((p: unknown) => Promise<unknown>) | undefined;
      if (!handler) {
        // A shell method (SHELL_METHODS) that this server, e.g. the headless one, does not answer.
        return { id, error: { message: `${method} is not available here (it needs the desktop app)`, code: 'unavailable' } };
      }
      try {
        const result = await handler(params);
        return { id, result: result === undefined ? null : result };
      } catch (err) {
        if (!(err instanceof ApiError)) options.onInternalError?.(err, method);
        return { id, error: errorInfo(err) };
      }
    },
    subscribe(sendBatch) {
      if (disposed) return { dispose() {} };
      subscribers.add(sendBatch);
      batcher ??= new EventBatcher(core, broadcast, options.flushMs ?? DEFAULT_FLUSH_MS);
      return {
        dispose() {
          if (!subscribers.delete(sendBatch)) return;
          if (subscribers.size === 0) stopBatching();
        },
      };
    },
    publish(event, data) {
      batcher?.publish(event, data);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      stopBatching();
      subscribers.clear();
    },
  };
}

export function errorInfo(err: unknown): ApiErrorInfo {
  if (err instanceof ApiError) return err.toInfo();
  return { message: err instanceof Error ? err.message : String(err), code: 'internal' };
}
