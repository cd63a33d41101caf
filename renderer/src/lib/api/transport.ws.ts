/**
 * The headless shell's channel: one WebSocket to `hindsight serve`'s UI server
 * (`/api/ws`, the token offered as a subprotocol: see electron/common/api.ts), reconnecting with backoff
 * when it drops.
 *
 * The channel outlives any one socket, so the ApiClient built on it (createApiClient) stays usable
 * across reconnects. Calls made while no socket is open wait in a queue and go out on (re)connect;
 * calls already sent when a socket drops are answered here with a `closed` error, since their answers
 * can never arrive. Events missed while disconnected are not replayed by the server: the app reloads
 * its view when the state returns to 'open' (onDidChangeState).
 */
import { webSocketChannel, type ApiChannel, type WebSocketLike } from '../../../../electron/common/api-client';
import type { ApiEventBatch, ApiRequest, ApiResponse } from '../../../../electron/common/api';
import { Emitter } from '../../../../electron/common/events';
import type { ConnectionState } from './connection';

type Message = ApiResponse | ApiEventBatch;

export interface WebSocketChannelOptions {
  /** ws:// or wss:// URL of /api/ws (no token: that travels in the subprotocols). */
  url: string;
  /** Opens a socket: the browser's `new WebSocket(url, protocols)` (tests pass the `ws` package's). */
  open: (url: string) => WebSocketLike;
  /** First retry delay; doubles per failed attempt up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface WebSocketChannel extends ApiChannel {
  readonly state: ConnectionState;
  /** Fires on every state change; 'open' after 'disconnected' means events may have been missed. */
  readonly onDidChangeState: (listener: (state: ConnectionState) => void) => { dispose(): void };
  /** Milliseconds until the next attempt while disconnected (for the banner), else 0. */
  retryInMs(): number;
  /** Skips the wait and tries to connect now. */
  retryNow(): void;
}

/** The WebSocket URL for the page the UI server served. */
export function webSocketUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/ws`;
}

/**
 * The subprotocols a browser offers: the API's name and the token beside it. Browsers cannot set headers on a
 * WebSocket, and a token in the URL would reach logs; the server answers `hindsight`, never echoing the token.
 */
export function webSocketProtocols(token: string): string[] {
  return ['hindsight', `hindsight.token.${token}`];
}

export function createWebSocketChannel(options: WebSocketChannelOptions): WebSocketChannel {
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 5000;
  const messages = new Emitter<Message>();
  const stateChanges = new Emitter<ConnectionState>();
  const queue: ApiRequest[] = [];
  /** Ids sent on the current socket and not yet answered. */
  const inFlight = new Set<number>();
  /** The current socket's channel (JSON framing from electron/common), while it is open. */
  let current: ApiChannel | undefined;
  let state: ConnectionState = 'connecting';
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryAt = 0;
  let disposed = false;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    stateChanges.fire(next);
  };

  const failInFlight = (message: string) => {
    for (const id of inFlight) messages.fire({ id, error: { message, code: 'closed' } });
    inFlight.clear();
  };

  const sendNow = (channel: ApiChannel, msg: ApiRequest) => {
    inFlight.add(msg.id);
    channel.send(msg);
  };

  const connect = () => {
    retryTimer = undefined;
    if (disposed) return;
    setState('connecting');
    const socket = options.open(options.url);
    const channel = webSocketChannel(socket);
    const stopMessages = channel.onMessage((msg) => {
      if (msg && typeof msg === 'object' && 'id' in msg && typeof msg.id === 'number') inFlight.delete(msg.id);
      messages.fire(msg);
    });
    socket.addEventListener('open', () => {
      if (disposed) return;
      current = channel;
      failures = 0;
      setState('open');
      for (const msg of queue.splice(0)) sendNow(channel, msg);
    });
    channel.onClose?.(() => {
      stopMessages();
      if (current === channel) current = undefined;
      // Answer what was lost with the socket, so no caller waits forever.
      failInFlight('connection lost');
      if (disposed) return;
      setState('disconnected');
      const delay = Math.min(maxDelay, minDelay * 2 ** failures);
      failures++;
      retryAt = Date.now() + delay;
      retryTimer = setTimeout(connect, delay);
    });
    closeSocket = () => channel.close?.();
  };
  let closeSocket = () => {};

  connect();

  return {
    get state() {
      return state;
    },
    onDidChangeState: (listener) => stateChanges.event(listener),
    retryInMs: () => (state === 'disconnected' ? Math.max(0, retryAt - Date.now()) : 0),
    retryNow() {
      if (state !== 'disconnected' || disposed) return;
      clearTimeout(retryTimer);
      connect();
    },
    send(msg) {
      if (disposed) throw new Error('channel closed');
      if (current) sendNow(current, msg);
      else queue.push(msg);
    },
    onMessage(listener) {
      const subscription = messages.event(listener);
      return () => subscription.dispose();
    },
    close() {
      if (disposed) return;
      disposed = true;
      clearTimeout(retryTimer);
      current = undefined;
      closeSocket();
      for (const msg of queue.splice(0)) inFlight.add(msg.id);
      failInFlight('connection closed');
      setState('disconnected');
      messages.dispose();
      stateChanges.dispose();
    },
  };
}
