/** A WebSocket handshake as a status: 101 when it opened (`101 <protocol>` when one was answered), else the refusal's status. */
import WebSocket from 'ws';

export function handshake(url: string, options: { headers?: Record<string, string>; protocols?: string[]; localAddress?: string } = {}): Promise<number | string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, localAddress: options.localAddress });
    ws.once('open', () => {
      ws.close();
      resolve(ws.protocol ? `101 ${ws.protocol}` : 101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', (err) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(err);
    });
  });
}
