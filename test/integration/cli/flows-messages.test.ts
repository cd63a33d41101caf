// `hindsight flows --filter 'msg:hello'` over real WebSockets captured through the proxy: asked of the running
// instance's API (handlers.ts → the store's message scan) and, once it has stopped, of the files; the same answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import WebSocket, { WebSocketServer } from 'ws';
import { Emitter } from '../../../electron/common/events';
import type { FlowSummary } from '../../../electron/common/flow';
import { run } from '../../../electron/cli/flows';
import { createApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { serveWebSocket } from '../../../electron/core/api/transport.ws';
import { dataPaths } from '../../../electron/core/paths';
import { startOrigin } from '../../helpers/origin';
import { startTestCore } from '../../helpers/core';
import { TunnelAgent } from '../capture/tunnel-agent';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

/** One WebSocket through the proxy (CONNECT): sends each text, waits for its echo, closes. */
async function converse(proxyUrl: string, caPem: string, url: string, texts: string[]): Promise<string[]> {
  const agent = new TunnelAgent(proxyUrl, { secure: false, ca: caPem });
  const ws = new WebSocket(url, { agent });
  await once(ws, 'open');
  const echoes: string[] = [];
  for (const text of texts) {
    ws.send(text);
    const [data] = (await once(ws, 'message')) as [Buffer];
    echoes.push(data.toString());
  }
  ws.close(1000, 'done');
  await once(ws, 'close');
  agent.destroy();
  return echoes;
}

test("hindsight flows --filter 'msg:hello' finds the WebSocket whose messages say hello, from the API and from the files", async () => {
  const origin = await startOrigin();
  const proxy = await startTestCore({ origin });
  const dataDir = proxy.dataDir;
  try {
    const url = origin.url('/ws').replace(/^http/, 'ws');
    const echoes = [await converse(proxy.proxyUrl, proxy.caPem, url, ['hello there', 'bye']), await converse(proxy.proxyUrl, proxy.caPem, url, ['nothing to see'])];
    assert.deepEqual(echoes, [['echo:hello there', 'echo:bye'], ['echo:nothing to see']]);
    const [greeting, quiet] = await proxy.finishedFlows(2);
    // 101 handshakes whose messages (2 texts, 2 echoes, 2 close frames; 1 + 1 + 2) are in their logs.
    assert.deepEqual([greeting.messages?.count, quiet.messages?.count], [6, 4]);

    // The running instance, advertised by its lock file: the CLI asks its API.
    const api = createApiServerSide(createApiHandlers(proxy.core), { onDidChangeStatus: new Emitter<never>().event, store: proxy.core.store });
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (socket) => serveWebSocket(socket, api));
    await once(wss, 'listening');
    fs.writeFileSync(dataPaths(dataDir).lockFile, JSON.stringify({ pid: process.pid, uiHost: '127.0.0.1', uiPort: (wss.address() as net.AddressInfo).port, token: 't', proxyPort: 0, startedAt: 0 }));
    const fromApi = await Promise.all(['msg:hello', 'msg:/NOTHING/i', 'is:ws -msg:hello', 'msg:absent'].map((filter) => cli(['--data', dataDir, '--json', '--filter', filter])));
    api.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    fs.rmSync(dataPaths(dataDir).lockFile);
    await proxy.core.dispose();

    // Stopped: the CLI opens the files and reads the message logs itself.
    // One at a time: each run opens the store's files.
    const fromFiles = [];
    for (const filter of ['msg:hello', 'msg:/NOTHING/i', 'is:ws -msg:hello', 'msg:absent']) fromFiles.push(await cli(['--data', dataDir, '--json', '--filter', filter]));
    const ids = (out: { code: number; stdout: string; stderr: string }) => ({
      code: out.code,
      stderr: out.stderr,
      flows: out.stdout.split('\n').filter(Boolean).map((line) => {
        const s = JSON.parse(line) as FlowSummary;
        return { id: s.id, url: s.url, websocket: s.websocket, messageCount: s.messageCount };
      }),
    });
    const summary = (flow: typeof greeting) => ({ id: flow.id, url: flow.request.url, websocket: true, messageCount: flow.messages?.count });
    const expected = [[summary(greeting)], [summary(quiet)], [summary(quiet)], []].map((flows) => ({ code: 0, stderr: '', flows }));
    assert.deepEqual(fromApi.map(ids), expected);
    assert.deepEqual(fromFiles.map(ids), expected);
  } finally {
    await origin.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
