/**
 * The API over one WebSocket (JSON text frames), the server end: used by ../server/ui-server.ts for each
 * accepted /api/ws connection. The Node client end is ../instance/ws-client.ts; the browser's end is
 * webSocketChannel() in electron/common/api-client.ts.
 */
import WebSocket from 'ws';
import type { ApiEventBatch, ApiResponse } from '../../common/api';
import type { Disposable } from '../../common/events';
import type { ApiServerSide } from './dispatcher';

/** A client that reads this far behind (64 MB of unsent events) is cut off; it re-queries on reconnect. */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Close code for that case (RFC 6455 "try again later"). */
export const CLOSE_TOO_SLOW = 1013;

/** Serves the API on an accepted socket until it closes. */
export function serveWebSocket(socket: WebSocket, api: ApiServerSide): Disposable {
  const send = (msg: ApiResponse | ApiEventBatch) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(CLOSE_TOO_SLOW, 'client too slow');
      return;
    }
    socket.send(JSON.stringify(msg));
  };
  const subscription = api.subscribe(send);
  socket.on('message', (data, isBinary) => {
    let request: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      request = JSON.parse(rawToString(data));
    } catch {
      send({ id: 0, error: { message: 'request must be a JSON text frame', code: 'bad-request' } });
      return;
    }
    void api.handle(request).then(send);
  });
  const stop = () => subscription.dispose();
  socket.once('close', stop);
  // A socket error is followed by 'close'; listening keeps it from becoming an uncaught exception.
  socket.on('error', () => {});
  return { dispose: () => (stop(), socket.close(1001, 'server closing')) };
}

function rawToString(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}
