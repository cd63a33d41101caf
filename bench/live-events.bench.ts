/**
 * How long a finished exchange takes to show up live (issue 15, item 4): from the moment an HTTP client has
 * a response's last byte to the moment the flow's completed summary reaches an API client over the headless
 * server's WebSocket, at 500 flows/s. A real core (createCore, the proxy on 127.0.0.1:0), a real origin, real
 * requests through the proxy (Node's http client, keep-alive) and a `ws` API client; bounded in count
 * (COUNT flows) and time (TIME_LIMIT_MS). Run: `npm run bench live-events`.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FlowSummary } from '../electron/common/flow';
import { createCore } from '../electron/core/core';
import { startUiServer } from '../electron/core/server/ui-server';
import { connectWebSocket } from '../electron/core/instance/ws-client';

const RATE_PER_S = 500;
const COUNT = 1500;
/** Requests started per tick: 5 every 10 ms is 500/s without asking the timer for 2 ms ticks. */
const PER_TICK = 5;
const TIME_LIMIT_MS = 60_000;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
  const origin = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"path":${JSON.stringify(req.url)}}`);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as AddressInfo).port;
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, version: 'bench' });
  await core.store.ready;
  const ui = await startUiServer(core, { port: 0, rendererDir: path.join(dataDir, 'no-renderer') });
  const client = await connectWebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, ui.token);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const proxyPort = core.proxyAddress().port;

  const lastByteAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  let messages = 0;
  const seen = (list: FlowSummary[]) => {
    const now = performance.now();
    messages++;
    for (const s of list) if (s.state === 'completed' && !arrivedAt.has(s.url)) arrivedAt.set(s.url, now);
  };
  const offs = [client.on('flows/add', seen), client.on('flows/update', seen)];
  let failed = 0;
  const get = (url: string) =>
    new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: proxyPort, path: url, agent, headers: { host: `127.0.0.1:${originPort}` } }, (res) => {
        res.resume();
        res.on('end', () => {
          lastByteAt.set(url, performance.now());
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });

  const started = performance.now();
  try {
    const requests: Promise<void>[] = [];
    for (let i = 0; i < COUNT && performance.now() - started < TIME_LIMIT_MS; i += PER_TICK) {
      for (let j = i; j < Math.min(COUNT, i + PER_TICK); j++) requests.push(get(`http://127.0.0.1:${originPort}/live/${j}`));
      // Keep to the schedule (tick i is due at i / rate), not to "10 ms after the last tick".
      const due = started + ((i + PER_TICK) * 1000) / RATE_PER_S;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    }
    await Promise.all(requests);
    const sentFor = performance.now() - started;
    // The last summaries are at most a flush or two behind; wait for them, bounded.
    const waitUntil = performance.now() + 10_000;
    while ([...lastByteAt.keys()].some((u) => !arrivedAt.has(u)) && performance.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 20));
    const delays = [...lastByteAt].filter(([u]) => arrivedAt.has(u)).map(([u, t]) => arrivedAt.get(u)! - t);
    console.log(`${lastByteAt.size} responses through the proxy at ${RATE_PER_S}/s (sent over ${ms(sentFor)}; ${failed} failed), ${messages} flows/add and flows/update events received:`);
    console.log(
      `  last byte at the client → completed summary at a WebSocket API client: median ${ms(percentile(delays, 50))}, p95 ${ms(percentile(delays, 95))}, max ${ms(Math.max(...delays))}; ${lastByteAt.size - delays.length} never arrived`,
    );
  } finally {
    offs.forEach((off) => off());
    client.dispose();
    agent.destroy();
    await ui.close();
    await core.dispose();
    await new Promise((resolve) => origin.close(resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
