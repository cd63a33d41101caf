/**
 * The settings panel's test bed: a real core and UI server (as in test/helpers/renderer-harness.ts) whose
 * API also answers the desktop shell's methods, wired the way electron/main/desktop.ts wires them: the
 * real SysproxyController over the GNOME gsettings backend (keyfile backend in a temp HOME), the real
 * LanController as the proxy's allowClient, CA trust on real NSS databases in that HOME (certutil), and
 * lan/refused + sysproxy/changed published to the page. 127.0.0.1 is "this machine"; 127.0.0.2 plays a phone.
 *
 * `node --import tsx test/e2e/renderer/settings-harness.ts --screenshots docs/screenshots` writes the
 * settings screenshots (1400×900, light and dark).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCaTrust } from '../../../certs/trust/trust';
import { createApiServerSide, type ApiServerSide } from '../../../electron/core/api/dispatcher';
import { createApiHandlers } from '../../../electron/core/api/handlers';
import { LanController, type LanSettings } from '../../../electron/core/lan/lan';
import { startUiServer, type UiServer } from '../../../electron/core/server/ui-server';
import { SysproxyController } from '../../../electron/core/sysproxy/controller';
import { createSystemProxy } from '../../../electron/core/sysproxy/system-proxy';
import { createShellHandlers } from '../../../electron/main/shell-handlers';
import { launchChromium, openPage } from '../../helpers/browser';
import { startTestCore, type TestCore } from '../../helpers/core';
import { startOrigin, type Origin } from '../../helpers/origin';
import { RENDERER_DIR, seedFlows, startRendererHarness } from '../../helpers/renderer-harness';
import { curl } from '../../integration/capture/clients';

export function gsettingsAvailable(): boolean {
  try {
    execFileSync('gsettings', ['list-keys', 'org.gnome.system.proxy'], { stdio: 'ignore', env: { ...process.env, GSETTINGS_BACKEND: 'memory' } });
    return true;
  } catch {
    return false;
  }
}

export interface ShellHarness {
  origin: Origin;
  test: TestCore;
  ui: UiServer;
  api: ApiServerSide;
  lan: LanController;
  sysproxy: SysproxyController;
  /** The temp HOME: gsettings keyfile, NSS databases. */
  home: string;
  /** Where the shell keeps lan.json, sysproxy-settings.json and the snapshot (the desktop's data dir). */
  shellDir: string;
  /** Each LAN on/off the UI asked for (the desktop restarts the proxy on it; here loopback is enough). */
  listenChanges: LanSettings[];
  /** `gsettings ARGS…` in the temp HOME, trimmed output. */
  gsettings(...args: string[]): string;
  /** curl through the proxy from a client address (127.0.0.2 plays a phone). */
  send(url: string, from: string): ReturnType<typeof curl>;
  dispose(): Promise<void>;
}

