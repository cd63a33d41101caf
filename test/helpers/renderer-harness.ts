/**
 * The renderer's test bed: a real core (test/helpers/core.ts) and the real UI server
 * (electron/core/server/ui-server.ts) serving the built renderer from dist/renderer, plus the local test
 * origin so requests can go through the real proxy. `seedFlows` fills the real store with plausible
 * generated flows (for the benchmark's 60,000 and for screenshots); the e2e tests send real requests.
 *
 * Run directly for development — `node --import tsx test/helpers/renderer-harness.ts [SEED_COUNT]` —
 * it prints the UI URL and keeps serving until Ctrl-C.
 */
import { FLOW_SCHEMA, type BodyRef, type Flow, type FlowErrorPhase } from '../../electron/common/flow';
import { newFlowId } from '../../electron/core/capture/ids';
import type { Core, CoreOptions } from '../../electron/core/core-types';
import { startUiServer, type UiServer } from '../../electron/core/server/ui-server';
import { startTestCore, type TestCore } from './core';
import { startOrigin, type Origin } from './origin';
import { launchChromium, openPage, type PageGlobals } from './browser';
import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';

export const RENDERER_DIR = path.resolve(__dirname, '..', '..', 'dist', 'renderer');

export interface RendererHarness {
  origin: Origin;
  test: TestCore;
  core: Core;
  ui: UiServer;
  /** The UI URL with the token in the fragment. */
  url: string;
  dispose(): Promise<void>;
}

export function rendererBuilt(): boolean {
  return fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
}

export async function startRendererHarness(options: { flushMs?: number; core?: Partial<CoreOptions> } = {}): Promise<RendererHarness> {
  if (!rendererBuilt()) throw new Error(`the renderer is not built (${RENDERER_DIR}); run: npx vite build --config renderer/vite.config.ts`);
  const origin = await startOrigin();
  let test: TestCore | undefined;
  try {
    test = await startTestCore({ origin, ...options.core });
    const ui = await startUiServer(test.core, { port: 0, rendererDir: RENDERER_DIR, flushMs: options.flushMs });
    const started = test;
    return {
      origin,
      test: started,
      core: started.core,
      ui,
      url: ui.url,
      async dispose() {
        await ui.close();
        await started.dispose();
        await origin.close();
      },
    };
  } catch (err) {
    await test?.dispose();
    await origin.close();
    throw err;
  }
}

// ---- generated flows -------------------------------------------------------------------------

const HOSTS = ['api.shop.test', 'cdn.shop.test', 'auth.shop.test', 'img.shop.test', 'telemetry.vendor.test', 'search.shop.test'];
const CLIENTS = ['192.168.1.23', '192.168.1.41', '10.0.0.7', '127.0.0.1', '192.168.1.58'];
const ROUTES: { method: string; path: string; type: string; status: number[] }[] = [
  { method: 'GET', path: '/v2/products?page={n}&size=24', type: 'application/json', status: [200, 200, 200, 304] },
  { method: 'GET', path: '/v2/products/{n}', type: 'application/json', status: [200, 200, 404] },
  { method: 'POST', path: '/v2/cart/items', type: 'application/json', status: [201, 201, 400, 409] },
  { method: 'GET', path: '/v2/cart', type: 'application/json', status: [200] },
  { method: 'POST', path: '/oauth/token', type: 'application/json', status: [200, 200, 401] },
  { method: 'GET', path: '/static/app.{n}.js', type: 'application/javascript', status: [200, 304] },
  { method: 'GET', path: '/static/styles.{n}.css', type: 'text/css', status: [200] },
  { method: 'GET', path: '/images/product-{n}.png', type: 'image/png', status: [200, 200, 404] },
  { method: 'POST', path: '/v1/events', type: 'application/json', status: [202, 202, 503] },
  { method: 'GET', path: '/search?q=shoes&offset={n}', type: 'application/json', status: [200, 500] },
  { method: 'DELETE', path: '/v2/cart/items/{n}', type: 'application/json', status: [204] },
  { method: 'GET', path: '/', type: 'text/html', status: [200] },
];
const ERRORS: { phase: FlowErrorPhase; message: string }[] = [
  { phase: 'connect', message: 'connect ECONNREFUSED 10.0.4.12:443' },
  { phase: 'dns', message: 'getaddrinfo ENOTFOUND telemetry.vendor.test' },
  { phase: 'tls', message: 'unable to verify the first certificate' },
  { phase: 'upstream', message: 'socket hang up' },
];

