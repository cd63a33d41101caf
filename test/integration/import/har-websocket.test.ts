// WebSocket messages through HAR: a Chromium-exported HAR imports with its messages in the flow's log; a
// socket captured through the proxy exports as `_webSocketMessages` (as Chromium writes them) and imports back
// with the same messages.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { parseHar } from '../../../electron/core/import/har';
import { importIntoStore } from '../../../electron/core/import/into-store';
import { writeHar } from '../../../electron/core/export/har';
import { idRecords, storeSource } from '../../../electron/core/export/source';
import { toFlowMessage } from '../../../electron/core/store/flow-message';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startOrigin, type Origin } from '../../helpers/origin';
import { TunnelAgent } from '../capture/tunnel-agent';

const fixture = path.join(__dirname, '../../fixtures/har/chrome-websocket.har');
const cores: TestCore[] = [];
const origins: Origin[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.dispose();
  for (const o of origins.splice(0)) await o.close();
});

async function messagesOf(core: TestCore, id: string) {
  const page = await core.core.store.messages.read(id, { limit: 1000 });
  return page.messages.map(toFlowMessage);
}

test('a Chromium HAR of a socket imports with its messages (direction, time, text and binary)', async () => {
  const core = await startTestCore();
  cores.push(core);
  const imported = await parseHar(fs.createReadStream(fixture));
  await importIntoStore(core.core.store, imported);
  const [summary] = core.core.store.query({}).flows;
  const flow = (await core.core.store.get(summary.id))!;
  assert.deepEqual(
    { websocket: flow.websocket, status: flow.response?.status, messages: flow.messages, count: summary.messageCount, filter: core.core.store.query({ filter: 'is:ws' }).matched },
    { websocket: true, status: 101, messages: { count: 4, bytes: 33 + 27 + 5 + 7, truncated: false }, count: 4, filter: 1 },
  );
  assert.deepEqual(await messagesOf(core, flow.id), [
    { seq: 1, at: 1741082400512, dir: 'to-server', kind: 'text', size: 33, truncated: false, text: '{"op":"subscribe","room":"lobby"}' },
    { seq: 2, at: 1741082400530, dir: 'to-client', kind: 'text', size: 27, truncated: false, text: '{"op":"joined","members":3}' },
    { seq: 3, at: 1741082401250, dir: 'to-client', kind: 'binary', size: 5, truncated: false, base64: 'AAECA/8=' },
    { seq: 4, at: 1741082402000, dir: 'to-server', kind: 'text', size: 7, truncated: false, text: 'bye ✓' },
  ]);
});

test('a bad _webSocketMessages entry is refused with the entry and field named', async () => {
  const har = JSON.parse(fs.readFileSync(fixture, 'utf8'));
  har.log.entries[0]._webSocketMessages[2].opcode = 3;
  await assert.rejects(parseHar(JSON.stringify(har)), { message: 'not a usable HAR file: entry 0: _webSocketMessages[2].opcode must be 1, 2, 8, 9 or 10' });
});

test('a captured socket exports as _webSocketMessages and imports back with the same messages', async () => {
  const origin = await startOrigin();
  origins.push(origin);
  const core = await startTestCore({ origin });
  cores.push(core);
  const agent = new TunnelAgent(core.proxyUrl, { secure: true, ca: core.caPem });
  const ws = new WebSocket(origin.url('/ws', { secure: true }).replace(/^http/, 'ws'), { agent });
  await once(ws, 'open');
  ws.send('hi');
  await once(ws, 'message');
  ws.send(Buffer.from([1, 2, 3]));
  await once(ws, 'message');
  ws.close(4000, 'done');
  await once(ws, 'close');
  agent.destroy();
  const [flow] = await core.finishedFlows(1);

  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeHar(idRecords(storeSource(core.core.store), [flow.id], { request: true, response: true }), out, { version: 'test' });
  const har = JSON.parse(Buffer.concat(chunks).toString());
  const exported = await messagesOf(core, flow.id);
  assert.deepEqual(har.log.entries[0]._webSocketMessages, [
    { type: 'send', time: exported[0].at / 1000, opcode: 1, data: 'hi' },
    { type: 'receive', time: exported[1].at / 1000, opcode: 1, data: 'echo:hi' },
    { type: 'send', time: exported[2].at / 1000, opcode: 2, data: 'AQID' },
    { type: 'receive', time: exported[3].at / 1000, opcode: 2, data: 'AQID' },
    { type: 'send', time: exported[4].at / 1000, opcode: 8, data: 'done', _closeCode: 4000, _size: 6 },
    { type: 'receive', time: exported[5].at / 1000, opcode: 8, data: 'done', _closeCode: 4000, _size: 6 },
  ]);

  const again = await startTestCore();
  cores.push(again);
  await importIntoStore(again.core.store, await parseHar(JSON.stringify(har)));
  const [copy] = again.core.store.query({}).flows;
  assert.deepEqual(await messagesOf(again, copy.id), exported);
});
