/**
 * The messages pane against a real core: a Chromium page (proxied through Hindsight) opens a WebSocket and an
 * EventSource; the UI lists their messages live, with direction and kind, shows a JSON message as a tree, finds
 * a message by search, and sends a message into the live socket that the page receives. Screenshots of the pane
 * in light and dark go to HINDSIGHT_SCREENSHOTS when set (for a person to look at).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import type { BrowserContext, Page } from 'playwright-core';
import type { PageGlobals } from '../../helpers/browser';
import { themeScreenshots } from '../../helpers/theme-screenshots';
import { row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

const PAGE = `<!doctype html><meta charset="utf-8"><title>app</title><body><script>
  window.received = [];
  let echoes = 0;
  const ws = new WebSocket('ws://' + location.host + '/socket');
  ws.onmessage = (e) => {
    window.received.push(String(e.data));
    if (++echoes === 1) ws.send('plain text ping');
  };
  ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', user: { id: 7, name: 'Ada' }, tags: ['a', 'b'] }));
  const events = new EventSource('/events');
  events.addEventListener('tick', (e) => window.received.push('tick ' + e.data));
</script>`;

describe('messages pane', () => {
  const session = useToolsSession();
  let app: http.Server;
  let port = 0;
  let appContext: BrowserContext | undefined;

  before(async () => {
    app = http.createServer((req, res) => {
      if (req.url === '/events') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        let n = 0;
        const timer = setInterval(() => {
          n++;
          res.write(`id: ${n}\nevent: tick\ndata: {"n":${n}}\n\n`);
          if (n === 3) clearInterval(timer);
        }, 100);
        req.on('close', () => clearInterval(timer));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    });
    const wss = new WebSocketServer({ server: app, path: '/socket' });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo:${data.toString()}`)));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    port = (app.address() as net.AddressInfo).port;
  });
  after(async () => {
    await appContext?.close();
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  });

  async function openApp(): Promise<Page> {
    // The page's host name resolves through the proxy's lookup (*.test → 127.0.0.1), never /etc/hosts.
    appContext = await session.bed.browser.newContext({ proxy: { server: session.bed.harness.test.proxyUrl } });
    const page = await appContext.newPage();
    await page.goto(`http://app.test:${port}/`);
    await page.waitForFunction(() => ((globalThis as unknown as PageGlobals).received as string[]).length >= 5, undefined, WAIT);
    return page;
  }

  test('a page’s WebSocket and EventSource messages appear live; a JSON message opens as a tree; search; send to the client', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    const appPage = await openApp();
    await page.click(row('/socket'));
    await page.click('[data-testid=messages-tab]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length >= 4, undefined, WAIT);
    const rows = async () =>
      page.$$eval('[data-testid=message-row]', (els) =>
        els.map((e) => [e.getAttribute('data-dir'), (e.querySelector('.kind') as unknown as { textContent: string }).textContent, (e.querySelector('.preview') as unknown as { textContent: string }).textContent]),
      );
    assert.deepEqual(await rows(), [
      ['to-server', 'text', '{"type":"hello","user":{"id":7,"name":"Ada"},"tags":["a","b"]}'],
      ['to-client', 'text', 'echo:{"type":"hello","user":{"id":7,"name":"Ada"},"tags":["a","b"]}'],
      ['to-server', 'text', 'plain text ping'],
      ['to-client', 'text', 'echo:plain text ping'],
    ]);
    await page.locator('[data-testid=message-row]').first().click();
    await page.waitForSelector('[data-testid=message-detail] [data-testid=json-tree]', WAIT);

    // Send a message to the client from the UI: the page receives it, the pane lists it as injected.
    await page.fill('[data-testid=message-draft]', 'hello from Hindsight');
    await page.click('[data-testid=message-composer] button[role=radio]:has-text("To client")');
    await page.click('[data-testid=message-send]');
    await appPage.waitForFunction(() => ((globalThis as unknown as PageGlobals).received as string[]).includes('hello from Hindsight'), undefined, WAIT);
    await page.waitForSelector('[data-testid=message-row]:has(.injected)', WAIT);

    await themeScreenshots(page, 'messages-ws');

    // Search goes through the whole log in the core.
    await page.fill('[data-testid=messages-search]', 'PING');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length === 2, undefined, WAIT);
    assert.deepEqual((await rows()).map((r) => r[2]), ['plain text ping', 'echo:plain text ping']);

    // The EventSource's events, with their event type as the kind.
    await page.click(row('/events'));
    await page.click('[data-testid=messages-tab]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length === 3, undefined, WAIT);
    assert.deepEqual(await rows(), [
      ['to-client', 'tick', '{"n":1}'],
      ['to-client', 'tick', '{"n":2}'],
      ['to-client', 'tick', '{"n":3}'],
    ]);
    // The list shows the message totals.
    assert.match((await page.textContent(`${row('/socket')} [data-testid=message-count]`)) ?? '', /^5 msg$/);
    await themeScreenshots(page, 'messages-sse');

    // msg: finds flows by text inside their messages (read by the core); the bar says the list is as loaded.
    await page.fill('[data-testid=filter-input]', 'msg:"plain text"');
    await page.waitForSelector('[data-testid=filter-messages-note]', WAIT);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === 1, undefined, WAIT);
    assert.equal(await page.locator(row('/socket')).count(), 1);
    assert.equal((await page.textContent('[data-testid=filter-messages-note]'))?.replace(/\s+/g, ' ').trim(), 'Search messages again · matched as loaded, not live');
    // A second socket says the same: the list is the store's answer as loaded, and "Search again" asks anew.
    await appPage.evaluate(
      "new Promise((resolve) => { const ws = new WebSocket('ws://' + location.host + '/socket'); ws.onopen = () => ws.send('plain text again'); ws.onmessage = () => resolve(null); })",
    );
    // (The new message reaches the store's summary within a flush or two: ask again until it is there, boundedly.)
    const twoRows = () => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === 2;
    for (let attempt = 0; attempt < 20; attempt++) {
      await page.click('[data-testid=filter-messages-note]');
      if (await page.waitForFunction(twoRows, undefined, { timeout: 1000 }).then(() => true, () => false)) break;
    }
    await page.waitForFunction(twoRows, undefined, WAIT);
    await page.fill('[data-testid=filter-input]', 'msg:/"n":[23]/');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === 1, undefined, WAIT);
    assert.equal(await page.locator(row('/events')).count(), 1);
    await themeScreenshots(page, 'filter-msg');
    await page.fill('[data-testid=filter-input]', '');
    await page.waitForSelector('[data-testid=filter-messages-note]', { state: 'detached', ...WAIT });
  });
});