/** A deterministic pseudo-random sequence, so seeded stores look the same run to run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export interface SeedOptions {
  /** Epoch ms of the newest flow; older ones step back ~150 ms each. */
  now?: number;
  /** Write bodies for the newest N flows (bodies cost disk time; 60,000 need not all have one). */
  bodies?: number;
  seed?: number;
}

/** Stores `count` generated flows in the real store (as the proxy would) and waits until they are written. */
export async function seedFlows(core: Core, count: number, options: SeedOptions = {}): Promise<void> {
  const next = flowGenerator(core, options.seed ?? 42);
  const now = options.now ?? Date.now();
  const withBodies = options.bodies ?? 0;
  await core.store.ready;
  for (let i = 0; i < count; i++) {
    core.store.flowStarted(next(now - (count - i) * 150, i >= count - withBodies));
  }
  await core.store.flush();
}

/**
 * Plausible flows of a shop app's traffic, deterministic for a seed: several clients and hosts, mostly
 * 2xx with some 4xx/5xx, ~2.5% failed, a few changed by a mock or map-remote rule. `withBody` writes real
 * body files (JSON, some gzip, HTML, CSS, JS, PNG) through the store's body writer.
 */
export function flowGenerator(core: Core, seed: number): (startedAt: number, withBody: boolean) => Flow {
  const rand = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const { store } = core;
  let i = 0;
  return (startedAt, bodyWanted) => {
    i++;
    const route = pick(ROUTES);
    const host = route.type.startsWith('image/') ? 'img.shop.test' : route.path.startsWith('/static') ? 'cdn.shop.test' : route.path.startsWith('/oauth') ? 'auth.shop.test' : route.path.startsWith('/v1/events') ? 'telemetry.vendor.test' : route.path.startsWith('/search') ? 'search.shop.test' : HOSTS[0];
    const url = `https://${host}${route.path.replace('{n}', String(1 + Math.floor(rand() * 400)))}`;
    const id = newFlowId();
    const failed = rand() < 0.025;
    const rule = rand();
    const paused = !failed && rule > 0.99;
    const flow: Flow = {
      id,
      seq: store.nextSeq(),
      schema: FLOW_SCHEMA,
      startedAt: startedAt - Math.floor(rand() * 100),
      state: failed ? 'failed' : 'completed',
      client: { ip: pick(CLIENTS), port: 50000 + Math.floor(rand() * 15000) },
      server: { host, port: 443, ip: `10.0.4.${10 + HOSTS.indexOf(host)}`, tls: { version: 'TLSv1.3', alpn: 'http/1.1', sni: host } },
      request: {
        method: route.method,
        url,
        httpVersion: '1.1',
        headers: [
          ['Host', host],
          ['User-Agent', 'ShopApp/5.12.0 (iPhone; iOS 18.1)'],
          ['Accept', route.type === 'text/html' ? 'text/html' : '*/*'],
          ['Accept-Encoding', 'gzip, br'],
          ...(route.method === 'POST' ? ([['Content-Type', 'application/json']] as [string, string][]) : []),
          ['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.sig'],
        ],
        body: route.method === 'POST' && bodyWanted ? writeBody(core, id, 'request', 'application/json', undefined, Buffer.from(JSON.stringify({ sku: 'SKU-1042', quantity: 1 }))) : empty(),
      },
      timings: failed ? {} : timings(rand),
      appliedRules:
        rule < 0.04
          ? [{ id: 'rule-mock-cart', kind: 'mock', name: 'Cart: out of stock' }]
          : rule < 0.07
            ? [{ id: 'rule-staging', kind: 'map-remote', name: 'API → staging' }]
            : paused
              ? [{ id: 'rule-break-checkout', kind: 'breakpoint', name: 'Hold checkout requests' }]
              : [],
    };
    if (failed) {
      flow.error = pick(ERRORS);
      return flow;
    }
    if (paused) {
      // Held at a request breakpoint: no response yet.
      flow.state = 'intercepted';
      flow.timings = {};
      return flow;
    }
    const status = flow.appliedRules[0]?.kind === 'mock' ? 409 : pick(route.status);
    const bodyBytes = bodyWanted && status !== 204 && status !== 304 ? sampleBody(route.type, i) : undefined;
    const gzip = bodyBytes !== undefined && route.type === 'application/json' && bodyBytes.length > 200;
    flow.response = {
      status,
      statusText: STATUS_TEXT[status] ?? '',
      headers: [
        ['Content-Type', route.type.startsWith('text/') ? `${route.type}; charset=utf-8` : route.type],
        ['Cache-Control', route.path.startsWith('/static') ? 'public, max-age=31536000' : 'no-store'],
        ...(gzip ? ([['Content-Encoding', 'gzip']] as [string, string][]) : []),
        ['Date', new Date(startedAt).toUTCString()],
        ['X-Request-Id', id.toLowerCase()],
      ],
      body: bodyBytes
        ? writeBody(core, id, 'response', route.type, gzip ? 'gzip' : undefined, gzip ? zlib.gzipSync(bodyBytes) : bodyBytes)
        : { ...empty(), size: status === 204 || status === 304 ? 0 : 180 + Math.floor(rand() * 40_000), contentType: route.type },
    };
    return flow;
  };
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 503: 'Service Unavailable' };

