/**
 * The settings panel (system proxy, LAN access, CA trust) in Chromium against the real thing:
 * - a headless UI server (what `hindsight serve` runs: no shell methods), where every section says it
 *   belongs to the desktop app and gives the CLI commands instead of a control;
 * - a UI server answering the shell methods the way the desktop app does (./settings-harness.ts): the
 *   switch changes the real gsettings values (keyfile backend, temp HOME) and switching off restores them
 *   exactly; a client on 127.0.0.2 refused by the real allow-list shows up in the status bar and "Allow"
 *   lets its next request through the real proxy; the CA is installed into a real NSS database with certutil.
 * Waits are on the DOM, never on sleeps.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TrustInfo } from '../../../electron/common/api';
import { certFacts } from '../../../certs/trust/trust';
import { chromiumAvailable, launchChromium, openPage } from '../../helpers/browser';
import { rendererBuilt, startRendererHarness, type RendererHarness } from '../../helpers/renderer-harness';
import { gsettingsAvailable, startShellHarness, type ShellHarness } from './settings-harness';

const TIMEOUT = 90_000;
const WAIT = { timeout: 20_000 };
const skipBrowser = !chromiumAvailable() ? 'Chromium not installed' : !rendererBuilt() ? 'renderer not built' : false;

const text = async (page: Page, selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();
const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));

async function openSettings(page: Page, tab: 'sysproxy' | 'lan' | 'trust'): Promise<void> {
  if (!(await page.$('[data-testid=settings-panel]'))) await page.click('[data-testid=open-settings]');
  await page.click(`[data-testid=settings-tab-${tab}]`);
  await page.waitForSelector(`[data-testid=settings-${tab}]`, WAIT);
}

async function closeSettings(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=settings-panel]', { ...WAIT, state: 'detached' });
}

describe('settings against headless serve (no shell methods)', { skip: skipBrowser }, () => {
  let harness: RendererHarness;
  let browser: Browser;
  let context: BrowserContext | undefined;

  before(async () => {
    harness = await startRendererHarness();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await harness?.dispose();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  test('each section says it belongs to the desktop app and gives the CLI commands, never a control', { timeout: TIMEOUT }, async () => {
    const opened = await openPage(browser, harness.url);
    context = opened.context;
    const { page, errors } = opened;
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);

    const sections: Record<string, { lead: string; commands: string[] }> = {};
    for (const tab of ['sysproxy', 'lan', 'trust'] as const) {
      await openSettings(page, tab);
      await page.waitForSelector(`[data-testid=settings-${tab}] [data-testid=desktop-only]`, WAIT);
      sections[tab] = {
        lead: await text(page, `[data-testid=settings-${tab}] .lead`),
        commands: await texts(page, `[data-testid=settings-${tab}] [data-testid=command] code`),
      };
    }
    const summaries = await texts(page, '[data-testid=settings-panel] nav .summary');
    const controls = (await page.$$('[data-testid=settings-panel] [role=switch], [data-testid=settings-panel] [data-testid=trust-install]')).length;
    const serveAddress = await (async () => {
      await openSettings(page, 'lan');
      return text(page, '[data-testid=lan-serve-address]');
    })();

    // The CA section leads to the HTTPS setup panel, which works here.
    await openSettings(page, 'trust');
    await page.click('[data-testid=trust-open-ca]');
    await page.waitForSelector('[data-testid=ca-qr] svg', WAIT);

    assert.deepEqual(
      { sections, summaries, controls, serveAddress, errors },
      {
        sections: {
          sysproxy: {
            lead: 'The system proxy switch is available in the desktop app.',
            commands: ['hindsight serve --system-proxy', 'hindsight sysproxy status', 'hindsight sysproxy restore'],
          },
          lan: { lead: 'The LAN switch is available in the desktop app.', commands: ['hindsight serve --host 0.0.0.0 --allow 192.168.1.0/24'] },
          trust: { lead: 'Installing the CA from here is available in the desktop app.', commands: ['hindsight ca', 'hindsight ca --path'] },
        },
        summaries: ['desktop', 'desktop', 'desktop', '', '', '', ''],
        controls: 0,
        serveAddress: `This server’s proxy listens on 127.0.0.1:${harness.test.port}.`,
        errors: [],
      },
    );
  });
});

describe('settings against a UI server with the desktop shell’s methods', { skip: skipBrowser || (!gsettingsAvailable() && 'gsettings not installed') }, () => {
  let harness: ShellHarness;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let page: Page;
  let errors: string[];

  before(async () => {
    harness = await startShellHarness();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await harness?.dispose();
  });
  beforeEach(async () => {
    ({ context, page, errors } = await openPage(browser, harness.ui.url));
    await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")', WAIT);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    assert.deepEqual(errors, []);
  });

  test('the system proxy switch sets the real gsettings values; switching off restores them exactly', { timeout: TIMEOUT }, async () => {
    const all = () => harness.gsettings('list-recursively', 'org.gnome.system.proxy');
    const gs = () => ({
      mode: harness.gsettings('get', 'org.gnome.system.proxy', 'mode'),
      httpHost: harness.gsettings('get', 'org.gnome.system.proxy.http', 'host'),
      httpPort: harness.gsettings('get', 'org.gnome.system.proxy.http', 'port'),
      httpsPort: harness.gsettings('get', 'org.gnome.system.proxy.https', 'port'),
      ignoreHosts: harness.gsettings('get', 'org.gnome.system.proxy', 'ignore-hosts'),
      autoconfig: harness.gsettings('get', 'org.gnome.system.proxy', 'autoconfig-url'),
    });
    const shown = async () => ({
      on: await page.getAttribute('[data-testid=sysproxy-switch]', 'aria-checked'),
      pac: await page.getAttribute('[data-testid=sysproxy-pac]', 'aria-checked'),
      current: await text(page, '[data-testid=sysproxy-current]'),
      bypass: await texts(page, '[data-testid=sysproxy-bypass-item]'),
    });
    const port = harness.test.port;
    const before = all();
    await openSettings(page, 'sysproxy');
    await page.waitForSelector('[data-testid=sysproxy-switch][aria-checked=false]', WAIT);
    const off = await shown();

    await page.click('[data-testid=sysproxy-switch]');
    await page.waitForSelector('[data-testid=sysproxy-switch][aria-checked=true]', WAIT);
    const onShown = await shown();
    const onValues = gs();

    await page.fill('[data-testid=sysproxy-bypass-input]', '*.corp.example');
    await page.click('[data-testid=sysproxy-bypass-add]');
    await page.waitForSelector('[data-testid=sysproxy-bypass-item]:has-text("*.corp.example")', WAIT);
    const withBypass = gs().ignoreHosts;

    await page.click('[data-testid=sysproxy-pac]');
    await page.waitForSelector('[data-testid=sysproxy-pac][aria-checked=true]', WAIT);
    const pacValues = gs();
    const pacShown = await text(page, '[data-testid=sysproxy-current]');

    await page.click('[data-testid=sysproxy-pac]');
    await page.waitForSelector('[data-testid=sysproxy-pac][aria-checked=false]', WAIT);
    await page.click('[data-testid=sysproxy-switch]');
    await page.waitForSelector('[data-testid=sysproxy-switch][aria-checked=false]', WAIT);
    const offAgain = await shown();

    const pacUrl = /^'(http:\/\/127\.0\.0\.1:\d+\/[^']+)'$/.exec(pacValues.autoconfig)?.[1];
    assert.deepEqual(
      { off, onShown, onValues, withBypass, pac: { mode: pacValues.mode, shown: pacShown === `Setting now PAC script ${pacUrl} Changed through GNOME (gsettings)` }, offAgain: offAgain.on, restored: all() === before, snapshot: fs.existsSync(path.join(harness.shellDir, 'sysproxy-snapshot.json')) },
      {
        off: { on: 'false', pac: 'false', current: 'Setting now no proxy Changed through GNOME (gsettings)', bypass: ['localhost', '127.0.0.1', '::1', '<local>'] },
        onShown: { on: 'true', pac: 'false', current: `Setting now proxy 127.0.0.1:${port} Changed through GNOME (gsettings)`, bypass: ['localhost', '127.0.0.1', '::1', '<local>'] },
        onValues: { mode: "'manual'", httpHost: "'127.0.0.1'", httpPort: String(port), httpsPort: String(port), ignoreHosts: "['localhost', '127.0.0.1', '::1', '<local>']", autoconfig: "''" },
        withBypass: "['localhost', '127.0.0.1', '::1', '<local>', '*.corp.example']",
        pac: { mode: "'auto'", shown: true },
        offAgain: 'false',
        restored: true,
        snapshot: false,
      },
    );
  });

  test('a refused phone (127.0.0.2) shows in the status bar; "Allow" lets its next request through', { timeout: TIMEOUT }, async () => {
    const url = harness.origin.url('/json');
    await openSettings(page, 'lan');
    await page.click('[data-testid=lan-switch]');
    await page.waitForSelector('[data-testid=lan-switch][aria-checked=true]', WAIT);

    // The allow-list is checked as the user types (electron/common/cidr.ts).
    await page.fill('[data-testid=lan-allow-input]', '10.0.0.0/33');
    const badCidr = { error: await text(page, '[data-testid=lan-allow-error]'), addDisabled: await page.isDisabled('[data-testid=lan-allow-add]') };
    await page.fill('[data-testid=lan-allow-input]', '10.0.0.0/8');
    const goodCidr = { error: await page.$('[data-testid=lan-allow-error]'), addDisabled: await page.isDisabled('[data-testid=lan-allow-add]') };
    await page.click('[data-testid=lan-allow-add]');
    await page.waitForSelector('[data-testid=lan-allow-item]:has-text("10.0.0.0/8")', WAIT);
    await closeSettings(page);

    const refused = await harness.send(url, '127.0.0.2');
    await page.waitForSelector('[data-testid=lan-refused-notice]', WAIT);
    const notice = await text(page, '[data-testid=lan-refused-notice]');
    await page.click('[data-testid=lan-refused-notice-allow]');
    await page.waitForSelector('[data-testid=lan-refused-notice]', { ...WAIT, state: 'detached' });
    const allowed = await harness.send(url, '127.0.0.2');

    // The panel's own list of refused clients, with its own "Allow".
    const other = await harness.send(url, '127.0.0.3');
    await openSettings(page, 'lan');
    await page.waitForSelector('[data-testid=lan-refused-row]', WAIT);
    const rows = await texts(page, '[data-testid=lan-refused-row] td:first-child');
    await page.click('[data-testid=lan-refused-row]:has-text("127.0.0.3") [data-testid=lan-refused-allow]');
    await page.waitForSelector('[data-testid=lan-refused-none]', WAIT);
    const otherAllowed = await harness.send(url, '127.0.0.3');
    const allowList = await texts(page, '[data-testid=lan-allow-item]');

    assert.deepEqual(
      {
        listenChanges: harness.listenChanges,
        badCidr,
        goodCidr,
        refused: refused.status,
        notice,
        allowed: [allowed.status, allowed.body],
        other: other.status,
        rows,
        otherAllowed: otherAllowed.status,
        allowList,
        stored: harness.lan.info().allow,
        noticeLeft: await page.$('[data-testid=lan-refused-notice]'),
      },
      {
        listenChanges: [{ enabled: true, allow: [] }],
        badCidr: { error: 'CIDR prefix /33 is longer than 32 bits for IPv4', addDisabled: true },
        goodCidr: { error: null, addDisabled: false },
        refused: 403,
        notice: '127.0.0.2 was refused Allow',
        allowed: [200, '{"hello":"world"}'],
        other: 403,
        rows: ['127.0.0.3'],
        otherAllowed: 200,
        allowList: ['10.0.0.0/8', '127.0.0.2', '127.0.0.3'],
        stored: ['10.0.0.0/8', '127.0.0.2', '127.0.0.3'],
        noticeLeft: null,
      },
    );
  });

  test('CA trust: Install puts the CA into the Chrome NSS database (certutil), shown trusted; Remove takes it out', { timeout: TIMEOUT }, async () => {
    const db = `sql:${path.join(harness.home, '.pki', 'nssdb')}`;
    const { nickname } = certFacts(harness.test.caPath);
    const inDb = () => {
      if (!fs.existsSync(path.join(harness.home, '.pki', 'nssdb', 'cert9.db'))) return false;
      return execFileSync('certutil', ['-d', db, '-L'], { encoding: 'utf8' }).includes(nickname);
    };
    const api = async () => {
      const answer = (await harness.api.handle({ id: 1, method: 'trust.get', params: {} })) as { result: TrustInfo };
      return answer.result.stores.map((s) => ({ id: s.id, trusted: s.trusted, command: s.trusted ? s.removeCommand : s.installCommand }));
    };
    const shown = () =>
      page.$$eval('[data-testid=trust-store]', (items) =>
        items.map((li) => ({ id: li.getAttribute('data-store'), state: li.getAttribute('data-state'), command: li.querySelector('[data-testid=command] code')?.textContent ?? '' })),
      );
    const asApi = (stores: Awaited<ReturnType<typeof api>>) => stores.map((s) => ({ id: s.id, state: s.trusted === null ? 'unknown' : s.trusted ? 'trusted' : 'untrusted', command: s.command }));

    await openSettings(page, 'trust');
    await page.waitForSelector('[data-testid=trust-store]', WAIT);
    const before = { shown: await shown(), api: asApi(await api()), inDb: inDb() };
    await page.click('[data-store=nss-chrome] [data-testid=trust-install]');
    await page.waitForSelector('[data-store=nss-chrome][data-state=trusted]', WAIT);
    const installed = { shown: await shown(), api: asApi(await api()), inDb: inDb() };
    await page.click('[data-store=nss-chrome] [data-testid=trust-remove]');
    await page.waitForSelector('[data-store=nss-chrome][data-state=untrusted]', WAIT);
    const removed = { inDb: inDb(), state: await page.getAttribute('[data-store=nss-chrome]', 'data-state') };

    assert.deepEqual(
      {
        before: { same: JSON.stringify(before.shown) === JSON.stringify(before.api), ids: before.shown.map((s) => `${s.id}:${s.state}`), inDb: before.inDb },
        installed: { same: JSON.stringify(installed.shown) === JSON.stringify(installed.api), ids: installed.shown.map((s) => `${s.id}:${s.state}`), removeCommand: installed.shown[0].command, inDb: installed.inDb },
        removed,
      },
      {
        before: { same: true, ids: ['nss-chrome:untrusted', 'linux-system:untrusted'], inDb: false },
        installed: { same: true, ids: ['nss-chrome:trusted', 'linux-system:untrusted'], removeCommand: `certutil -d ${db} -D -n '${nickname}'`, inDb: true },
        removed: { inDb: false, state: 'untrusted' },
      },
    );
  });
});
