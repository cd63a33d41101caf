/**
 * The renderer in Chromium against the real thing: a core (proxy + store) and the UI server started
 * in-process on port 0, serving the built bundle (dist/renderer). Requests go through the real proxy
 * with curl, bound to 127.0.0.2 / 127.0.0.3 where the client address matters. Waits are on the DOM
 * (waitForFunction / waitForSelector), never on sleeps.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, openPage, type PageElement, type PageGlobals } from '../../helpers/browser';
import { RENDERER_DIR, samplePng, seedFlows, startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';
import { startUiServer } from '../../../electron/core/server/ui-server';
import { curl } from '../../integration/capture/clients';

const TIMEOUT = 60_000;
const WAIT = { timeout: 20_000 };

/** The columns a test can predict: client, method, host, path, status, type, size. */
type Row = [string, string, string, string, string, string, string];

async function visibleRows(page: Page): Promise<Row[]> {
  return page.$$eval('[data-flow-id]', (rows) =>
    rows.map((row) => {
      const cells = [...row.querySelectorAll('[role=gridcell]')].map((c) => (c.textContent ?? '').trim());
      return [cells[2], cells[3], cells[4], cells[5], cells[6], cells[7], cells[8]];
    }),
  ) as Promise<Row[]>;
}

const byPath = (a: Row, b: Row) => (a[3] + a[0] < b[3] + b[0] ? -1 : 1);

async function waitForRowCount(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === n, count, WAIT);
}

async function countText(page: Page): Promise<string> {
  return ((await page.textContent('[data-testid=flow-count]')) ?? '').replace(/\s+/g, ' ').trim();
}

