/**
 * "Replay against…" against a real core: two requests recorded from origin A, replayed from the context
 * menu to origin B (which answers one of them with 500), the comparison lists that pair with its status
 * change, opens it in the diff view, and comes back to the comparison when the diff closes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSessionOrigin, type SessionOrigin } from '../../integration/automation/session-origins';
import { menuOnRow, row, TIMEOUT, useToolsSession, WAIT, waitForRowCount } from '../../helpers/tools-page';

describe('session replay', () => {
  const session = useToolsSession();
  let a: SessionOrigin;
  let b: SessionOrigin;
  before(async () => {
    [a, b] = await Promise.all([startSessionOrigin('A'), startSessionOrigin('B')]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  test('replayed against another server, the differing pair is listed and opens in the diff view', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(`${a.url}/api/users/7`);
    await bed.send(`${a.url}/api/users/8`);
    await waitForRowCount(page, 2);
    await page.click(row('/api/users/7'));
    await page.click(row('/api/users/8'), { modifiers: ['Shift'] });
    await menuOnRow(page, row('/api/users/8'), 'menu-replay-against');
    await page.fill('[data-testid=session-replay-to]', b.url);
    await page.fill('[data-testid=session-replay-headers]', 'X-Env: staging');
    await page.click('[data-testid=session-replay-run]');
    await page.waitForSelector('[data-testid=session-report]', WAIT);
    // Durations differ on every run: each endpoint shows the medians, each pair the recorded and the new one.
    const groups = (await page.$$eval('[data-testid=session-report-group]', (els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()))).map((g) => g.replace(/\S+ m?s → \S+ m?s/g, 'T → T'));
    assert.deepEqual(
      { summary: await page.textContent('[data-testid=session-report-changed]'), groups, received: b.received },
      {
        summary: '1 of 2 responses differ',
        groups: [`GET /api/users/{id} 1/2 same · median T → T 200 → 500 ${b.url}/api/users/7 T → T Open diff Status200500`],
        received: ['GET /api/users/7 x-env=staging', 'GET /api/users/8 x-env=staging'],
      },
    );
    await page.click('[data-testid=session-report-show-same]');
    // Both requests share the route template /api/users/{id}: one group, now showing both pairs.
    assert.deepEqual([(await page.$$('[data-testid=session-report-group]')).length, (await page.$$('[data-testid=session-report-group] .pair')).length], [1, 2]);

    await page.click('[data-testid=session-report-group] .pair:has-text("/api/users/7") [data-testid=session-report-open-diff]');
    await page.waitForSelector('[data-testid=diff-status]', WAIT);
    assert.equal(((await page.textContent('[data-testid=diff-status]')) ?? '').replace(/\s+/g, ' ').trim(), 'Status 200 → 500');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=session-report]', WAIT);
  });

  test('a bad target is refused in the form with the reason', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(`${a.url}/api/users/1`);
    await waitForRowCount(page, 1);
    await menuOnRow(page, row('/api/users/1'), 'menu-replay-filtered-against');
    await page.fill('[data-testid=session-replay-to]', `${b.url}/with/path`);
    await page.click('[data-testid=session-replay-run]');
    const error = await page.waitForSelector('[data-testid=session-replay-error]', WAIT);
    assert.equal(await error.textContent(), `sessions.replay: to must be an origin like https://staging.example.com:8443 (no path), got '${b.url}/with/path'`);
  });
});
