/**
 * The "Modify" (rewrite) action in the UI against a real core: a header set and a response status written in
 * the editor reach the origin and the client through the proxy, and the flow's original-vs-sent view shows
 * both changes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((el) => (el.textContent ?? '').replace(/\s+/g, ' ').trim()));

describe('modify (rewrite) rules', () => {
  const session = useToolsSession();

  test('a header and a status written in the editor reach origin and client, and the flow shows original vs sent', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Staging header');
    await page.fill('[data-testid=matcher-pattern]', '*/echo*');
    await page.click('[data-testid=action-rewrite]');
    await page.fill('[data-testid=modify-requestHeaders-name]', 'bad name');
    await page.waitForSelector('.field-error:has-text("\\"bad name\\" is not a valid header name")', WAIT);
    await page.fill('[data-testid=modify-requestHeaders-name]', 'X-Env');
    await page.fill('[data-testid=modify-requestHeaders-value]', 'staging');
    await page.fill('[data-testid=modify-status]', '203');
    await page.waitForSelector('[data-testid=rule-explanation]:has-text("Modify */echo* for every client (request headers: set X-Env; status 203)")', WAIT);
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Staging header")', WAIT);

    const answer = await bed.send(bed.harness.origin.url('/echo?x=1'), ['-H', 'X-Env: prod']);
    const echo = JSON.parse(answer.body) as { rawHeaders: string[] };
    await page.keyboard.press('Escape');
    await page.click(row('/echo?x=1'));
    await page.waitForSelector('[data-testid=original-diff]', WAIT);
    assert.deepEqual(
      { status: answer.status, env: echo.rawHeaders[echo.rawHeaders.findIndex((h) => h.toLowerCase() === 'x-env') + 1], badge: await texts(page, '[data-testid=applied-rule] .badge'), diff: await texts(page, '[data-testid=original-diff]') },
      {
        status: 203,
        env: 'staging',
        badge: ['Modified'],
        diff: ['Request: client sent → Hindsight sent X-Env prod→staging', 'Response: server sent → client got Status200→203Status textOK→Non-Authoritative Information'],
      },
    );
  });
});
