/**
 * Connection rules in the UI against real cores: an upstream-proxy rule written in the editor (a bad proxy
 * named while typing, this Hindsight's own port refused on save, the one-line explanation) carries curl's
 * request through a second core, and the flow names the proxy; the passthrough and client-certificate forms
 * refuse what they cannot use.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestCore } from '../../helpers/core';
import { themeScreenshots } from '../../helpers/theme-screenshots';
import { row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();

describe('connection rules', () => {
  const session = useToolsSession();

  test('an upstream proxy written in the editor carries the request, and the flow names it', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const upstream = await startTestCore({ origin: bed.harness.origin });
    try {
      await page.click('[data-testid=open-rules]');
      await page.click('[data-testid=new-rule]');
      await page.fill('[data-testid=rule-name]', 'Corporate proxy');
      await page.fill('[data-testid=matcher-pattern]', '*/json*');
      await page.click('[data-testid=action-upstream-proxy]');
      await page.fill('[data-testid=upstream-proxy]', 'gopher://proxy.corp');
      await page.waitForSelector('.field-error:has-text("the scheme must be http, https, socks5, socks5h or pac+…, not gopher")', WAIT);
      // This Hindsight's own proxy port would loop: refused on save, the error under the proxy field.
      await page.fill('[data-testid=upstream-proxy]', `http://localhost:${bed.harness.test.port}`);
      await page.click('[data-testid=save-rule]');
      await page.waitForSelector(`.field-error:text-is("is this Hindsight itself (port ${bed.harness.test.port} is its own); traffic sent there would loop")`, WAIT);
      await themeScreenshots(page, 'upstream-proxy-loop-refused');
      await page.fill('[data-testid=upstream-proxy]', `http://127.0.0.1:${upstream.port}`);
      await page.waitForSelector(`[data-testid=rule-explanation]:has-text("Send */json* for every client through upstream proxy http://127.0.0.1:${upstream.port}")`, WAIT);
      await themeScreenshots(page, 'upstream-proxy-rule-editor');
      await page.click('[data-testid=save-rule]');
      await page.waitForSelector('[data-testid=rule-row]:has-text("Corporate proxy")', WAIT);

      const answer = await bed.send(bed.harness.origin.url('/json'));
      await page.keyboard.press('Escape');
      await page.click(row('/json'));
      await page.waitForSelector('[data-testid=fact-upstream-proxy]', WAIT);
      assert.deepEqual(
        { status: answer.status, fact: await text(page, '[data-testid=fact-upstream-proxy]'), badge: await text(page, '[data-testid=applied-rule] .badge'), carried: (await upstream.finishedFlows(1)).length },
        { status: 200, fact: `Through upstream proxy http://127.0.0.1:${upstream.port}`, badge: 'Upstream proxy', carried: 1 },
      );
      await themeScreenshots(page, 'upstream-proxy-flow');
    } finally {
      await upstream.dispose();
    }
  });

  test('passthrough names a URL matcher it cannot use; the client certificate form asks for PEM or PKCS#12', { timeout: TIMEOUT }, async () => {
    const { page } = session;
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Pinned bank app');
    await page.fill('[data-testid=matcher-pattern]', 'https://bank.test/*');
    await page.click('[data-testid=action-passthrough]');
    await page.waitForSelector('.field-error:has-text("use host matchers only")', WAIT);
    await page.click('[data-testid=action-client-certificate]');
    await page.click('[data-testid=client-cert-pkcs12]');
    await page.waitForSelector('.field-error:has-text("give the certificate and key as PEM, or a PKCS#12 file")', WAIT);
    await page.fill('[data-testid=client-cert-passphrase]', 'secret');
    await themeScreenshots(page, 'client-certificate-rule-editor');
    assert.equal(await page.isVisible('[data-testid=client-cert-passphrase]'), true);
  });
});