export async function startShellHarness(options: { interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>; version?: string } = {}): Promise<ShellHarness> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  const shellDir = path.join(home, 'data');
  fs.mkdirSync(shellDir);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GSETTINGS_BACKEND: 'keyfile', XDG_CURRENT_DESKTOP: 'GNOME' };
  const cleanups: (() => Promise<void> | void)[] = [() => fs.rmSync(home, { recursive: true, force: true })];
  const dispose = async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  };
  try {
    const origin = await startOrigin();
    cleanups.push(() => origin.close());
    let port = 0;
    const lan = new LanController({ dataDir: shellDir, proxyPort: () => port, alwaysAllow: ['127.0.0.1'], interfaces: options.interfaces });
    cleanups.push(() => lan.dispose());
    const systemProxy = createSystemProxy({ snapshotFile: path.join(shellDir, 'sysproxy-snapshot.json'), platform: 'linux', env });
    const sysproxy = new SysproxyController({ dataDir: shellDir, sysproxy: systemProxy, proxyPort: () => port });
    cleanups.push(() => sysproxy.dispose());
    const test = await startTestCore({ origin, allowClient: lan.allowClient, ...(options.version ? { version: options.version } : {}) });
    cleanups.push(() => test.dispose());
    port = test.port;
    const shellHandlers = createShellHandlers({
      sysproxy,
      lan,
      trust: () => createCaTrust({ certPath: test.caPath, home, platform: 'linux', systemCaDir: path.join(home, 'system-ca') }),
      chooseSavePath: async () => undefined,
    });
    const api = createApiServerSide({ ...createApiHandlers(test.core), ...shellHandlers }, test.core);
    cleanups.push(() => api.dispose());
    // What desktop.ts pushes to the window, here to every page on the UI server.
    lan.onDidRefuse((refusal) => api.publish('lan/refused', refusal));
    sysproxy.onDidChange((info) => api.publish('sysproxy/changed', info));
    const listenChanges: LanSettings[] = [];
    lan.onDidChangeListen((s) => listenChanges.push(s));
    const ui = await startUiServer(test.core, { port: 0, rendererDir: RENDERER_DIR, api });
    cleanups.push(() => ui.close());
    return {
      origin,
      test,
      ui,
      api,
      lan,
      sysproxy,
      home,
      shellDir,
      listenChanges,
      gsettings: (...args) => execFileSync('gsettings', args, { env, encoding: 'utf8' }).trim(),
      send: (url, from) => curl(test.proxyUrl, ['--interface', from, url]),
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Screenshots for docs/screenshots: each section of the panel in light and dark, and what headless serve shows. */
async function takeScreenshots(dir: string): Promise<void> {
  const version = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  const nic = (address: string, family: 'IPv4' | 'IPv6'): os.NetworkInterfaceInfo =>
    ({ address, family, internal: false, netmask: family === 'IPv4' ? '255.255.255.0' : 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as os.NetworkInterfaceInfo;
  const harness = await startShellHarness({ version, interfaces: () => ({ wlan0: [nic('192.168.1.20', 'IPv4'), nic('fd12:3456:789a::20', 'IPv6')] }) });
  const browser = await launchChromium();
  try {
    await seedFlows(harness.test.core, 400, { seed: 11 });
    harness.lan.set({ enabled: true, allow: ['192.168.1.41', '10.0.0.0/24'] });
    await harness.sysproxy.set({ enabled: true, bypass: ['localhost', '127.0.0.1', '::1', '<local>', '*.corp.example'] });
    await harness.test.core.store.flush();
    for (const scheme of ['light', 'dark'] as const) {
      const { page, context } = await openPage(browser, harness.ui.url, { colorScheme: scheme });
      const shot = async (name: string) => {
        await page.waitForTimeout(300); // let the last frame settle; screenshots only, never in tests
        await page.screenshot({ path: path.join(dir, `${name}-${scheme}.png`) });
      };
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")');
      // A phone not on the list: refused, in the status bar and the LAN section.
      // (A refusal is announced once a minute per address: each pass uses its own.)
      await harness.send(harness.origin.url('/json'), scheme === 'light' ? '127.0.0.2' : '127.0.0.3');
      await page.waitForSelector('[data-testid=lan-refused-notice]');
      await page.click('[data-testid=open-settings]');
      await page.waitForSelector('[data-testid=sysproxy-switch][aria-checked=true]');
      await shot('settings-sysproxy');
      await page.click('[data-testid=settings-tab-lan]');
      await page.waitForSelector('[data-testid=lan-refused-row]');
      await page.fill('[data-testid=lan-allow-input]', '192.168.1.300');
      await shot('settings-lan');
      await page.fill('[data-testid=lan-allow-input]', '');
      await page.click('[data-testid=settings-tab-trust]');
      await page.waitForSelector('[data-testid=trust-store]');
      if (scheme === 'light') {
        await page.click('[data-store=nss-chrome] [data-testid=trust-install]');
        await page.waitForSelector('[data-store=nss-chrome][data-state=trusted]');
      }
      await shot('settings-trust');
      await context.close();
    }
    const headless = await startRendererHarness({ core: { version } });
    try {
      const { page, context } = await openPage(browser, headless.url);
      await page.waitForSelector('[data-testid=connection-state]:has-text("Connected")');
      await page.click('[data-testid=open-settings]');
      await page.click('[data-testid=settings-tab-lan]');
      await page.waitForSelector('[data-testid=desktop-only]');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(dir, 'settings-headless-light.png') });
      await context.close();
    } finally {
      await headless.dispose();
    }
  } finally {
    await browser.close();
    await harness.dispose();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args[0] === '--screenshots') {
    void takeScreenshots(path.resolve(args[1] ?? 'docs/screenshots')).catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
  } else {
    void startShellHarness().then((h) => {
      console.log(`UI:    ${h.ui.url}\nproxy: ${h.test.proxyUrl}\nHOME:  ${h.home}`);
      process.once('SIGINT', () => void h.dispose().then(() => process.exit(0)));
    });
  }
}
