/**
 * Picks the transport at startup: the Electron preload's bridge when present, else the headless
 * server's WebSocket with the token from the URL fragment (`#token=…`, never sent in requests, so it
 * stays out of server logs). Returns why it cannot connect instead of throwing.
 */
import { createApiClient } from '../../../../electron/common/api-client';
import type { BodySide } from '../../../../electron/common/flow';
import type { Backend } from './connection';
import { createElectronChannel } from './transport.electron';
import { createWebSocketChannel, webSocketUrl } from './transport.ws';

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
  const channel = createWebSocketChannel({ url: webSocketUrl(win.location, token), open: (url) => new WebSocket(url) });
  const client = createApiClient(channel);
  const route = (path: string, query: Record<string, string> = {}) => {
    const params = new URLSearchParams({ token, ...query });
    return new URL(`api/${path}?${params}`, routeBase(win.location)).href;
  };
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
      bodyUrl: (id: string, side: BodySide, decode: boolean) =>
        route(`flows/${encodeURIComponent(id)}/${side}/body`, decode ? { decode: '1' } : {}),
      caUrl: (format) => route(`ca.${format}`),
      dispose: () => client.dispose(),
    },
  };
}

/** The server root: the API lives at /api/ next to the page. */
function routeBase(location: Location): string {
  return `${location.protocol}//${location.host}/`;
}
