/**
 * Team mode in the UI (issue 21) against a real core and UI server: a member signed in with their own
 * token sees who they are, starts on the flows of the phone bound to them (bound by the real bind page
 * through the proxy), one click from everyone's, and cannot save a rule (the refusal is shown); an admin
 * sees who saved the rule and shows a QR code that binds a phone to a profile. Screenshots light and dark.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { openPage, type PageGlobals } from '../../helpers/browser';
import { themeScreenshots } from '../../helpers/theme-screenshots';
import { startToolsBed, TIMEOUT, WAIT, type ToolsBed } from '../../helpers/tools-page';

let bed: ToolsBed;
before(async () => {
  bed = await startToolsBed();
});
after(() => bed?.dispose());

const rows = (page: Page) => page.$$eval('[data-flow-id]', (els) => els.length);
/** Opens the rules, fills a new rule (mock 503 for * /json) and presses Save. */
async function saveMockRule(page: Page, name: string): Promise<void> {
  await page.click('[data-testid=open-rules]');
  await page.click('[data-testid=new-rule]');
  await page.waitForSelector('[data-testid=rule-editor]', WAIT);
  await page.fill('[data-testid=rule-name]', name);
  await page.fill('[data-testid=matcher-pattern]', '*/json');
  await page.fill('[data-testid=mock-status]', '503');
  await page.waitForSelector('[data-testid=rule-explanation]:has-text("Mock 503 for */json")', WAIT);
  await page.click('[data-testid=save-rule]');
}

/** Waits until the list shows `count` rows. */
const rowCount = (page: Page, count: number) =>
  page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-flow-id]').length === n, count, WAIT);

test('a member sees their own devices first, everyone on one click, and cannot save rules; an admin shows a bind QR code', { timeout: TIMEOUT }, async () => {
  const { core } = bed.harness;
  const tess = await core.users.add('tess', 'member');
  const ana = await core.users.add('ana', 'admin');
  const profile = await core.rules.store.saveProfile({ name: 'QA phones', clients: [] });
  // Tess's phone (127.0.0.2) is bound to her by opening her bind link through the proxy.
  const code = await core.devices.issueCode({ user: 'tess' });
  const bound = await bed.send(`http://hindsight.ca/bind/${code.code}`, [], '127.0.0.2');
  assert.equal(bound.status, 200);
  const url = bed.harness.origin.url('/json');
  await bed.send(url, [], '127.0.0.2');
  await bed.send(url, [], '127.0.0.3');
  await bed.send(url, [], '127.0.0.3');

  const { origin } = new URL(bed.harness.url);
  const member = await openPage(bed.browser, `${origin}/#token=${tess.token}`);
  try {
    const { page } = member;
    await page.waitForSelector('[data-testid=session-user]:has-text("tess")', WAIT);
    await rowCount(page, 1);
    const mine = await rows(page);
    await themeScreenshots(page, 'team-member-my-devices');
    // At laptop width one button flips between the two views.
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.click('[data-testid=view-flip]');
    await rowCount(page, 3);
    await page.click('[data-testid=view-flip]');
    await rowCount(page, 1);
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.click('[data-testid=view-everyone]');
    await rowCount(page, 3);
    const everyone = await rows(page);

    await saveMockRule(page, 'Tess tries');
    const refusal = (await (await page.waitForSelector('.save-error', WAIT)).textContent())?.trim();
    const note = (await page.textContent('[data-testid=read-only-note]'))?.trim();
    await themeScreenshots(page, 'team-member-rule-refused');
    assert.deepEqual(
      { badge: (await page.getAttribute('[data-testid=session-user]', 'title')), mine, everyone, note, refusal, rules: core.rules.store.list().length, errors: member.errors },
      {
        badge: 'Signed in as tess (member)',
        mine: 1,
        everyone: 3,
        note: 'You are signed in as a member: rules and device profiles are read-only for you. Ask an admin to change them.',
        refusal: 'rules.save: your role (member) can view rules, profiles and settings but not change them; ask an admin',
        rules: 0,
        errors: [],
      },
    );
  } finally {
    await member.context.close();
  }

  const admin = await openPage(bed.browser, `${origin}/#token=${ana.token}`);
  try {
    const { page } = admin;
    await page.waitForSelector('[data-testid=session-user]:has-text("ana")', WAIT);
    await saveMockRule(page, 'Ana mocks json');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Ana mocks json") [data-testid=rule-saved-by]', WAIT);
    const savedBy = await page.textContent('[data-testid=rule-saved-by]');
    const adminNote = await page.isVisible('[data-testid=read-only-note]');
    await page.click('[data-testid=tab-profiles]');
    await page.click(`[data-testid=profile-row]:has-text("${profile.name}")`);
    await page.click('[data-testid=bind-profile-show]');
    await page.waitForSelector('[data-testid=bind-profile-qr] svg', WAIT);
    await page.locator('[data-testid=bind-profile-qr]').evaluate((el) => (el as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'center' }));
    await themeScreenshots(page, 'team-admin-profile-bind-qr');
    await page.setViewportSize({ width: 1400, height: 900 });
    const shown = ((await page.textContent('[data-testid=bind-profile-url]')) ?? '').trim();
    // The link on screen works: a phone opening it through the proxy joins the profile.
    const phone = await bed.send(shown, [], '127.0.0.4');
    await page.keyboard.press('Escape');
    await page.click('[data-testid=session-user]');
    await page.waitForSelector('[data-testid=bind-me-show]', WAIT);
    await page.click('[data-testid=bind-me-show]');
    await page.waitForSelector('[data-testid=bind-me-qr] svg', WAIT);
    await themeScreenshots(page, 'team-admin-bind-my-phone');
    assert.deepEqual(
      {
        savedBy,
        adminNote,
        link: /^http:\/\/hindsight\.ca\/bind\/[\w-]{22}$/.test(shown) && !shown.includes(ana.token),
        phone: phone.status,
        clients: core.rules.store.profile(profile.id).clients,
        errors: admin.errors,
      },
      { savedBy: 'by ana', adminNote: false, link: true, phone: 200, clients: ['127.0.0.4'], errors: [] },
    );
  } finally {
    await admin.context.close();
  }
});
