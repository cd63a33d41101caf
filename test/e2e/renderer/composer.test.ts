/**
 * The composer against a real core and a recording origin: a pasted curl command becomes an editable
 * request that is sent through the proxy and opens as the new flow; "Edit and resend" starts from a
 * stored flow and the edited request is sent linked to it; a command that cannot be read says why.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCurl } from '../../../electron/common/curl-parse';
import type { PageGlobals } from '../../helpers/browser';
import { notice, row, TIMEOUT, useToolsSession, values, WAIT, waitForRowCount } from '../../helpers/tools-page';

/** Every value of a header in a raw [name, value, name, value …] list. */
const header = (raw: string[], name: string) => raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name.toLowerCase() ? [raw[i + 1]] : []));

describe('composer', () => {
  const session = useToolsSession();

  test('a pasted curl command is sent through the proxy and opens as the new flow', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const url = bed.harness.origin.url('/echo?from=curl');
    await page.click('[data-testid=open-composer]');
    await page.click('[data-testid=curl-open]');
    await page.fill('[data-testid=curl-text]', `curl -X PUT '${url}' -H 'X-Api-Key: k1' -H 'Content-Type: application/json' --data-raw '{"a":1,"b":[2]}'`);
    await page.click('[data-testid=curl-parse]');
    // The request fields are there from the start (GET, empty URL); the parsed command fills them when the
    // API answers, in the same update that closes the curl panel: wait for that, not for the fields.
    await page.waitForSelector('[data-testid=curl-text]', { ...WAIT, state: 'detached' });
    const filled = {
      method: await page.inputValue('[data-testid=composer-method]'),
      url: await page.inputValue('[data-testid=composer-url]'),
      headers: await values(page, '[data-testid=composer-headers-name]'),
    };
    await page.click('[data-testid=composer-body-format]');
    await page.click('[data-testid=composer-send]');
    await notice(page, /^Sent: 200$/);
    await waitForRowCount(page, 1);
    await page.waitForSelector('[data-testid=detail] .url:text-is("' + url + '")', WAIT);
    const got = bed.harness.origin.received[0];
    const flow = (await bed.harness.core.store.get(bed.harness.core.store.query({ limit: 1 }).flows[0].id))!;
    assert.deepEqual(
      { filled, received: { method: got.method, url: got.url, key: header(got.rawHeaders, 'x-api-key') }, replayOf: flow.replayOf, selected: await page.getAttribute('[data-flow-id][aria-selected=true]', 'data-flow-id') },
      {
        filled: { method: 'PUT', url, headers: ['Host', 'X-Api-Key', 'Content-Type', 'Content-Length'] },
        received: { method: 'PUT', url: '/echo?from=curl', key: ['k1'] },
        replayOf: undefined,
        selected: flow.id,
      },
    );
    const body = await bed.harness.core.store.bodies.read(flow.request.body);
    assert.equal(body.toString(), '{\n  "a": 1,\n  "b": [\n    2\n  ]\n}');
  });

  test('"Edit and resend" sends the edited request, linked to the flow it started from', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    await bed.send(bed.harness.origin.url('/echo?v=1'), ['-H', 'X-Token: one']);
    await page.click(row('/echo?v=1'));
    await page.click('[data-testid=resend]');
    await page.waitForSelector('[data-testid=composer-url]', WAIT);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=composer-url]')?.value !== '', undefined, WAIT);
    const names = await values(page, '[data-testid=composer-headers-name]');
    await page.locator('[data-testid=composer-headers-value]').nth(names.indexOf('X-Token')).fill('two');
    await page.fill('[data-testid=composer-url]', bed.harness.origin.url('/echo?v=2'));
    await page.click('[data-testid=composer-send]');
    await notice(page, /^Sent: 200$/);
    await waitForRowCount(page, 2);
    const [original, resent] = bed.harness.origin.received;
    const flows = bed.harness.core.store.query({ limit: 2 }).flows;
    assert.deepEqual(
      { urls: [original.url, resent.url], tokens: [header(original.rawHeaders, 'x-token'), header(resent.rawHeaders, 'x-token')], replayOf: flows[0].replayOf, marker: await page.$(`${row('/echo?v=2')} [data-testid=replay-marker]`) !== null },
      { urls: ['/echo?v=1', '/echo?v=2'], tokens: [['one'], ['two']], replayOf: flows[1].id, marker: true },
    );
  });

  test('a curl command that cannot be read says why and changes nothing', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const command = "curl -H 'X-Only: header'";
    let expected = '';
    try {
      parseCurl(command);
    } catch (err) {
      expected = (err as Error).message;
    }
    assert.notEqual(expected, '');
    await page.click('[data-testid=open-composer]');
    await page.click('[data-testid=curl-open]');
    await page.fill('[data-testid=curl-text]', command);
    await page.click('[data-testid=curl-parse]');
    await page.waitForSelector('[data-testid=curl-error]', WAIT);
    assert.deepEqual({ error: await page.textContent('[data-testid=curl-error]'), url: await page.inputValue('[data-testid=composer-url]') }, { error: expected, url: '' });
  });
});