const empty = (): BodyRef => ({ size: 0, storedSize: 0, truncated: false });

function writeBody(core: Core, id: string, side: 'request' | 'response', contentType: string, encoding: string | undefined, bytes: Buffer): BodyRef {
  const writer = core.store.bodies.open(id, side, { contentType, encoding });
  writer.write(bytes);
  return writer.end();
}

function timings(rand: () => number): Flow['timings'] {
  const reused = rand() < 0.6;
  const t: Flow['timings'] = reused ? { reusedConnection: true } : { dnsMs: 2 + rand() * 20, connectMs: 8 + rand() * 40, tlsMs: 15 + rand() * 60 };
  t.sendMs = 0.2 + rand() * 2;
  t.waitMs = 20 + rand() * (rand() < 0.1 ? 1800 : 220);
  t.receiveMs = 1 + rand() * 60;
  t.totalMs = (t.dnsMs ?? 0) + (t.connectMs ?? 0) + (t.tlsMs ?? 0) + t.sendMs + t.waitMs + t.receiveMs;
  return t;
}

/** A small real PNG (a 2-colour 24×24 pattern) so image bodies render. */
export function samplePng(): Buffer {
  const width = 24;
  const height = 24;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const on = (x >> 3) % 2 === (y >> 3) % 2;
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = on ? 46 : 240;
      raw[o + 1] = on ? 107 : 180;
      raw[o + 2] = on ? 214 : 60;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function sampleBody(type: string, i: number): Buffer {
  if (type === 'image/png') return samplePng();
  if (type === 'text/html') return Buffer.from(`<!doctype html><html><head><title>Shop</title><link rel="stylesheet" href="/static/styles.css"></head><body><main id="app" data-build="${i}"><h1>Welcome back</h1><p>Free shipping on orders over $50.</p></main><script src="/static/app.js"></script></body></html>`);
  if (type === 'text/css') return Buffer.from(`:root{--brand:#2e6bd6}\nbody{margin:0;font-family:system-ui}\n.card{border-radius:8px;padding:12px}\n`);
  if (type === 'application/javascript') return Buffer.from(`"use strict";(function(){const api="/v2";fetch(api+"/cart").then(r=>r.json()).then(c=>console.log(c.items.length));})();\n`);
  return Buffer.from(
    JSON.stringify({
      page: 1 + (i % 12),
      total: 1824,
      items: Array.from({ length: 3 }, (_, k) => ({
        id: 1000 + i + k,
        sku: `SKU-${1040 + k}`,
        name: ['Trail Runner 2', 'Canvas Tote', 'Merino Beanie'][k],
        price: { amount: [129, 24.5, 32][k], currency: 'EUR' },
        inStock: k !== 1,
        tags: ['new', 'outdoor'].slice(0, k + 1),
      })),
      links: { next: `/v2/products?page=${2 + (i % 12)}&size=24`, prev: null },
    }),
  );
}

/**
 * Screenshots of the UI for docs/screenshots (1400×900, light and dark), from a seeded store:
 * `node --import tsx test/helpers/renderer-harness.ts --screenshots docs/screenshots`.
 */
async function takeScreenshots(dir: string): Promise<void> {
  const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  const harness = await startRendererHarness({ core: { version } });
  const browser = await launchChromium();
  try {
    await seedFlows(harness.core, 1500, { bodies: 400, seed: 11 });
    // A JSON GET near the top with a full waterfall (a new connection) makes the best first picture.
    const recent = harness.core.store.query({ limit: 25 }).flows;
    const full = await Promise.all(recent.map((f) => harness.core.store.get(f.id)));
    const json = full.find((f) => f?.request.method === 'GET' && f.timings.dnsMs !== undefined && f.response?.body.blob && f.response.body.contentType === 'application/json')!;
    const failed = full.find((f) => f?.state === 'failed')!;
    for (const scheme of ['light', 'dark'] as const) {
      const { page, context } = await openPage(browser, harness.url, { colorScheme: scheme });
      // Both themes for the overview pictures, one for the rest (the files are ~300 KB each).
      const shot = async (name: string, only?: 'light' | 'dark') => {
        if (only && only !== scheme) return;
        await page.waitForTimeout(300); // let the last frame settle; screenshots only, never in tests
        await page.screenshot({ path: path.join(dir, `${name}-${scheme}.png`) });
      };
      await page.waitForSelector(`[data-flow-id="${json.id}"]`);
      await page.click(`[data-flow-id="${json.id}"]`);
      await page.waitForSelector('[data-testid=waterfall]');
      await shot('flows');
      await page.click('role=tab[name=/Response/]');
      await page.waitForSelector('[data-testid=json-tree]');
      await shot('response-json', 'dark');
      await page.click(`[data-flow-id="${failed.id}"]`);
      await page.click('role=tab[name=/Overview/]');
      await page.waitForSelector('[data-testid=flow-error]');
      await shot('failed-flow', 'light');
      await page.fill('[data-testid=filter-ip]', '192.168.1.23');
      await page.fill('[data-testid=filter-input]', 'method:POST hots:api');
      await page.waitForSelector('[data-testid=filter-error]');
      await page.focus('[data-testid=filter-input]');
      await shot('filter-error', 'light');
      await page.fill('[data-testid=filter-input]', 'method:POST host:api.shop.test');
      await page.click('[data-testid=status-bar]');
      await page.waitForFunction(() => !(globalThis as unknown as PageGlobals).document.querySelector('[data-testid=filter-error]'));
      // Every row a POST: the filtered list is on screen, not the rows from before it.
      await page.waitForFunction(() => {
        const rows = [...(globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]')];
        return rows.length > 0 && rows.every((r) => r.textContent?.includes('POST'));
      });
      await page.click('[data-flow-id] >> nth=2');
      await page.click('role=tab[name=/Request/]');
      await shot('filtered', 'dark');
      await page.click('[data-testid=open-ca]');
      await page.waitForSelector('[data-testid=ca-qr] svg');
      await shot('https-setup');
      await context.close();
    }
  } finally {
    await browser.close();
    await harness.dispose();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  void (async () => {
    if (args[0] === '--screenshots') {
      await takeScreenshots(path.resolve(args[1] ?? 'docs/screenshots'));
      return;
    }
    const count = Number(args[0] ?? 0);
    const harness = await startRendererHarness();
    if (count > 0) await seedFlows(harness.core, count, { bodies: Math.min(count, 400) });
    console.log(`UI:    ${harness.url}\nproxy: ${harness.test.proxyUrl}\norigin http port: ${harness.origin.httpPort}`);
    process.once('SIGINT', () => void harness.dispose().then(() => process.exit(0)));
  })();
}
