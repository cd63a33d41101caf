// Streams through the proxy: an SSE response is read into events as it streams (times as they arrived, the body
// still stored), and nothing the proxy does ends a response still streaming while both sides are connected: an
// SSE origin quiet for 90 s still delivers, a long-poll held 120 s completes. The two slow tests run side by
// side; the whole file takes about two minutes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { startTestCore, type TestCore } from '../../helpers/core';
import { toFlowMessage } from '../../../electron/core/store/flow-message';

let proxy: TestCore;
let origin: http.Server;
let port = 0;
/** Writers the origin's routes wait on, so a test decides when the origin speaks. */
const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {};

before(async () => {
  origin = http.createServer((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (!route) return res.writeHead(404).end();
    route(req, res);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  port = (origin.address() as net.AddressInfo).port;
  proxy = await startTestCore();
});
after(async () => {
  await proxy.dispose();
  origin.closeAllConnections();
  await new Promise((resolve) => origin.close(resolve));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET through the proxy (absolute-form); resolves with the status, the body and when each chunk arrived. */
function get(path: string): Promise<{ status: number; body: string; chunks: { at: number; text: string }[] }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.port, path: `http://stream.test:${port}${path}`, headers: { host: `stream.test:${port}` } }, (res) => {
      const chunks: { at: number; text: string }[] = [];
      res.on('data', (c: Buffer) => chunks.push({ at: Date.now(), text: c.toString() }));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: chunks.map((c) => c.text).join(''), chunks }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function messagesOf(url: string) {
  const summary = proxy.core.store.query({}).flows.find((f) => f.url === url)!;
  const page = await proxy.core.store.messages.read(summary.id, { limit: 1000 });
  return { summary, messages: page.messages.map(toFlowMessage) };
}

describe('SSE', () => {
  test('one event a second for 5 s: each reaches the client as sent and is recorded with its time; the body is stored whole', async () => {
    const sent: number[] = [];
    routes['/events'] = async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.write(': hello\n\nretry: 2500\n\n');
      for (let i = 1; i <= 5; i++) {
        await sleep(1000);
        sent.push(Date.now());
        res.write(`id: ${i}\nevent: tick\ndata: {"n":${i}}\ndata: line two\n\n`);
      }
      res.end();
    };
    const url = `http://stream.test:${port}/events`;
    const result = await get('/events');
    const [flow] = (await proxy.finishedFlows(1)).filter((f) => f.request.url === url);
    const { messages } = await messagesOf(url);
    assert.deepEqual(
      messages.map(({ at: _at, ...m }) => m),
      [1, 2, 3, 4, 5].map((i) => ({ seq: i, dir: 'to-client', kind: 'event', size: Buffer.byteLength(`{"n":${i}}\nline two`), truncated: false, eventType: 'tick', eventId: String(i), text: `{"n":${i}}\nline two` })),
    );
    // Each event was recorded when it passed, not at the end: within a second of being sent (a loaded machine).
    for (let i = 0; i < 5; i++) assert.ok(messages[i].at >= sent[i] && messages[i].at - sent[i] < 1000, `event ${i + 1} recorded ${messages[i].at - sent[i]} ms after it was sent`);
    assert.deepEqual(
      { status: result.status, bodyStored: flow.response?.body.size, messages: flow.messages, state: flow.state },
      { status: 200, bodyStored: Buffer.byteLength(result.body), messages: { count: 5, bytes: messages.reduce((n, m) => n + m.size, 0), truncated: false }, state: 'completed' },
    );
  });

  test('a gzip-compressed event stream is read decompressed and passed on compressed', async () => {
    routes['/gzip-events'] = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Content-Encoding': 'gzip' });
      const gzip = zlib.createGzip();
      gzip.pipe(res);
      gzip.write('data: first\n\n');
      gzip.flush(() => {
        gzip.write('event: done\ndata: second\n\n');
        gzip.end();
      });
    };
    const url = `http://stream.test:${port}/gzip-events`;
    await get('/gzip-events');
    await proxy.finishedFlows(2);
    const { messages, summary } = await messagesOf(url);
    assert.deepEqual(
      { messages: messages.map((m) => [m.eventType, m.text]), count: summary.messageCount, sse: proxy.core.store.query({ filter: 'is:sse' }).flows.map((f) => f.path) },
      {
        sse: ['/gzip-events', '/events'],
        messages: [
          [undefined, 'first'],
          ['done', 'second'],
        ],
        count: 2,
      },
    );
  });
});

describe('long-lived responses are never cut for being quiet', { concurrency: true }, () => {
  test('an SSE origin quiet for 90 s still delivers its next event; the flow stays live meanwhile', async () => {
    routes['/quiet'] = async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: before\n\n');
      await sleep(90_000);
      res.end('data: after 90 s\n\n');
    };
    const url = `http://stream.test:${port}/quiet`;
    const pending = get('/quiet');
    await sleep(60_000);
    const live = await messagesOf(url);
    assert.deepEqual({ state: live.summary.state, texts: live.messages.map((m) => m.text) }, { state: 'live', texts: ['before'] });
    const result = await pending;
    const done = await messagesOf(url);
    assert.deepEqual(
      { status: result.status, body: result.body, state: done.summary.state, texts: done.messages.map((m) => m.text) },
      { status: 200, body: 'data: before\n\ndata: after 90 s\n\n', state: 'completed', texts: ['before', 'after 90 s'] },
    );
  });

  test('a long-poll held 120 s before the server answers completes', async () => {
    routes['/poll'] = async (_req, res) => {
      await sleep(120_000);
      res.end('news');
    };
    const started = Date.now();
    const result = await get('/poll');
    assert.deepEqual({ status: result.status, body: result.body, waited: Date.now() - started >= 119_000 }, { status: 200, body: 'news', waited: true });
  });
});
