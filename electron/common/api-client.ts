/**
 * The client side of the API, the same for every transport: it numbers requests, matches answers to
 * them, turns error answers into rejected ApiErrors and fans event batches out to `on()` listeners.
 * A transport only has to move messages (see ApiChannel); the renderer, the CLI and the tests all
 * get their ApiClient from here. Pure: no Node, no DOM.
 */
import {
  ApiError,
  isApiEvent,
  isApiMethod,
  type ApiClient,
  type ApiEvent,
  type ApiEventBatch,
  type ApiEvents,
  type ApiMethod,
  type ApiParams,
  type ApiRequest,
  type ApiResponse,
  type ApiResult,
} from './api';
import { Emitter } from './events';

/** What a transport gives the client: a way to send, a way to hear back, and (optionally) its end. */
export interface ApiChannel {
  send(msg: ApiRequest): void;
  onMessage(listener: (msg: ApiResponse | ApiEventBatch) => void): () => void;
  /** Fires once when the channel is gone (socket closed, window reloaded); pending calls are rejected. */
  onClose?(listener: (reason?: string) => void): () => void;
  close?(): void;
}

export type DisposableApiClient = ApiClient & {
  /** True once the channel closed or dispose() ran: every call is refused from then on. */
  readonly closed: boolean;
  dispose(): void;
};

interface Pending {
  method: ApiMethod;
  resolve(value: unknown): void;
  reject(err: ApiError): void;
}

export function createApiClient(channel: ApiChannel): DisposableApiClient {
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, Pending>();
  const emitters = new Map<ApiEvent, Emitter<unknown>>();
  let stopMessages = () => {};
  let stopClose = () => {};

  const onMessage = (msg: ApiResponse | ApiEventBatch) => {
    if (!msg || typeof msg !== 'object') return;
    if ('events' in msg) {
      if (!Array.isArray(msg.events)) return;
      for (const event of msg.events) {
        // The server sends only allow-listed events; anything else is dropped, not guessed at.
        if (event && isApiEvent(event.name)) emitters.get(event.name)?.fire(event.data);
      }
      return;
    }
    if (typeof msg.id !== 'number') return;
    const call = pending.get(msg.id);
    if (!call) return;
    pending.delete(msg.id);
    if ('error' in msg) {
      const info = msg.error && typeof msg.error === 'object' ? msg.error : { message: String(msg.error) };
      const range = typeof info.start === 'number' && typeof info.end === 'number' ? { start: info.start, end: info.end } : undefined;
      const error = new ApiError(String(info.message ?? 'request failed'), info.code ?? 'internal', range);
      if (Array.isArray(info.fields)) error.fields = info.fields;
      call.reject(error);
    } else {
      call.resolve(msg.result);
    }
  };

  const shutDown = (reason: string) => {
    if (closed) return;
    closed = true;
    stopMessages();
    stopClose();
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) call.reject(new ApiError(`${call.method}: ${reason}`, 'closed'));
    for (const emitter of emitters.values()) emitter.dispose();
    emitters.clear();
  };

  stopMessages = channel.onMessage(onMessage);
  stopClose = channel.onClose?.((reason) => shutDown(reason ? `connection closed (${reason})` : 'connection closed')) ?? stopClose;

  return {
    get closed() {
      return closed;
    },
    call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
      // The allow-list is checked on both sides: a typo fails here, before anything is sent.
      if (!isApiMethod(method)) return Promise.reject(new ApiError(`unknown method: ${String(method)}`, 'unknown-method'));
      if (closed) return Promise.reject(new ApiError(`${method}: connection closed`, 'closed'));
      const id = nextId++;
      return new Promise<ApiResult<M>>((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
        try {
          channel.send({ id, method, params: params ?? {} });
        } catch (err) {
          pending.delete(id);
          reject(new ApiError(`${method}: ${err instanceof Error ? err.message : String(err)}`, 'closed'));
        }
      });
    },
    on<E extends ApiEvent>(event: E, listener: (data: ApiEvents[E]) => void): () => void {
      if (!isApiEvent(event)) throw new ApiError(`unknown event: ${String(event)}`, 'unknown-method');
      if (closed) return () => {};
      let emitter = emitters.get(event);
      if (!emitter) emitters.set(event, (emitter = new Emitter<unknown>()));
      const subscription = emitter.event(listener as (data: unknown) => void);
      return () => subscription.dispose();
    },
    dispose() {
      shutDown('client disposed');
      channel.close?.();
    },
  };
}

/**
 * What webSocketChannel needs from a socket: the browser's WebSocket and the `ws` package's both fit,
 * so the renderer (headless mode) and the CLI share one channel.
 */
export interface WebSocketEventLike {
  type: string;
  /** message events */
  data?: unknown;
  /** close events */
  code?: number;
  reason?: string;
}
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketEventLike) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketEventLike) => void): void;
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;

/**
 * An ApiChannel over a WebSocket speaking JSON text frames (the headless server's /api/ws). Calls made
 * while the socket is still connecting are queued and sent on open; a socket that closes (or never
 * opens) closes the channel, which rejects every pending call.
 */
export function webSocketChannel(socket: WebSocketLike): ApiChannel {
  const queue: string[] = [];
  const onOpen = () => {
    for (const text of queue.splice(0)) socket.send(text);
  };
  socket.addEventListener('open', onOpen);
  return {
    send(msg) {
      const text = JSON.stringify(msg);
      if (socket.readyState === WS_OPEN) socket.send(text);
      else if (socket.readyState === WS_CONNECTING) queue.push(text);
      else throw new Error('connection closed');
    },
    onMessage(listener) {
      const onMessage = (event: WebSocketEventLike) => {
        if (typeof event.data !== 'string') return;
        let msg: unknown;
        try {
          msg = JSON.parse(event.data);
        } catch {
          return;
        }
        listener(msg as ApiResponse | ApiEventBatch);
      };
      socket.addEventListener('message', onMessage);
      return () => socket.removeEventListener('message', onMessage);
    },
    onClose(listener) {
      const onClose = (event: WebSocketEventLike) => {
        queue.length = 0;
        listener([event.code, event.reason].filter((x) => x !== undefined && x !== '').join(' ') || undefined);
      };
      socket.addEventListener('close', onClose);
      return () => socket.removeEventListener('close', onClose);
    },
    close() {
      socket.removeEventListener('open', onOpen);
      queue.length = 0;
      if (socket.readyState === WS_CONNECTING || socket.readyState === WS_OPEN) socket.close(1000, 'client closed');
    },
  };
}
