/**
 * Map-local in the UI against a real core: a rule written in the editor answers curl through the proxy from
 * a real file, a relative path is named as the bad field while typing, and the flow shows the rule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { row, TIMEOUT, useToolsSession, WAIT } from '../../helpers/tools-page';

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').trim();

describe('map local', () => {
  const session = useToolsSession();

  test('a map-local rule written in the UI answers from a file, and the flow names it', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-e2e-local-'));
    try {
      const file = path.join(dir, 'users.json');
      fs.writeFileSync(file, '{"users":["from disk"]}');
      await page.click('[data-testid=open-rules]');
      await page.click('[data-testid=new-rule]');
      await page.fill('[data-testid=rule-name]', 'Users from disk');
      await page.fill('[data-testid=matcher-pattern]', '*/api/users');
      await page.click('[data-testid=action-map-local]');
      await page.fill('[data-testid=map-local-path]', 'users.json');
      await page.waitForSelector('.field-error:has-text("must be an absolute path")', WAIT);
      await page.fill('[data-testid=map-local-path]', file);
      await page.waitForSelector(`[data-testid=rule-explanation]:has-text("Answer */api/users from local ${file} for every client")`, WAIT);
      await page.click('[data-testid=save-rule]');
      await page.waitForSelector('[data-testid=rule-row]:has-text("Users from disk")', WAIT);

      const answer = await bed.send(bed.harness.origin.url('/api/users'));
      await page.keyboard.press('Escape');
      await page.click(row('/api/users'));
      await page.waitForSelector('[data-testid=applied-rule]', WAIT);
      assert.deepEqual(
        { status: answer.status, body: answer.body, badge: await text(page, '[data-testid=applied-rule] .badge'), name: await text(page, '[data-testid=applied-rule] .name'), received: bed.harness.origin.received.length },
        { status: 200, body: '{"users":["from disk"]}', badge: 'Local file', name: 'Users from disk', received: 0 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