describe('renderer against a real core and UI server', () => {
  let harness: RendererHarness;
  let browser: Browser;
  let imageServer: http.Server;
  let imagePort: number;
  let context: BrowserContext | undefined;
  let page: Page;
  let errors: string[];

  /** The Host column for the test origin: the host and its (non-default) port. */
  const originHost = () => `origin.test:${harness.origin.httpPort}`;
  /** curl through the proxy; `from` binds the client side (127.0.0.2 …). */
  const send = async (url: string, from?: string) => {
    const result = await curl(harness.test.proxyUrl, [...(from ? ['--interface', from] : []), url]);
    return result;
  };

  before(async () => {
    harness = await startRendererHarness();
    browser = await launchChromium();
    const png = samplePng();
    imageServer = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
      res.end(png);
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    imagePort = (imageServer.address() as AddressInfo).port;
  });

  after(async () => {
    await browser?.close();
    await harness?.dispose();
    if (imageServer) {
      imageServer.closeAllConnections();
      await new Promise((resolve) => imageServer.close(resolve));
    }
  });

  beforeEach(async () => {
    await harness.core.store.clear({ includePinned: true });
    ({ context, page, errors } = await openPage(browser, harness.url));
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
  });

  afterEach(async () => {
    await context?.close();
    context = undefined;
    assert.deepEqual(errors, []);
  });

  test('requests sent through the proxy appear live, newest first', { timeout: TIMEOUT }, async () => {
    await page.waitForSelector('text=No traffic yet', WAIT);
    assert.equal((await send(harness.origin.url('/json'))).status, 200);
    await waitForRowCount(page, 1);
    assert.equal((await send(harness.origin.url('/status/404'))).status, 404);
    await waitForRowCount(page, 2);
    await page.waitForFunction(() => !(globalThis as unknown as PageGlobals).document.querySelector('[data-flow-id] .pending'), undefined, WAIT);
    assert.deepEqual(await visibleRows(page), [
      ['127.0.0.1', 'GET', originHost(), '/status/404', '404', 'text', '11 B'],
      ['127.0.0.1', 'GET', originHost(), '/json', '200', 'json', '17 B'],
    ]);
    assert.equal(await countText(page), '2 / 2');
  });

  test('client IP and URL quick fields narrow the list (clients on 127.0.0.2 and 127.0.0.3)', { timeout: TIMEOUT }, async () => {
    await send(harness.origin.url('/json?from=two'), '127.0.0.2');
    await send(harness.origin.url('/status/404?from=two'), '127.0.0.2');
    await send(harness.origin.url('/json?from=three'), '127.0.0.3');
    await send(harness.origin.url('/echo?from=three'), '127.0.0.3');
    await waitForRowCount(page, 4);

    await page.fill('[data-testid=filter-ip]', '127.0.0.2');
    await page.waitForFunction(() => [...(globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id] [role=gridcell]:nth-child(3)')].every((c) => c.textContent === '127.0.0.2'), undefined, WAIT);
    await waitForRowCount(page, 2);
    assert.deepEqual((await visibleRows(page)).sort(byPath), [
      ['127.0.0.2', 'GET', originHost(), '/json?from=two', '200', 'json', '17 B'],
      ['127.0.0.2', 'GET', originHost(), '/status/404?from=two', '404', 'text', '11 B'],
    ]);
    assert.equal(await countText(page), '2 / 4');

    await page.fill('[data-testid=filter-url]', 'status/');
    await waitForRowCount(page, 1);
    assert.deepEqual(await visibleRows(page), [['127.0.0.2', 'GET', originHost(), '/status/404?from=two', '404', 'text', '11 B']]);

    await page.fill('[data-testid=filter-ip]', '127.0.0.3');
    await page.fill('[data-testid=filter-url]', '/json');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-flow-id] [role=gridcell]:nth-child(3)')?.textContent === '127.0.0.3', undefined, WAIT);
    await waitForRowCount(page, 1);
    assert.deepEqual(await visibleRows(page), [['127.0.0.3', 'GET', originHost(), '/json?from=three', '200', 'json', '17 B']]);
    assert.equal(await countText(page), '1 / 4');

    // A CIDR covering both clients, composed with a typed expression.
    await page.fill('[data-testid=filter-url]', '');
    await page.fill('[data-testid=filter-ip]', '127.0.0.2/31');
    await page.fill('[data-testid=filter-input]', 'status:2xx');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=flow-count]')?.textContent?.replace(/\s+/g, '') === '3/4', undefined, WAIT);
    // (The echo's size depends on curl's own headers, so sizes are left out here.)
    assert.deepEqual(
      (await visibleRows(page)).sort(byPath).map((r) => r.slice(0, 6)),
      [
        ['127.0.0.3', 'GET', originHost(), '/echo?from=three', '200', 'json'],
        ['127.0.0.3', 'GET', originHost(), '/json?from=three', '200', 'json'],
        ['127.0.0.2', 'GET', originHost(), '/json?from=two', '200', 'json'],
      ],
    );
  });

  test('the detail shows headers, a JSON body as a tree, a gzip body decoded, a large body on request, and an image', { timeout: TIMEOUT }, async () => {
    await send(harness.origin.url('/json'));
    await send(harness.origin.url('/gzip'));
    await send(`http://pixel.test:${imagePort}/pixel.png`);
    await waitForRowCount(page, 3);

    await page.click('[data-flow-id]:has-text("/json")');
    await page.click('role=tab[name=/Response/]');
    await page.waitForSelector('[data-testid=json-tree]', WAIT);
    const headers = await page.$$eval('[data-testid=detail] table tr', (trs) => trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', tr.querySelector('td')?.textContent ?? '']));
    assert.deepEqual(
      headers.filter(([name]) => /^x-/i.test(name)),
      [
        ['X-Dup', 'one'],
        ['x-dup', 'two'],
        ['X-Mixed-Case', 'yes'],
      ],
    );
    assert.equal(((await page.textContent('[data-testid=json-tree]')) ?? '').replace(/Expand all|Collapse all|\s+/g, ''), '{"hello":"world"}');
    await page.click('role=tab[name=/Request/]');
    assert.equal(await page.textContent('[data-testid=detail] .start-line'), 'GET /json HTTP/1.1');

    await page.click('[data-flow-id]:has-text("/gzip")');
    await page.click('role=tab[name=/Response/]');
    await page.waitForSelector('[data-testid=json-tree]', WAIT);
    assert.match((await page.textContent('[data-testid=response-body]')) ?? '', /decoded from gzip/);
    assert.match((await page.textContent('[data-testid=json-tree]')) ?? '', /"compressed":\s*true/);

    await send(harness.origin.url('/bytes?n=1500000'));
    await waitForRowCount(page, 4);
    await page.click('[data-flow-id]:has-text("/bytes")');
    await page.waitForSelector('[data-testid=load-body]:has-text("Load 1.4 MB")', WAIT);
    assert.equal(await page.$('[data-testid=hex-view]'), null);
    await page.click('[data-testid=load-body]');
    // The bytes are ASCII (the origin's repeating pattern), so they open as text; Hex shows the dump.
    await page.waitForSelector('[data-testid=response-body][data-kind=text]', WAIT);
    await page.click('[data-testid=response-body] >> role=tab[name="Hex"]');
    await page.waitForSelector('[data-testid=hex-view]', WAIT);
    assert.deepEqual(
      await page.$$eval('[data-testid=hex-view] .line:first-child span', (spans) => spans.map((span) => span.textContent)),
      ['00000000', '30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66', '0123456789abcdef'],
    );

    await page.click('[data-flow-id]:has-text("/pixel.png")');
    await page.waitForSelector('[data-testid=body-image]', WAIT);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=body-image]')?.complete, undefined, WAIT);
    const image = await page.$eval('[data-testid=body-image]', (img) => {
      const { naturalWidth, naturalHeight, src } = img as unknown as PageElement;
      return { width: naturalWidth, height: naturalHeight, src: src ?? '' };
    });
    // A blob: URL made from flows.body over the socket: the token never goes into an <img> URL (issue 14).
    assert.deepEqual({ width: image.width, height: image.height, blob: image.src.startsWith('blob:') }, { width: 24, height: 24, blob: true });
  });

  test('a failed flow explains its error', { timeout: TIMEOUT }, async () => {
    const closed = await harness.origin.closedPort();
    await send(`http://nope.test:${harness.origin.httpPort}/missing`);
    await send(`http://refused.test:${closed}/down`);
    await waitForRowCount(page, 2);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id] .status-failed').length === 2, undefined, WAIT);

    await page.click('[data-flow-id]:has-text("/missing")');
    await page.waitForSelector('[data-testid=flow-error]', WAIT);
    const dns = (await page.textContent('[data-testid=flow-error]')) ?? '';
    assert.match(dns, /The host name could not be resolved/);
    assert.match(dns, /DNS has no address for this host/);

    await page.click('[data-flow-id]:has-text("/down")');
    await page.waitForSelector('[data-testid=flow-error]:has-text("connect")', WAIT);
    assert.match((await page.textContent('[data-testid=flow-error]')) ?? '', /Nothing is listening on that address and port/);
  });

  test('a bad filter is underlined in place and leaves the list alone', { timeout: TIMEOUT }, async () => {
    await send(harness.origin.url('/json'));
    await waitForRowCount(page, 1);
    await page.fill('[data-testid=filter-input]', 'hots:api status:5xx');
    await page.waitForSelector('[data-testid=filter-error]', WAIT);
    assert.deepEqual(
      {
        message: await page.textContent('[data-testid=filter-error]'),
        underlined: await page.textContent('.filter-input .bad'),
        invalid: await page.getAttribute('[data-testid=filter-input]', 'aria-invalid'),
        rows: (await visibleRows(page)).length,
      },
      { message: 'unknown key "hots:"; did you mean "host:"? (quote the word to search URLs for it)', underlined: 'hots:', invalid: 'true', rows: 1 },
    );
    await page.fill('[data-testid=filter-input]', 'host:origin.test status:5xx');
    await waitForRowCount(page, 0);
    assert.equal(await page.$('[data-testid=filter-error]'), null);
    await page.waitForSelector('text=No flows match this filter', WAIT);
  });

  test('new flows do not move a list the user scrolled; "N new" brings them into view', { timeout: TIMEOUT }, async () => {
    await seedFlows(harness.core, 300);
    await page.reload();
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=flow-count]')?.textContent?.replace(/\s+/g, '') === '300/300', undefined, WAIT);
    // A selection near the top must not pull the view back when rows move under it.
    await page.click('[data-flow-id] >> nth=1');
    await page.$eval('.flow-list .viewport', (el) => {
      el.scrollTop = 24 * 60;
      el.dispatchEvent(new (globalThis as unknown as PageGlobals).Event('scroll'));
    });
    const firstVisible = () =>
      page.$eval('.flow-list .viewport', (el) => {
        const top = el.getBoundingClientRect().top;
        const row = [...el.querySelectorAll('[data-flow-id]')].find((r) => r.getBoundingClientRect().bottom > top + 1);
        return row?.getAttribute('data-flow-id');
      });
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('.flow-list .viewport')!.scrollTop === 24 * 60, undefined, WAIT);
    const before = await firstVisible();
    await send(harness.origin.url('/json?live=1'));
    await send(harness.origin.url('/json?live=2'));
    await page.waitForSelector('button.new-flows:has-text("2 new")', WAIT);
    assert.equal(await firstVisible(), before);
    await page.click('button.new-flows');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('.flow-list .viewport')!.scrollTop === 0, undefined, WAIT);
    assert.equal((await visibleRows(page))[0][3], '/json?live=2');
  });

  test('keyboard, pin, delete, clear with confirm, and the capture switch', { timeout: TIMEOUT }, async () => {
    await send(harness.origin.url('/json?n=1'));
    await send(harness.origin.url('/json?n=2'));
    await send(harness.origin.url('/json?n=3'));
    await waitForRowCount(page, 3);

    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid')), 'filter-input');
    await page.keyboard.type('n=2');
    await waitForRowCount(page, 1);
    await page.keyboard.press('Escape');
    await waitForRowCount(page, 3);
    assert.equal(await page.inputValue('[data-testid=filter-input]'), '');
    // With completions open one Esc still clears (issue 13: it took two); in the empty field Esc leaves it.
    await page.keyboard.type('sta');
    await page.waitForSelector('#filter-suggestions', WAIT);
    await page.keyboard.press('Escape');
    const afterOne = { value: await page.inputValue('[data-testid=filter-input]'), suggestions: await page.$('#filter-suggestions'), focus: await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid')) };
    await page.keyboard.press('Escape');
    const afterTwo = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-testid') ?? null);
    assert.deepEqual({ afterOne, afterTwo }, { afterOne: { value: '', suggestions: null, focus: 'filter-input' }, afterTwo: null });

    await page.click('[data-testid=status-bar]'); // focus leaves the filter: arrows move the selection
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('[data-flow-id][aria-selected=true]', 'data-flow-id').then((id) => harness.core.store.get(id!)).then((f) => f?.request.url), harness.origin.url('/json?n=2'));

    await page.click('[data-testid=pin]');
    await page.waitForSelector('[data-flow-id][aria-selected=true] .pin', WAIT);
    await page.keyboard.press('ArrowUp');
    await page.click('[data-testid=delete]');
    await waitForRowCount(page, 2);

    await page.click('[data-testid=clear]');
    await page.click('[data-testid=confirm-clear]');
    await waitForRowCount(page, 1);
    assert.deepEqual((await visibleRows(page)).map((r) => r[3]), ['/json?n=2']);
    assert.deepEqual(
      harness.core.store.query({}).flows.map((f) => [f.path, f.pinned]),
      [['/json?n=2', true]],
    );

    await page.click('[data-testid=capture-toggle]');
    await page.waitForSelector('[data-testid=capture-toggle]:has-text("Capture off")', WAIT);
    assert.equal(harness.core.status().capture, false);
    await page.click('[data-testid=capture-toggle]');
    await page.waitForSelector('[data-testid=capture-toggle]:has-text("Capturing")', WAIT);
  });

  test('the UI needs its token: without it the page explains, and the API refuses', { timeout: TIMEOUT }, async () => {
    const bare = harness.url.replace(/#.*$/, '');
    const other = await context!.newPage();
    await other.goto(bare);
    await other.waitForSelector('text=Open Hindsight from the link it printed', WAIT);
    const refused = await other.evaluate(async () => (await fetch('/api/ca.pem')).status);
    assert.equal(refused, 401);
    await other.close();
  });
});

