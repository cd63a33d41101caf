/**
 * Records a real HAR with Playwright's recordHar in Chromium against a local origin (HTML, a gzip'd JSON
 * API call, a PNG, and a request to a closed port), then imports it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { parseHar } from '../../../../electron/core/import/har';

const CHROMIUM = '/usr/bin/chromium';
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('HAR import of a Playwright recording', { skip: !fs.existsSync(CHROMIUM) && `${CHROMIUM} is not installed` }, () => {
  let origin: http.Server;
  let port: number;
  let closedPort: number;
  let browser: Browser;
  let dir: string;
  const apiBody = JSON.stringify({ ok: true, items: ['é', 'ü'] });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
    // A port that was just free: nothing listens there, so the browser's request is refused.
    const probe = http.createServer();
    closedPort = await listen(probe);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    origin = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-first': '1', 'x-second': '2' });
          res.end(`<!doctype html><title>t</title><img src="/pixel.png"><script>
            fetch('/api/data?x=1', { method: 'POST', headers: { 'content-type': 'application/json', 'x-custom': 'yes' }, body: JSON.stringify({ q: 'é' }) })
              .then((r) => r.json())
              .then(() => fetch('http://127.0.0.1:${closedPort}/gone').catch(() => {}))
              .finally(() => { document.title = 'done'; });
          </script>`);
        } else if (req.url === '/pixel.png') {
          res.writeHead(200, { 'content-type': 'image/png' });
          res.end(png);
        } else if (req.url === '/api/data?x=1') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'set-cookie': 'sid=1; Path=/; HttpOnly', 'x-echo': Buffer.concat(chunks).toString('base64') });
          res.end(zlib.gzipSync(apiBody));
        } else {
          res.writeHead(404);
          res.end();
        }
      });
    });
    port = await listen(origin);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  after(async () => {
    await browser?.close();
    origin.closeAllConnections();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports every request: headers in order, decoded bodies, the image bytes, the refused request', async () => {
    const harPath = path.join(dir, 'recorded.har');
    const context = await browser.newContext({ recordHar: { path: harPath } });
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction("document.title === 'done'", undefined, { timeout: 30_000 });
    await context.close(); // writes the HAR

    const result = await parseHar(fs.createReadStream(harPath));
    const byPath = new Map(result.flows.map((f) => [new URL(f.request.url).pathname, f]));
    assert.equal(result.flows.length, 4);
    // Entry order follows the browser's request order, which may put the image after the fetch.
    const summary = ['/', '/pixel.png', '/api/data', '/gone'].map((p) => {
      const f = byPath.get(p)!;
      const bodies = result.bodies.get(f.id)!;
      return {
        path: p,
        method: f.request.method,
        state: f.state,
        status: f.response?.status,
        imported: f.imported,
        seq: f.seq,
        request: bodies.request?.toString('utf8') ?? null,
        response: p === '/pixel.png' ? bodies.response : (bodies.response?.toString('utf8').slice(0, 15) ?? null),
        responseHeaders: f.response?.headers.filter(([n]) => n.startsWith('x-') || n === 'content-type').map(([n, v]) => `${n}: ${v}`),
        errorPhase: f.error?.phase,
      };
    });
    assert.deepStrictEqual(
      { creator: result.creator?.name, summary },
      {
        creator: 'Playwright',
        summary: [
          { path: '/', method: 'GET', state: 'completed', status: 200, imported: true, seq: 0, request: null, response: '<!doctype html>', responseHeaders: ['content-type: text/html; charset=utf-8', 'x-first: 1', 'x-second: 2'], errorPhase: undefined },
          { path: '/pixel.png', method: 'GET', state: 'completed', status: 200, imported: true, seq: 0, request: null, response: png, responseHeaders: ['content-type: image/png'], errorPhase: undefined },
          {
            path: '/api/data',
            method: 'POST',
            state: 'completed',
            status: 200,
            imported: true,
            seq: 0,
            request: '{"q":"é"}',
            response: apiBody.slice(0, 15),
            responseHeaders: ['content-type: application/json', `x-echo: ${Buffer.from('{"q":"é"}').toString('base64')}`],
            errorPhase: undefined,
          },
          { path: '/gone', method: 'GET', state: 'failed', status: undefined, imported: true, seq: 0, request: null, response: null, responseHeaders: undefined, errorPhase: 'connect' },
        ],
      },
    );
    const api = byPath.get('/api/data')!;
    // Request headers keep the browser's order, the page's own headers among them.
    const names = api.request.headers.map(([n]) => n.toLowerCase());
    assert.ok(names.indexOf('content-type') >= 0 && names.indexOf('x-custom') > names.indexOf('content-type'), names.join(','));
    assert.deepStrictEqual(result.bodies.get(api.id)!.response, Buffer.from(apiBody), 'gzip content arrives decoded');
    assert.deepStrictEqual(api.response!.body.encoding, undefined);
  });
});
