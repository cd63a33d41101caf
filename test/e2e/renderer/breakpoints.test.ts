/**
 * Breakpoints in the UI against a real core: a paused request edited in the inline editor reaches the
 * origin edited (the /echo origin shows what it received, so the client sees it); a paused response is
 * answered with a made-up one; several pauses queue, the strip walks them, one is aborted and one goes on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BREAKPOINT_ABORT_TEXT } from '../../../electron/common/breakpoint';
import type { PageGlobals } from '../../helpers/browser';
import { TIMEOUT, useToolsSession, values, WAIT } from '../../helpers/tools-page';

interface Echo {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

describe('breakpoints', () => {
  const session = useToolsSession();
  const breakpoint = (pattern: string, on: 'request' | 'response' | 'both') =>
    session.bed.harness.core.rules.store.save({ name: `Pause ${pattern}`, matchers: [{ type: 'url', pattern, syntax: 'wildcard' }], action: { type: 'breakpoint', on } });

  test('a paused request edited in the UI reaches the server edited', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await breakpoint('*/echo*', 'request');
    const client = bed.send(bed.harness.origin.url('/echo?step=1'), ['-H', 'X-Who: client', '-H', 'Content-Type: application/json', '--data-raw', '{"n":1}']);
    await page.waitForSelector('[data-testid=breakpoint-strip]', WAIT);
    await page.click('[data-testid=bp-next]');
    await page.waitForSelector('[data-testid=breakpoint-editor][data-phase=request]', WAIT);
    assert.equal(await page.inputValue('[data-testid=bp-body]'), '{"n":1}');

    const names = await values(page, '[data-testid=bp-headers-name]');
    await page.locator('[data-testid=bp-headers-value]').nth(names.indexOf('X-Who')).fill('edited');
    await page.fill('[data-testid=bp-body]', '{"n":2}');
    await page.fill('[data-testid=bp-url]', bed.harness.origin.url('/echo?step=2'));
    await page.waitForSelector('[data-testid=bp-continue]:has-text("Continue with edits")', WAIT);
    await page.click('[data-testid=bp-continue]');
    const answer = await client;
    const echo = JSON.parse(answer.body) as Echo;
    const header = (name: string) => echo.rawHeaders[echo.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === name.toLowerCase()) + 1];

    // The detail of the flow shows what the client sent against what went on.
    await page.waitForSelector('[data-testid=breakpoint-strip]', { state: 'detached', ...WAIT });
    await page.waitForSelector('[data-testid=original-header-change]', WAIT);
    const changes = await page.$$eval('[data-testid=original-diff] .change', (rows) => rows.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())));
    assert.deepEqual(
      { status: answer.status, url: echo.url, who: header('x-who'), length: header('content-length'), body: echo.body, changes },
      {
        status: 200,
        url: '/echo?step=2',
        who: 'edited',
        length: '7',
        body: '{"n":2}',
        changes: [
          ['URL', bed.harness.origin.url('/echo?step=1'), '→', bed.harness.origin.url('/echo?step=2')],
          ['X-Who', 'client', '→', 'edited'],
          ['Body', 'replaced'],
        ],
      },
    );
  });

  test('a paused response is answered with one written in the UI', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await breakpoint('*/json', 'response');
    const client = bed.send(bed.harness.origin.url('/json'));
    await page.waitForSelector('[data-testid=breakpoint-strip]', WAIT);
    await page.click('[data-testid=bp-next]');
    await page.waitForSelector('[data-testid=breakpoint-editor][data-phase=response]', WAIT);
    const shown = { status: await page.inputValue('[data-testid=bp-status]'), body: await page.inputValue('[data-testid=bp-body]') };
    await page.click('[data-testid=bp-answer]');
    await page.fill('[data-testid=bp-answer-status]', '418');
    await page.fill('[data-testid=bp-answer-body]', '{"answered":true}');
    await page.click('[data-testid=bp-send-answer]');
    const answer = await client;
    assert.deepEqual({ shown, status: answer.status, body: answer.body }, { shown: { status: '200', body: '{"hello":"world"}' }, status: 418, body: '{"answered":true}' });
  });

  test('several pauses queue: the strip walks them, one is aborted, the other continues', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await breakpoint('*/status/*', 'request');
    const first = bed.send(bed.harness.origin.url('/status/201'));
    await page.waitForSelector('[data-testid=paused-count]:has-text("1 paused")', WAIT);
    const second = bed.send(bed.harness.origin.url('/status/202'));
    await page.waitForSelector('[data-testid=paused-count]:has-text("2 paused")', WAIT);

    const shownUrl = async () => {
      await page.waitForSelector('[data-testid=breakpoint-editor]', WAIT);
      return page.inputValue('[data-testid=bp-url]');
    };
    const position = () => page.textContent('[data-testid=breakpoint-strip] .position');
    const walk: [string | null, string][] = [];
    await page.click('[data-testid=bp-next]');
    walk.push([await position(), await shownUrl()]);
    await page.click('[data-testid=bp-next]');
    await page.waitForFunction((url) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=bp-url]')?.value === url, bed.harness.origin.url('/status/202'), WAIT);
    walk.push([await position(), await shownUrl()]);
    await page.click('[data-testid=bp-prev]');
    await page.waitForFunction((url) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=bp-url]')?.value === url, bed.harness.origin.url('/status/201'), WAIT);
    walk.push([await position(), await shownUrl()]);

    await page.click('[data-testid=bp-abort]');
    const aborted = await first;
    // The editor walks on to the one still paused.
    await page.waitForSelector('[data-testid=paused-count]:has-text("1 paused")', WAIT);
    await page.waitForFunction((url) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=bp-url]')?.value === url, bed.harness.origin.url('/status/202'), WAIT);
    await page.click('[data-testid=bp-continue]');
    const continued = await second;
    await page.waitForSelector('[data-testid=breakpoint-strip]', { state: 'detached', ...WAIT });
    assert.deepEqual(
      { walk, aborted: [aborted.status, aborted.body], continued: continued.status },
      {
        walk: [
          ['1 of 2', bed.harness.origin.url('/status/201')],
          ['2 of 2', bed.harness.origin.url('/status/202')],
          ['1 of 2', bed.harness.origin.url('/status/201')],
        ],
        aborted: [502, `${BREAKPOINT_ABORT_TEXT}\n`],
        continued: 202,
      },
    );
  });
});
