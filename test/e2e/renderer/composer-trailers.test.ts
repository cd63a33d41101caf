/**
 * Trailers in the composer, against a real core and a recording origin that echoes the trailers it received:
 * a trailer added in the composer reaches the origin after the body (the request goes chunked over HTTP/1.1)
 * and is recorded on the new flow; "Edit and resend" of that flow opens with its trailers shown, and an
 * edited value is what goes out the second time.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Flow } from '../../../electron/common/flow';
import type { PageGlobals } from '../../helpers/browser';
import { notice, row, TIMEOUT, useToolsSession, values, WAIT, waitForRowCount } from '../../helpers/tools-page';

describe('composer trailers', () => {
  const session = useToolsSession();

  test('a trailer added in the composer reaches the origin, and "Edit and resend" shows and resends it', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const { core, origin } = bed.harness;
    /** The origin's echo of the request a flow sent, and what the flow recorded as sent after the body. */
    const sent = async (flow: Flow) => {
      const echo = JSON.parse((await core.store.bodies.read(flow.response!.body)).toString('utf8')) as { body: string; rawTrailers?: string[]; rawHeaders: string[] };
      const chunked = echo.rawHeaders.some((v, i) => i % 2 === 0 && v.toLowerCase() === 'transfer-encoding');
      return { body: echo.body, echoed: echo.rawTrailers, recorded: flow.request.trailers, chunked };
    };
    const newest = async () => (await core.store.get(core.store.query({ limit: 1 }).flows[0].id))!;

    await page.click('[data-testid=open-composer]');
    await page.fill('[data-testid=composer-method]', 'POST');
    await page.fill('[data-testid=composer-url]', origin.url('/echo?t=1'));
    await page.fill('[data-testid=composer-body]', 'payload');
    // No trailers until asked for: the section appears with one empty row.
    const before = await page.$('[data-testid=composer-trailers]');
    await page.click('[data-testid=composer-add-trailers]');
    await page.fill('[data-testid=composer-trailers-name]', 'X-Checksum');
    await page.fill('[data-testid=composer-trailers-value]', 'sha256=abc');
    await page.click('[data-testid=composer-send]');
    await notice(page, /^Sent: 200$/);
    await waitForRowCount(page, 1);
    const first = await newest();

    // Edit and resend: the draft's trailers are shown, edited, and sent again.
    await page.click(row('/echo?t=1'));
    await page.click('[data-testid=resend]');
    await page.waitForSelector('[data-testid=composer-url]', WAIT);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=composer-url]')?.value !== '', undefined, WAIT);
    await page.waitForSelector('[data-testid=composer-trailers-name]', WAIT);
    const shown = { names: await values(page, '[data-testid=composer-trailers-name]'), values: await values(page, '[data-testid=composer-trailers-value]'), addButton: await page.$('[data-testid=composer-add-trailers]') };
    await page.fill('[data-testid=composer-trailers-value]', 'sha256=def');
    await page.click('[data-testid=composer-send]');
    await notice(page, /^Sent: 200$/);
    await waitForRowCount(page, 2);
    const second = await newest();

    assert.deepEqual(
      { before, first: await sent(first), shown, second: await sent(second), replayOf: second.replayOf },
      {
        before: null,
        first: { body: 'payload', echoed: ['X-Checksum', 'sha256=abc'], recorded: [['X-Checksum', 'sha256=abc']], chunked: true },
        shown: { names: ['X-Checksum'], values: ['sha256=abc'], addButton: null },
        second: { body: 'payload', echoed: ['X-Checksum', 'sha256=def'], recorded: [['X-Checksum', 'sha256=def']], chunked: true },
        replayOf: first.id,
      },
    );
  });
});