describe('renderer with a small store: the rolling trim', () => {
  let harness: RendererHarness;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    harness = await startRendererHarness({ core: { store: { maxFlows: 20, trimCount: 10 } } });
    browser = await launchChromium();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await harness?.dispose();
  });

  test('flows trimmed by the store leave the list, the counts follow, and the status bar shows the trim', { timeout: TIMEOUT }, async () => {
    const opened = await openPage(browser, harness.url);
    context = opened.context;
    const { page, errors } = opened;
    await page.waitForSelector('text=No traffic yet', WAIT);
    for (let i = 1; i <= 25; i++) assert.equal((await curl(harness.test.proxyUrl, [harness.origin.url(`/json?n=${i}`)])).status, 200);
    // 21 flows trigger a trim of the oldest 10; 4 more arrive after it. The page may still be catching up
    // when the last request returns, and "15/15" is also the count on the way up (after the 15th flow) while
    // the status bar shows a trim as soon as its event arrives: wait for the end state itself, the newest flow
    // shown with the count after the trim.
    await page.waitForFunction(
      () => {
        const doc = (globalThis as unknown as PageGlobals).document;
        const newest = doc.querySelector('[data-flow-id]')?.textContent ?? '';
        return doc.querySelector('[data-testid=flow-count]')?.textContent?.replace(/\s+/g, '') === '15/15' && newest.includes('/json?n=25');
      },
      undefined,
      WAIT,
    );
    await page.waitForSelector('[data-testid=status-bar]:has-text("10 removed")', WAIT);
    assert.deepEqual(
      {
        rows: (await visibleRows(page)).map((r) => r[3]),
        stored: ((await page.textContent('[data-testid=stored-count]')) ?? '').replace(/\s+/g, ' ').trim(),
        errors,
      },
      {
        rows: Array.from({ length: 15 }, (_, i) => `/json?n=${25 - i}`),
        stored: '15 flows stored',
        errors: [],
      },
    );
  });

  test('the window says when the UI server is gone, and catches up when it is back', { timeout: TIMEOUT }, async () => {
    const opened = await openPage(browser, harness.url);
    const { page, errors } = opened;
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
    const { port, token } = harness.ui;
    await harness.ui.close();
    await page.waitForSelector('[data-testid=disconnected]:has-text("Disconnected from Hindsight")', WAIT);
    assert.equal(((await page.textContent('[data-testid=connection-state]')) ?? '').trim(), 'Disconnected');

    // Captured while the window could not hear about it.
    await curl(harness.test.proxyUrl, [harness.origin.url('/json?while=down')]);
    const back = await startUiServer(harness.core, { port, token, rendererDir: RENDERER_DIR });
    try {
      await page.click('[data-testid=disconnected] button:has-text("Retry now")').catch(() => {}); // may already be reconnecting
      await page.waitForSelector('[data-testid=disconnected]', { ...WAIT, state: 'detached' });
      await page.waitForSelector('[data-flow-id]:has-text("/json?while=down")', WAIT);
      const stored = harness.core.store.count();
      await page
        .waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=flow-count]')?.textContent?.replace(/\s+/g, '') === `${n}/${n}`, stored, WAIT)
        .catch(async (err: Error) => {
          throw new Error(`count is "${await countText(page)}", store holds ${stored}: ${err.message}`);
        });
      // The page logs its failed reconnection attempts; anything else logged is a bug.
      assert.deepEqual(errors.filter((e) => !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(e)), []);
    } finally {
      await opened.context.close();
      await back.close();
    }
  });
});
