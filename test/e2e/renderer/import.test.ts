/**
 * HAR import by drag and drop onto the window, against a real core: a Chrome DevTools HAR adds its
 * requests to the list, marked imported; a broken file and a JSON file that is not a HAR say what is wrong
 * and import nothing.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { dropFile, notice, TIMEOUT, useToolsSession, WAIT, waitForRowCount } from '../../helpers/tools-page';

const CHROME_HAR = path.resolve(__dirname, '..', '..', 'fixtures', 'har', 'chrome-devtools.har');

describe('HAR import by drag and drop', () => {
  const session = useToolsSession();

  test('a dropped HAR adds its requests, marked imported', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await page.waitForSelector('text=No traffic yet', WAIT);
    await dropFile(page, 'chrome-devtools.har', fs.readFileSync(CHROME_HAR, 'utf8'));
    const said = await notice(page, /^Imported/);
    await waitForRowCount(page, 4);
    const stored = await Promise.all(bed.harness.core.store.query({ limit: 10 }).flows.map((s) => bed.harness.core.store.get(s.id)));
    const rows = await page.$$eval('[data-flow-id]', (els) => els.map((r) => [...r.querySelectorAll('[role=gridcell]')].slice(3, 6).map((c) => (c.textContent ?? '').trim())));
    assert.deepEqual(
      { said, rows: rows.sort(), imported: stored.map((f) => f?.imported), selected: await page.getAttribute('[data-flow-id][aria-selected=true]', 'data-flow-id') },
      {
        said: 'Imported 4 flows from chrome-devtools.har',
        rows: [
          ['GET', 'cdn.example.test', '/img/pixel.png'],
          ['GET', 'shop.example.test', '/'],
          ['GET', 'tracker.invalid', '/beacon'],
          ['POST', 'shop.example.test', '/api/search?lang=en'],
        ],
        imported: [true, true, true, true],
        selected: stored[0]?.id,
      },
    );
  });

  test('imported flows list by when they happened, below traffic captured since, each marked imported', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    // Captured now; the HAR's exchanges happened on 2025-03-04, so they belong below it although stored after.
    await bed.send(bed.harness.origin.url('/json?captured=1'));
    await waitForRowCount(page, 1);
    await dropFile(page, 'chrome-devtools.har', fs.readFileSync(CHROME_HAR, 'utf8'));
    await notice(page, /^Imported/);
    await waitForRowCount(page, 5);
    const rows = await page.$$eval('[data-flow-id]', (els) =>
      els.map((r) => [(r.querySelectorAll('[role=gridcell]')[5]?.textContent ?? '').trim(), r.querySelector('[data-testid=imported-marker]')?.getAttribute('title') ?? '']),
    );
    // The Time heading sorts by that time too: a click turns it oldest first.
    await page.click('.flow-list .header .col-time button');
    await page.waitForSelector('.flow-list .header .col-time[aria-sort=ascending]', WAIT);
    const ascending = await page.$$eval('[data-flow-id]', (els) => els.map((r) => (r.querySelectorAll('[role=gridcell]')[5]?.textContent ?? '').trim()));
    const imported = 'Imported from a HAR file';
    assert.deepEqual(
      { rows, ascending },
      {
        rows: [
          ['/json?captured=1', ''],
          ['/beacon', imported],
          ['/img/pixel.png', imported],
          ['/api/search?lang=en', imported],
          ['/', imported],
        ],
        ascending: ['/', '/api/search?lang=en', '/img/pixel.png', '/beacon', '/json?captured=1'],
      },
    );
  });

  test('a broken file, or JSON that is not a HAR, says why and imports nothing', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await dropFile(page, 'broken.har', '{"log": {"version": "1.2", "entries": [');
    const broken = await notice(page, /^Could not import broken\.har/);
    await dropFile(page, 'notes.json', '{"hello": 1}');
    const notHar = await notice(page, /^Could not import notes\.json/);
    assert.deepEqual(
      {
        broken: /^Could not import broken\.har: not a usable HAR file: not valid JSON \(.+\)\. Nothing was imported\.$/.test(broken),
        notHar,
        tone: await page.$$eval('[data-testid=notice]', (els) => els.map((e) => e.getAttribute('data-tone'))),
        stored: bed.harness.core.store.query({ limit: 1 }).total,
        rows: await page.$$('[data-flow-id]').then((r) => r.length),
      },
      {
        broken: true,
        notHar: 'Could not import notes.json: not a usable HAR file: no log.version: this is not a HAR file (expected {"log": {"version": "1.2", "entries": [...]}}). Nothing was imported.',
        tone: ['error', 'error'],
        stored: 0,
        rows: 0,
      },
    );
  });
});
