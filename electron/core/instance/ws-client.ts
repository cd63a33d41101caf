/**
 * The Node client end of the API over one WebSocket (the server end is ../api/transport.ws.ts): the CLI and
 * an export reach a running `hindsight serve` with it. It reuses the browser's channel,
 * webSocketChannel() in electron/common/api-client.ts, with the `ws` package's socket.
 */
import WebSocket from 'ws';
import { createApiClient, webSocketChannel, type DisposableApiClient } from '../../common/api-client';

/**
 * Connects to a running server's /api/ws and resolves once the socket is open (or rejects after
 * timeoutMs). The token goes in the Authorization header, never in the URL.
 */
export function connectWebSocket(url: string, token: string, timeoutMs = 5000): Promise<DisposableApiClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs, headers: { Authorization: `Bearer ${token}` } });
    const client = createApiClient(webSocketChannel(socket));
    const fail = (err: Error) => {
      socket.off('open', opened);
      client.dispose();
      reject(err);
    };
    const opened = () => {
      socket.off('error', fail);
      socket.on('error', () => {});
      resolve(client);
    };
    socket.once('open', opened);
    socket.once('error', fail);
  });
}
