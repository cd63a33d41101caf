/**
 * Picks the transport at startup: the Electron preload's bridge when present, else the headless
 * server's WebSocket with the token from the URL fragment (`#token=…`), offered as a WebSocket subprotocol:
 * it is never part of a URL a request is sent to, so it stays out of logs and captured flows. Returns why it cannot connect instead of throwing.
 */
import { createApiClient } from '../../../../electron/common/api-client';
import type { Backend } from './connection';
import { createElectronChannel } from './transport.electron';
import { createWebSocketChannel, webSocketProtocols, webSocketUrl } from './transport.ws';

export type ConnectResult = { backend: Backend } | { problem: 'no-token' };

export function tokenFromFragment(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const token = params.get('token');
  return token ? token : undefined;
}

export function connectBackend(win: Window): ConnectResult {
  if (win.hindsight) {
    const client = createApiClient(createElectronChannel(win.hindsight));
    return {
      backend: {
        shell: 'electron',
        client,
        connectionState: () => (client.closed ? 'disconnected' : 'open'),
        onDidChangeConnection: () => () => {},
        retryInMs: () => 0,
        retryNow: () => {},
        dispose: () => client.dispose(),
      },
    };
  }
  const token = tokenFromFragment(win.location.hash);
  if (!token) return { problem: 'no-token' };
  // The token is read from the fragment at each (re)connect: a rotation (Settings) puts the new one there.
  const channel = createWebSocketChannel({ url: webSocketUrl(win.location), open: (url) => new WebSocket(url, webSocketProtocols(tokenFromFragment(win.location.hash) ?? token)) });
  const client = createApiClient(channel);
  return {
    backend: {
      shell: 'browser',
      client,
      connectionState: () => channel.state,
      onDidChangeConnection: (listener) => {
        const subscription = channel.onDidChangeState(listener);
        return () => subscription.dispose();
      },
      retryInMs: () => channel.retryInMs(),
      retryNow: () => channel.retryNow(),
      // No bodyUrl or caUrl: those routes need the token in a header, which <img> and links cannot send;
      // images and the CA come over the WebSocket as blob: URLs, as in Electron.
      dispose: () => client.dispose(),
    },
  };
}
