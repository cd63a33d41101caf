/**
 * The API over the headless server's WebSocket (issue 4): what a burst of 1,000 captured flows costs on
 * the wire (messages, bytes, time until the client has them all), and the round trip of flows.query with
 * 60,000 stored flows. A real core (createCore) and a real UI server on 127.0.0.1; a `ws` client.
 * Run: `npm run bench api`. Figures go to docs/bench/api.md with date and machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createApiClient, webSocketChannel } from '../electron/common/api-client';
import { FLOW_SCHEMA, type Flow } from '../electron/common/flow';
import { createCore } from '../electron/core/core';
import type { Core } from '../electron/core/core-types';
import { startUiServer } from '../electron/core/server/ui-server';

const BURST = 1000;
const BURSTS = 5;
const STORED = 60_000;
const QUERY_RUNS = 40;

function flowFor(core: Core, i: number): Flow {
  const seq = core.store.nextSeq();
  const id = `a${seq.toString(36)}x${i.toString(36)}`;
  return {
    id,
    seq,
    schema: FLOW_SCHEMA,
    startedAt: 1_763_700_000_000 + i * 10,
    state: 'completed',
    client: { ip: `127.0.0.${2 + (i % 40)}`, port: 40000 + (i % 20000) },
    server: { host: 'api.example.test', port: 443, ip: '10.0.0.5' },
    request: {
      method: i % 5 ? 'GET' : 'POST',
      url: `https://api.example.test/api/v${1 + (i % 2)}/${i % 3 ? 'items' : 'users'}/${i}?page=${i % 7}`,
      httpVersion: '1.1',
      headers: [['Host', 'api.example.test']],
      body: { size: 0, storedSize: 0, truncated: false },
    },
    response: {
      status: i % 50 ? 200 : 503,
      statusText: 'OK',
      headers: [['Content-Type', 'application/json']],
      body: { size: 1834, storedSize: 1834, truncated: false, contentType: 'application/json; charset=utf-8' },
    },
    timings: { totalMs: 58 },
    appliedRules: [],
  };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
  const core = await createCore({ dataDir, port: 0, version: 'bench' });
  const ui = await startUiServer(core, { port: 0, rendererDir: path.join(dataDir, 'no-renderer') });
  const socket = new WebSocket(`ws://127.0.0.1:${ui.port}/api/ws`, { headers: { Authorization: `Bearer ${ui.token}` } });
  let messages = 0;
  let bytes = 0;
  socket.on('message', (data: Buffer) => {
    messages++;
    bytes += data.length;
  });
  const client = createApiClient(webSocketChannel(socket));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let next = 0;
  try {
    // 1. Bursts: each flow started, then completed, as the proxy reports them.
    const bursts: { messages: number; bytes: number; ms: number }[] = [];
    for (let b = 0; b < BURSTS; b++) {
      const flows = Array.from({ length: BURST }, () => flowFor(core, next++));
      const waiting = new Set(flows.map((f) => f.id));
      const offs: (() => void)[] = [];
      const done = new Promise<void>((resolve) => {
        const seen = (list: { id: string; state: string }[]) => {
          for (const s of list) if (s.state === 'completed') waiting.delete(s.id);
          if (waiting.size === 0) resolve();
        };
        offs.push(client.on('flows/add', seen), client.on('flows/update', seen));
      });
      void done.then(() => offs.forEach((off) => off()));
      const [m0, b0, t0] = [messages, bytes, performance.now()];
      for (const f of flows) core.store.flowStarted({ ...f, state: 'live', response: undefined });
      for (const f of flows) core.store.flowUpdated(f);
      await done;
      bursts.push({ messages: messages - m0, bytes: bytes - b0, ms: performance.now() - t0 });
      // Let trailing events (status) drain before the next burst.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    console.log(`Burst of ${BURST} flows (started + completed), ${BURSTS} runs, over WebSocket:`);
    for (const [i, r] of bursts.entries()) console.log(`  run ${i + 1}: ${r.messages} messages, ${(r.bytes / 1024).toFixed(0)} KiB, all received after ${ms(r.ms)}`);

    // 1b. The same 1,000 flows spread out: 20 every 10 ms (about 2,000 flows/s for half a second).
    {
      const flows = Array.from({ length: BURST }, () => flowFor(core, next++));
      const waiting = new Set(flows.map((f) => f.id));
      const offs: (() => void)[] = [];
      const done = new Promise<void>((resolve) => {
        const seen = (list: { id: string; state: string }[]) => {
          for (const s of list) if (s.state === 'completed') waiting.delete(s.id);
          if (waiting.size === 0) resolve();
        };
        offs.push(client.on('flows/add', seen), client.on('flows/update', seen));
      });
      const [m0, b0, t0] = [messages, bytes, performance.now()];
      for (let i = 0; i < flows.length; i += 20) {
        for (const f of flows.slice(i, i + 20)) {
          core.store.flowStarted({ ...f, state: 'live', response: undefined });
          core.store.flowUpdated(f);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const sent = performance.now() - t0;
      await done;
      offs.forEach((off) => off());
      console.log(
        `Sustained: ${BURST} flows, 20 every 10 ms (sent over ${ms(sent)}): ${messages - m0} messages, ${((bytes - b0) / 1024).toFixed(0)} KiB, all received after ${ms(performance.now() - t0)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    // 2. flows.query round trips with 60,000 stored flows.
    const fill = STORED - core.store.count();
    const stored = new Promise<void>((resolve) => {
      const sub = core.store.onDidAdd(() => {
        if (core.store.count() >= STORED) {
          sub.dispose();
          resolve();
        }
      });
    });
    for (let i = 0; i < fill; i += 500) {
      for (let j = i; j < Math.min(fill, i + 500); j++) core.store.flowStarted(flowFor(core, next++));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await stored;
    await new Promise((resolve) => setTimeout(resolve, 500));
    console.log(`\nflows.query round trip over WebSocket, ${core.store.count()} flows stored, ${QUERY_RUNS} runs each:`);
    const queries: [string, Parameters<typeof client.call<'flows.query'>>[1]][] = [
      ['first page (200)', { limit: 200 }],
      ['page of 5000', { limit: 5000 }],
      ['ip:127.0.0.2 (1 in 40)', { filter: 'ip:127.0.0.2', limit: 200 }],
      ['ip + url: ip:127.0.0.2 users', { filter: 'ip:127.0.0.2 users', limit: 200 }],
      ['status:5xx', { filter: 'status:5xx', limit: 200 }],
    ];
    for (const [name, q] of queries) {
      const times: number[] = [];
      let size = 0;
      let matched = 0;
      for (let r = 0; r < QUERY_RUNS; r++) {
        const b0 = bytes;
        const t0 = performance.now();
        const page = await client.call('flows.query', q);
        times.push(performance.now() - t0);
        size = bytes - b0;
        matched = page.matched;
      }
      console.log(`  ${name.padEnd(30)} median ${ms(percentile(times, 50))}, p95 ${ms(percentile(times, 95))}; ${matched} matched, answer ${(size / 1024).toFixed(0)} KiB`);
    }
  } finally {
    client.dispose();
    await ui.close();
    await core.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
