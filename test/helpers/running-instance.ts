/**
 * A test core made "the running hindsight" of its data dir, as `hindsight serve` is: its API on a real
 * WebSocket on loopback, named by the lock file, so CLI commands pointed at the data dir talk to it.
 */
import fs from 'node:fs';
import type net from 'node:net';
import { WebSocketServer } from 'ws';
import { createApiServerSide } from '../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../electron/core/api/handlers';
import { serveWebSocket } from '../../electron/core/api/transport.ws';
import { dataPaths } from '../../electron/core/paths';
import type { TestCore } from './core';

/** Serves the core's API and writes the lock; close() stops serving (the lock stays with the data dir). */
export async function serveAsRunning(t: TestCore): Promise<{ close(): Promise<void> }> {
  const api = createApiServerSide(createApiHandlers(t.core), t.core);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (socket) => serveWebSocket(socket, api));
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as net.AddressInfo).port;
  fs.writeFileSync(dataPaths(t.dataDir).lockFile, JSON.stringify({ pid: process.pid, uiHost: '127.0.0.1', uiPort: port, token: 'test-token', proxyPort: t.port, startedAt: 0 }), { mode: 0o600 });
  return {
    async close() {
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      api.dispose();
    },
  };
}
