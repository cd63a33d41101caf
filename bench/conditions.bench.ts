/**
 * Accuracy of the bandwidth condition (issue 22): the download rate achieved through a real core (createCore,
 * capture on) against the rate set, from 64 kbit/s to 50 Mbit/s, over one connection and over six parallel
 * connections of the same device (which share one budget). Each transfer is sized to take about 4 s at the
 * set rate. Bounded: one transfer (or one group of six) per rate.
 * Run: `npm run bench conditions`. Figures go to docs/bench/conditions.md with date and machine.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore } from '../electron/core/core';
import { startOrigin, testLookup } from '../test/helpers/origin';

const RATES_KBPS = [64, 256, 1000, 5000, 20_000, 50_000];
const SECONDS = 4;
const DEVICE = '127.0.0.2';

function download(proxyPort: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, path: url, localAddress: DEVICE, headers: { host: new URL(url).host }, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const origin = await startOrigin();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-bench-'));
  const core = await createCore({ dataDir, host: '127.0.0.1', port: 0, lookup: testLookup, version: 'bench' });
  const { port } = core.proxyAddress();
  const rows: string[] = [];
  try {
    const profile = await core.rules.store.saveProfile({ name: 'bench', clients: [DEVICE] });
    for (const kbps of RATES_KBPS) {
      await core.rules.store.saveProfile({ id: profile.id, name: 'bench', clients: [DEVICE], conditions: { downloadKbps: kbps } });
      const bytes = Math.round((kbps * 1000 * SECONDS) / 8);
      for (const connections of [1, 6]) {
        const each = Math.round(bytes / connections);
        const started = performance.now();
        const got = await Promise.all(Array.from({ length: connections }, () => download(port, origin.url(`/bytes?n=${each}`))));
        const seconds = (performance.now() - started) / 1000;
        const total = got.reduce((a, b) => a + b, 0);
        const achieved = (total * 8) / 1000 / seconds;
        rows.push(`| ${kbps.toLocaleString('en-US')} | ${connections} | ${total.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${achieved.toFixed(1)} | ${(((achieved - kbps) / kbps) * 100).toFixed(1)} % |`);
        console.log(rows[rows.length - 1]);
      }
    }
  } finally {
    await core.dispose();
    await origin.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(['', '| set kbit/s | connections | bytes | seconds | achieved kbit/s | error |', '|--:|--:|--:|--:|--:|--:|', ...rows].join('\n'));
}

void main();
