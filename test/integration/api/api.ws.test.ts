import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createApiClient, webSocketChannel } from '../../../electron/common/api-client';
import { startUiServer } from '../../../electron/core/server/ui-server';
import { apiSuite } from './suite';

apiSuite('the WebSocket transport', async (core) => {
  const rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const server = await startUiServer(core, { port: 0, rendererDir });
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, ['hindsight', `hindsight.token.${server.token}`]);
  let batches = 0;
  socket.on('message', (data) => {
    if (String(data).startsWith('{"events":')) batches++;
  });
  const client = createApiClient(webSocketChannel(socket));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    client,
    batches: () => batches,
    async close() {
      client.dispose();
      await server.close();
      fs.rmSync(rendererDir, { recursive: true, force: true });
    },
  };
});
