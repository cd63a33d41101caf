/**
 * Device profiles in the UI against a real core: a profile for 127.0.0.2 with its own mock answers that
 * client only (127.0.0.3 gets the real server), a copy to 127.0.0.3 answers it too, and the share link,
 * opened in another tab, asks before importing the profile.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { notice, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

describe('device profiles', () => {
  const session = useToolsSession();

  test('a profile answers its own device, copies to another, and travels by link', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const url = bed.harness.origin.url('/json');
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=tab-profiles]');
    await page.click('[data-testid=new-profile]');
    await page.fill('[data-testid=profile-name]', 'Phone A');
    await page.fill('[data-testid=profile-clients]', '127.0.0.2');
    await page.click('[data-testid=save-profile]');
    await page.waitForSelector('[data-testid=profile-row]:has-text("Phone A")', WAIT);

    await page.click('[data-testid=profile-add-rule]');
    await page.waitForSelector('[data-testid=rule-editor]', WAIT);
    await page.fill('[data-testid=rule-name]', 'Phone A is down');
    await page.click('[data-testid=add-matcher]');
    await page.fill('[data-testid=matcher-pattern]', '*/json');
    await page.fill('[data-testid=mock-status]', '503');
    await page.fill('[data-testid=mock-body]', 'down for A');
    await page.waitForSelector('[data-testid=rule-explanation]:has-text("Mock 503 for */json from profile \\"Phone A\\"")', WAIT);
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Phone A is down")', WAIT);

    const two = await bed.send(url, [], '127.0.0.2');
    const three = await bed.send(url, [], '127.0.0.3');

    await page.click('[data-testid=tab-profiles]');
    await page.click('[data-testid=profile-row]:has-text("Phone A")');
    await page.fill('[data-testid=copy-clients]', '127.0.0.3');
    await page.click('[data-testid=copy-profile]');
    await notice(page, /^Copied to “Phone A \(copy\)” \(127\.0\.0\.3\)$/);
    const threeAfterCopy = await bed.send(url, [], '127.0.0.3');
    assert.deepEqual(
      [two.status, two.body, three.status, three.body, threeAfterCopy.status, threeAfterCopy.body],
      [503, 'down for A', 200, '{"hello":"world"}', 503, 'down for A'],
    );

    // Share: the web link carries the profile in its fragment (never the token).
    await page.click('[data-testid=profile-row]:has-text("Phone A")');
    await page.click('[data-testid=share-profile]');
    await page.waitForSelector('[data-testid=profile-qr] svg', WAIT);
    const link = ((await page.textContent('[data-testid=profile-link]')) ?? '').trim();
    const { origin } = new URL(bed.harness.url);
    assert.match(link, new RegExp(`^${origin.replace(/\./g, '\\.')}/#profile=[A-Za-z0-9_-]+$`));

    const token = new URL(bed.harness.url).hash.replace(/^#/, '');
    const teammate = await session.open(`${origin}/#${token}&${link.split('#')[1]}`);
    await teammate.page.waitForSelector('[data-testid=profile-link-rules]', WAIT);
    const offered = await teammate.page.$$eval('[data-testid=profile-link-rules] li', (items) => items.map((li) => (li as unknown as { innerText: string }).innerText));
    assert.equal(bed.harness.core.rules.store.profileList().length, 2, 'nothing is imported before the user confirms');
    await teammate.page.click('[data-testid=confirm-profile-import]');
    await notice(teammate.page, /^Imported “Phone A” with 1 rule$/);
    const profiles = bed.harness.core.rules.store.profileList();
    assert.deepEqual(
      {
        offered,
        fragment: new URL(teammate.page.url()).hash,
        profiles: profiles.map((pr) => [pr.name, pr.clients, pr.rules.map((r) => r.name)]).sort(),
      },
      {
        offered: ['Mock 503 for */json from profile "Phone A"\nnamed “Phone A is down” by its author'],
        fragment: `#${token}`,
        profiles: [
          ['Phone A (copy)', ['127.0.0.3'], ['Phone A is down']],
          ['Phone A', ['127.0.0.2'], ['Phone A is down']],
          ['Phone A', ['127.0.0.2'], ['Phone A is down']],
        ],
      },
    );
  });
});
