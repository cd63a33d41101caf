/**
 * WebSocket message rules in the UI against a real core: a rule written in the editor (a dangerous regex is
 * named as the bad field while typing; the explanation line follows the fields) rewrites what a Chromium page
 * sends through the proxy, the server gets the rewritten text, and the messages pane shows the rule and the
 * original. Screenshots of the editor and the pane go to HINDSIGHT_SCREENSHOTS when set.
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
  const ws = new WebSocket('ws://' + location.host + '/socket');
  ws.onmessage = (e) => window.received.push(String(e.data));
  ws.onopen = () => ws.send('{"token":"secret-123","text":"hi"}');
</script>`;

describe('WebSocket message rules', () => {
  const session = useToolsSession();
  let app: http.Server;
  let port = 0;
  let appContext: BrowserContext | undefined;
  const serverReceived: string[] = [];

  before(async () => {
    app = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE));
    const wss = new WebSocketServer({ server: app, path: '/socket' });
    wss.on('connection', (ws) =>
      ws.on('message', (data) => {
        serverReceived.push(data.toString());
        ws.send(`echo:${data.toString()}`);
      }),
    );
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    port = (app.address() as net.AddressInfo).port;
  });
  after(async () => {
    await appContext?.close();
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  });

  test('a rule written in the editor rewrites a page’s message to the server; the pane shows the rule and the original', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Hide tokens');
    await page.fill('[data-testid=matcher-pattern]', '*/socket');
    await page.click('[data-testid=action-ws-message]');
    await page.click('[data-testid=ws-direction-to-server]');
    await page.selectOption('[data-testid=ws-syntax]', 'regex');
    await page.fill('[data-testid=ws-find]', '(a)\\1');
    await page.waitForSelector('[data-testid=ws-find-error]:has-text("backreferences are not supported")', WAIT);
    assert.equal(await page.isDisabled('[data-testid=save-rule]'), true);
    await page.fill('[data-testid=ws-find]', 'secret-(\\d+)');
    await page.fill('[data-testid=ws-replace]', 'hidden-$1');
    await page.waitForSelector('[data-testid=rule-explanation]:has-text("hidden-$1")', WAIT);
    assert.equal(((await page.textContent('[data-testid=rule-explanation]')) ?? '').trim(), 'Replace /secret-(\\d+)/ with "hidden-$1" in client-to-server messages on */socket for every client');
    await themeScreenshots(page, 'ws-message-rule-editor');
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Hide tokens")', WAIT);
    await page.keyboard.press('Escape');

    // The page's host name resolves through the proxy's lookup (*.test → 127.0.0.1), never /etc/hosts.
    appContext = await bed.browser.newContext({ proxy: { server: bed.harness.test.proxyUrl } });
    const appPage = await appContext.newPage();
    await appPage.goto(`http://app.test:${port}/`);
    await appPage.waitForFunction(() => ((globalThis as unknown as PageGlobals).received as string[]).length >= 1, undefined, WAIT);

    await page.click(row('/socket'));
    await page.click('[data-testid=messages-tab]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=message-row]').length >= 2, undefined, WAIT);
    await page.locator('[data-testid=message-row]').first().click();
    await page.waitForSelector('[data-testid=message-rules]', WAIT);
    assert.deepEqual(
      {
        page: await appPage.evaluate(() => (globalThis as unknown as PageGlobals).received),
        server: serverReceived,
        tag: ((await page.textContent('[data-testid=message-row] .tag')) ?? '').trim(),
        note: ((await page.textContent('[data-testid=message-rules] p')) ?? '').trim(),
        original: await page.textContent('[data-testid=message-original]'),
      },
      {
        page: ['echo:{"token":"hidden-123","text":"hi"}'],
        server: ['{"token":"hidden-123","text":"hi"}'],
        tag: 'rewritten',
        note: 'Rewritten by rule Hide tokens: shown as forwarded. The original:',
        original: '{"token":"secret-123","text":"hi"}',
      },
    );
    await themeScreenshots(page, 'ws-message-rule-pane');
  });

  test('a message breakpoint pauses a page’s message in the inline queue; edited there, the server gets the edit', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    serverReceived.length = 0;
    await appContext?.close();
    await bed.harness.core.rules.store.save({ name: 'Hold tokens', matchers: [{ type: 'url', pattern: '*/socket', syntax: 'wildcard' }], action: { type: 'ws-message', direction: 'to-server', find: 'token', syntax: 'text', effect: 'pause' } });
    appContext = await bed.browser.newContext({ proxy: { server: bed.harness.test.proxyUrl } });
    const appPage = await appContext.newPage();
    await appPage.goto(`http://app.test:${port}/`);
    await page.waitForSelector('[data-testid=breakpoint-strip]:has-text("Message")', WAIT);
    await page.click('[data-testid=breakpoint-strip] .current');
    await page.waitForSelector('[data-testid=breakpoint-editor][data-phase=message]', WAIT);
    assert.equal(await page.inputValue('[data-testid=bp-message-text]'), '{"token":"secret-123","text":"hi"}');
    await page.fill('[data-testid=bp-message-text]', '{"token":"edited at the breakpoint","text":"hi"}');
    await themeScreenshots(page, 'ws-message-breakpoint');
    assert.deepEqual(serverReceived, []);
    await page.click('[data-testid=bp-continue]');
    await appPage.waitForFunction(() => ((globalThis as unknown as PageGlobals).received as string[]).length >= 1, undefined, WAIT);
    await page.waitForSelector('[data-testid=breakpoint-strip]', { state: 'detached', ...WAIT });
    assert.deepEqual(
      { page: await appPage.evaluate(() => (globalThis as unknown as PageGlobals).received), server: serverReceived },
      { page: ['echo:{"token":"edited at the breakpoint","text":"hi"}'], server: ['{"token":"edited at the breakpoint","text":"hi"}'] },
    );
  });
});
