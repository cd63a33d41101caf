/**
 * Export from the UI against a real core: "Copy as curl" puts exactly toCurl's command on the clipboard
 * (bash and PowerShell); "Save as HAR" on selected flows and "Export" of the filtered list download the
 * documents the export writers make (streamed by the UI server's /api/export route in a browser).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { toCurl } from '../../../electron/core/export/curl';
import { menuOnRow, notice, row, TIMEOUT, useToolsSession, WAIT, waitForRowCount } from '../../helpers/tools-page';

async function downloaded(page: Page, start: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download', WAIT), start()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

describe('export', () => {
  const session = useToolsSession();

  test('copy as curl puts toCurl’s command on the clipboard, for bash and PowerShell', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/echo?q=it%27s'), ['-H', 'X-Quote: say "hi"', '-H', 'Content-Type: application/json', '--data-raw', `{"text":"it's $HOME"}`]);
    await waitForRowCount(page, 1);
    const summary = bed.harness.core.store.query({ limit: 1 }).flows[0];
    const flow = (await bed.harness.core.store.get(summary.id))!;
    const body = await bed.harness.core.store.bodies.read(flow.request.body);
    const copied: Record<string, string> = {};
    for (const shell of ['bash', 'powershell'] as const) {
      await menuOnRow(page, row('/echo?q=it%27s'), `copy-curl-${shell}`);
      await notice(page, shell === 'bash' ? /^Copied the curl command \(bash\)$/ : /^Copied the curl command \(PowerShell\)$/);
      copied[shell] = await page.evaluate('navigator.clipboard.readText()');
    }
    assert.deepEqual(copied, { bash: toCurl(flow, body, 'bash').command, powershell: toCurl(flow, body, 'powershell').command });
  });

  test('selected flows save as HAR, the filtered list as NDJSON', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/json'));
    await bed.send(bed.harness.origin.url('/status/404'));
    await bed.send(bed.harness.origin.url('/status/500'));
    await waitForRowCount(page, 3);

    await page.click(row('/json'));
    await page.click(row('/status/500'), { modifiers: ['Control'] });
    const har = await downloaded(page, () => menuOnRow(page, row('/status/500'), 'export-selected-har'));
    const entries = (JSON.parse(har.text) as { log: { entries: { request: { url: string }; response: { status: number; content: { text?: string } } }[] } }).log.entries;

    await page.fill('[data-testid=filter-url]', '/status/');
    await waitForRowCount(page, 2);
    await page.click('[data-testid=open-export]');
    const ndjson = await downloaded(page, () => page.click('[data-testid=menu] [data-testid=export-filtered-ndjson]'));
    const lines = ndjson.text.trim().split('\n').map((l) => JSON.parse(l) as { status: number; url: string });
    assert.deepEqual(
      {
        har: { name: /^hindsight-\d{8}-\d{6}\.har$/.test(har.name), entries: entries.map((e) => [e.request.url.replace(/:\d+/, ':PORT'), e.response.status, e.response.content.text]) },
        ndjson: { name: /^hindsight-\d{8}-\d{6}\.ndjson$/.test(ndjson.name), lines: lines.map((l) => [new URL(l.url).pathname, l.status]) },
      },
      {
        har: {
          name: true,
          entries: [
            ['http://origin.test:PORT/json', 200, '{"hello":"world"}'],
            ['http://origin.test:PORT/status/500', 500, 'status 500\n'],
          ],
        },
        ndjson: {
          name: true,
          lines: [
            ['/status/404', 404],
            ['/status/500', 500],
          ],
        },
      },
    );
  });
});
