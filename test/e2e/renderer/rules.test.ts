/**
 * The rules panel in Chromium against a real core, proxy and UI server: a mock written in the UI answers
 * curl through the proxy; the editor checks as the user types and shows the server's refusal next to the
 * field; "Mock response" / "Mock request" fill the editor from a captured flow; the detail names the rule
 * that changed a flow; the order and the switches reach the core.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRule } from '../../../electron/common/rule-validate';
import type { Page } from 'playwright-core';
import type { PageGlobals } from '../../helpers/browser';
import { menuOnRow, row, TIMEOUT, useToolsSession, values, WAIT } from '../../helpers/tools-page';

const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((el) => (el.textContent ?? '').trim()));

describe('rules panel', () => {
  const session = useToolsSession();

  test('a mock rule written in the UI answers curl through the proxy, and the flow names it', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const port = new URL(bed.harness.origin.url('/json')).port;
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Teapot');
    await page.fill('[data-testid=matcher-pattern]', `http://origin.test:${port}/json*`);
    await page.fill('[data-testid=mock-status]', '418');
    await page.fill('[data-testid=mock-body]', '{"mocked":true}');
    await page.waitForSelector(`[data-testid=rule-explanation]:has-text("Mock 418 for origin.test:${port}/json* for every client")`, WAIT);
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Teapot")', WAIT);

    const answer = await bed.send(bed.harness.origin.url('/json?x=1'));
    await page.waitForSelector('[data-testid=rule-hits]:has-text("1 hit")', WAIT);
    const listed = { explanation: await texts(page, '[data-testid=rule-explanation-line]'), hits: await texts(page, '[data-testid=rule-hits]') };
    await page.keyboard.press('Escape');
    await page.click(row('/json?x=1'));
    await page.waitForSelector('[data-testid=applied-rule]', WAIT);
    assert.deepEqual(
      {
        status: answer.status,
        body: answer.body,
        listed,
        applied: { kind: await texts(page, '[data-testid=applied-rule] .badge'), name: await texts(page, '[data-testid=applied-rule] .name'), explanation: await texts(page, '[data-testid=applied-rule] .explanation') },
        received: bed.harness.origin.received.length,
      },
      {
        status: 418,
        body: '{"mocked":true}',
        listed: { explanation: [`Mock 418 for origin.test:${port}/json* for every client`], hits: ['1 hit'] },
        applied: { kind: ['Mocked'], name: ['Teapot'], explanation: [`Mock 418 for origin.test:${port}/json* for every client`] },
        received: 0,
      },
    );
  });

  test('the editor names bad fields as the user types, and shows a refused save next to the field', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const profile = await bed.harness.core.rules.store.saveProfile({ name: 'Soon gone', clients: ['127.0.0.2'] });
    await page.click('[data-testid=open-rules]');
    await page.click('[data-testid=new-rule]');
    await page.fill('[data-testid=rule-name]', 'Bad one');
    await page.selectOption('[data-testid=matcher-syntax]', 'regex');
    await page.fill('[data-testid=matcher-pattern]', '(unclosed');
    await page.fill('[data-testid=mock-status]', '99');
    const expected = validateRule({ id: 'x', name: 'Bad one', matchers: [{ type: 'url', pattern: '(unclosed', syntax: 'regex' }], action: { type: 'mock', status: 99, headers: [], body: '' } });
    assert.equal(expected.ok, false);
    const messages = expected.ok ? [] : expected.errors.map((e) => e.message);
    await page.waitForSelector('[data-testid=matcher-error]', WAIT);
    assert.deepEqual(await texts(page, '[data-testid=rule-editor] .field-error'), messages);
    assert.equal(await page.isDisabled('[data-testid=save-rule]'), true);

    await page.fill('[data-testid=matcher-pattern]', '^http://origin\\.test');
    await page.fill('[data-testid=mock-status]', '200');
    await page.selectOption('[data-testid=rule-profile]', profile.id);
    await page.waitForSelector('[data-testid=rule-editor] .field-error', { state: 'detached', ...WAIT });
    // The profile goes away while the rule is being written: only the server can know.
    await bed.harness.core.rules.store.deleteProfile(profile.id);
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-editor] .field-error', WAIT);
    assert.deepEqual(await texts(page, '[data-testid=rule-editor] .field-error'), [`no device profile with id ${JSON.stringify(profile.id)}`]);
    assert.deepEqual(bed.harness.core.rules.store.list(), []);
  });

  test('"Mock response" and "Mock request" fill the editor from the captured flow', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const jsonUrl = bed.harness.origin.url('/json');
    const echoUrl = bed.harness.origin.url('/echo?q=1');
    await bed.send(jsonUrl);
    await bed.send(echoUrl, ['-H', 'Content-Type: application/json', '-H', 'X-Trace: abc', '--data-raw', '{"name":"Ada"}']);
    await page.waitForSelector(row('/echo?q=1'), WAIT);

    await menuOnRow(page, row('/json'), 'menu-mock-response');
    await page.waitForSelector('[data-testid=rule-editor]', WAIT);
    const mock = {
      name: await page.inputValue('[data-testid=rule-name]'),
      matcherTypes: await values(page, '[data-testid=matcher-type]'),
      method: await page.inputValue('[data-testid=matcher-method]'),
      pattern: await page.inputValue('[data-testid=matcher-pattern]'),
      status: await page.inputValue('[data-testid=mock-status]'),
      headerNames: await values(page, '[data-testid=mock-headers-name]'),
      headerValues: await values(page, '[data-testid=mock-headers-value]'),
      body: await page.inputValue('[data-testid=mock-body]'),
      // The URL scope the menu item means (this path, any query), and what it takes of the recent flows.
      scope: await page.getAttribute('[data-testid^=url-scope-][aria-checked=true]', 'data-testid'),
      preview: ((await page.textContent('[data-testid=rule-preview-count]')) ?? '').replace(/\s+/g, ' ').trim(),
      previewRows: await page.$$eval('[data-testid=rule-preview-row]', (rows) => rows.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ').trim())),
    };
    const regex = (path: string) => `^${bed.harness.origin.url(path).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}`;
    assert.deepEqual(mock, {
      name: 'Mock GET /json',
      matcherTypes: ['method', 'url'],
      method: 'GET',
      pattern: `${regex('/json')}($|\\?)`,
      scope: 'url-scope-path',
      preview: 'Matches 1 of the last 2 flows:',
      previewRows: [`GET ${jsonUrl}`],
      status: '200',
      headerNames: ['Content-Type', 'X-Dup', 'x-dup', 'X-Mixed-Case'],
      headerValues: ['application/json', 'one', 'two', 'yes'],
      body: '{"hello":"world"}',
    });
    // The preview follows the condition as it is edited, before anything is saved; a scope button rewrites it.
    await page.fill('[data-testid=matcher-pattern]', '^https://nowhere\\.test/');
    await page.waitForSelector('[data-testid=rule-preview-count]:has-text("Matches 0 of the last 2 flows.")', WAIT);
    const edited = await page.$('[data-testid^=url-scope-][aria-checked=true]');
    await page.click('[data-testid=url-scope-exact]');
    await page.waitForSelector('[data-testid=rule-preview-count]:has-text("Matches 1 of the last 2 flows:")', WAIT);
    assert.deepEqual(
      { edited, pattern: await page.inputValue('[data-testid=matcher-pattern]'), scope: await page.getAttribute('[data-testid^=url-scope-][aria-checked=true]', 'data-testid') },
      { edited: null, pattern: `${regex('/json')}$`, scope: 'url-scope-exact' },
    );
    await page.fill('[data-testid=mock-body]', '{"hello":"mock"}');
    await page.click('[data-testid=save-rule]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("Mock GET /json")', WAIT);
    const mocked = await bed.send(jsonUrl);
    assert.deepEqual([mocked.status, mocked.body], [200, '{"hello":"mock"}']);

    await page.keyboard.press('Escape');
    await menuOnRow(page, row('/echo?q=1'), 'menu-mock-request');
    await page.waitForSelector('[data-testid=rewrite-url]', WAIT);
    const rewrite = {
      pattern: await page.inputValue('[data-testid=matcher-pattern]'),
      method: await page.inputValue('[data-testid=rewrite-method]'),
      url: await page.inputValue('[data-testid=rewrite-url]'),
      headers: (await values(page, '[data-testid=rewrite-headers-name]')).filter((n) => /^(content-type|x-trace)$/i.test(n)),
      body: await page.inputValue('[data-testid=rewrite-body]'),
    };
    assert.deepEqual(rewrite, { pattern: `${regex('/echo')}($|\\?)`, method: 'POST', url: echoUrl, headers: ['Content-Type', 'X-Trace'], body: '{"name":"Ada"}' });
  });

  test('the order and the enable switches reach the core', { timeout: TIMEOUT }, async () => {
    const { page, bed } = session;
    const store = bed.harness.core.rules.store;
    const mock = (name: string) => ({ name, matchers: [{ type: 'host', host: `${name}.test` }], action: { type: 'mock', status: 200, headers: [], body: name } });
    await store.save(mock('first'));
    await store.save(mock('second'));
    await page.click('[data-testid=open-rules]');
    await page.waitForSelector('[data-testid=rule-row]:has-text("second")', WAIT);
    await page.click('[data-testid=rule-row]:has-text("first") [data-testid=rule-down]');
    await page.waitForFunction(() => {
      const names = [...(globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid=rule-row] .name')].map((n) => n.textContent);
      return names.join() === 'second,first';
    }, undefined, WAIT);
    await page.click('[data-testid=rule-row]:has-text("second") [data-testid=rule-toggle]');
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=rule-row].disabled .name')?.textContent === 'second', undefined, WAIT);
    assert.deepEqual(
      store.list().map((r) => [r.rule.name, r.rule.enabled, r.rule.priority]),
      [
        ['second', false, 0],
        ['first', true, 1],
      ],
    );
    // The disabled rule no longer answers; the one that kept its switch on still does.
    const first = await bed.send('http://first.test/');
    assert.deepEqual([first.status, first.body], [200, 'first']);
  });
});
