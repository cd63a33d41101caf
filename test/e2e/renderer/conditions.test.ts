/**
 * Network conditions in the UI against a real core: a device profile set offline in the profiles view cuts
 * only that device (127.0.0.2; 127.0.0.3 is answered), the status bar shows the switch and turns it off, the
 * flow names the profile; the rule editor's "Network conditions" action checks its fields as the user types
 * and explains the rule in one line.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { notice, row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

describe('network conditions', () => {
  const session = useToolsSession();

  test('an offline profile cuts only its device, shows in the status bar and the flow, and the switch turns it off', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=tab-profiles]');
    await page.click('[data-testid=new-profile]');
    await page.fill('[data-testid=profile-name]', 'Slow phone');
    await page.fill('[data-testid=profile-clients]', '127.0.0.2');
    await page.click('[data-testid=save-profile]');
    await page.waitForSelector('[data-testid=profile-conditions]', WAIT);
    await page.check('[data-testid=profile-conditions-on]');
    await page.click('[data-testid=profile-conditions-preset-offline]');
    await page.click('[data-testid=save-profile-conditions]');
    await notice(page, /^Network conditions saved for “Slow phone”$/);
    await page.waitForSelector('[data-testid=conditions-toggle]:has-text("Network conditions: 1 profile")', WAIT);
    const listed = await text(page, '[data-testid=profile-row-conditions]');

    const phone = await bed.send(bed.harness.origin.url('/json?from=2'), [], '127.0.0.2');
    const other = await bed.send(bed.harness.origin.url('/json?from=3'), [], '127.0.0.3');
    await page.keyboard.press('Escape');
    await page.click(row('/json?from=2'));
    await page.waitForSelector('[data-testid=applied-rule]', WAIT);
    const applied = [await text(page, '[data-testid=applied-rule] .badge'), await text(page, '[data-testid=applied-rule] .name'), await text(page, '[data-testid=applied-rule] .explanation')];

    await page.click('[data-testid=conditions-toggle]');
    await page.waitForSelector('[data-testid=conditions-toggle]:has-text("Network conditions off")', WAIT);
    const after = await bed.send(bed.harness.origin.url('/json?from=2-after'), [], '127.0.0.2');
    assert.deepEqual(
      { listed, phone: [phone.status, phone.exit !== 0], other: other.status, applied, after: after.status },
      {
        listed: 'offline',
        phone: [0, true],
        other: 200,
        applied: ['Network conditions', 'profile Slow phone', 'Network conditions (offline) for every request from profile "Slow phone"'],
        after: 200,
      },
    );
  });

  test('the rule editor’s network conditions: a preset, a custom value, a field error while typing, then saved', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Slow search');
    await page.fill('[data-testid=matcher-pattern]', '*/search*');
    await page.click('[data-testid=action-conditions]');
    await page.click('[data-testid=conditions-preset-2g]');
    await page.waitForSelector('[data-testid=rule-explanation]:has-text("Network conditions (2G: 280 kbit/s down")', WAIT);
    const preset = await text(page, '[data-testid=rule-explanation]');
    await page.fill('[data-testid=conditions-downloadKbps]', 'fast');
    await page.waitForSelector('.field-error:has-text("must be a number (download bandwidth in kbit/s), not \\"fast\\"")', WAIT);
    await page.fill('[data-testid=conditions-downloadKbps]', '64');
    await page.fill('[data-testid=conditions-resetPercent]', '5');
    await page.waitForSelector('[data-testid=rule-explanation]:has-text("64 kbit/s down")', WAIT);
    const custom = await text(page, '[data-testid=rule-explanation]');
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Slow search")', WAIT);
    await page.waitForSelector('[data-testid=conditions-toggle]:has-text("Network conditions: 1 rule")', WAIT);
    const stored = bed.harness.core.rules.store.list().map((r) => r.rule.action);
    assert.deepEqual(
      { preset, custom, stored },
      {
        preset: 'Network conditions (2G: 280 kbit/s down, 256 kbit/s up, 800 ms latency ±100 ms, +800 ms per connection) for */search* for every client',
        custom: 'Network conditions (64 kbit/s down, 256 kbit/s up, 800 ms latency ±100 ms, +800 ms per connection, 5 % reset) for */search* for every client',
        stored: [{ type: 'conditions', conditions: { downloadKbps: 64, uploadKbps: 256, latencyMs: 800, connectLatencyMs: 800, jitterMs: 100, resetPercent: 5 } }],
      },
    );
  });
});
