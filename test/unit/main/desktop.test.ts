/**
 * The Electron main process under the electron test double, hosting a real core (port 0, temp data dir)
 * and a real system proxy backend (gsettings with the keyfile backend in a temp HOME).
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as double from '../../helpers/electron-double';
import { createSystemProxy } from '../../../electron/core/sysproxy/system-proxy';
import type * as DesktopModule from '../../../electron/main/desktop';
import { sharedProfileLink } from '../../helpers/profiles';

double.installElectronDouble();
// Loaded after the double is installed, so its `import … from 'electron'` gets the double.
const { startDesktop, runDesktop } = require('../../../electron/main/desktop') as typeof DesktopModule;

let hasGsettings = true;
try {
  execFileSync('gsettings', ['list-keys', 'org.gnome.system.proxy'], { stdio: 'ignore', env: { ...process.env, GSETTINGS_BACKEND: 'memory' } });
} catch {
  hasGsettings = false;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let desktop: DesktopModule.Desktop | undefined;

beforeEach(() => {
  double.resetElectronDouble();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hindsight-'));
  env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config'), GSETTINGS_BACKEND: 'keyfile', XDG_CURRENT_DESKTOP: 'GNOME' };
  desktop = undefined;
});
afterEach(async () => {
  if (desktop) {
    double.app.quit();
    await desktop.whenQuit;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

const rendererIndex = () => path.join(dir, 'renderer', 'index.html');

function desktopOptions(extra: Partial<DesktopModule.DesktopOptions>): DesktopModule.DesktopOptions {
  const dataDir = path.join(dir, 'data');
  return {
    dataDir,
    rendererIndex: rendererIndex(),
    preload: path.join(dir, 'preload.js'),
    port: 0,
    log: () => {},
    systemProxy: createSystemProxy({ snapshotFile: path.join(dataDir, 'sysproxy-snapshot.json'), platform: 'linux', env }),
    argv: [],
    ...extra,
  };
}

async function start(extra: Partial<DesktopModule.DesktopOptions> = {}, run: (o: DesktopModule.DesktopOptions) => Promise<DesktopModule.Desktop | undefined> = startDesktop) {
  desktop = await run(desktopOptions(extra));
  const win = double.BrowserWindow.created[0];
  if (!win.visible) await new Promise((resolve) => win.once('ready-to-show', resolve));
  return { desktop: desktop!, win, contents: win.webContents };
}

/** The profile links the renderer was told about, in order. */
const linksSent = (contents: double.WebContentsDouble) =>
  contents.sent.flatMap((m) => (m.channel === 'hindsight:events' ? (m.args[0] as { events: { name: string; data: unknown }[] }).events : [])).filter((e) => e.name === 'profiles/link-opened').map((e) => e.data);

const call = (from: { sender: double.WebContentsDouble; senderFrame: double.WebFrameMainDouble | null }, method: string, params: unknown = {}) =>
  double.ipcMain.invoke('hindsight:call', from, { id: 1, method, params });

test('the window gets the security options, whole', async () => {
  const { win } = await start();
  assert.deepEqual(win.options.webPreferences, {
    preload: path.join(dir, 'preload.js'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    disableBlinkFeatures: 'Auxclick',
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: true,
  });
  assert.equal(win.webContents.mainFrame.url, pathToFileURL(rendererIndex()).href);
});

test('IPC answers our main frame and rejects a foreign sender frame', async () => {
  const { contents } = await start();
  const ours = await call({ sender: contents, senderFrame: contents.mainFrame }, 'status.get');
  assert.equal((ours as { result: { dataDir: string } }).result.dataDir, path.join(dir, 'data'));

  const iframe = new double.WebFrameMainDouble(contents.mainFrame.url, contents.mainFrame);
  const foreignPage = new double.WebFrameMainDouble('https://evil.example/');
  const otherContents = new double.WebContentsDouble();
  otherContents.mainFrame.url = contents.mainFrame.url;
  for (const from of [
    { sender: contents, senderFrame: iframe },
    { sender: contents, senderFrame: foreignPage },
    { sender: contents, senderFrame: null },
    { sender: otherContents, senderFrame: otherContents.mainFrame },
  ]) {
    await assert.rejects(call(from, 'status.get'), { name: 'ForeignSenderError' });
  }
  // A method outside the allow-list is refused by the dispatcher, even from our frame.
  assert.deepEqual(await call({ sender: contents, senderFrame: contents.mainFrame }, 'process.exit'), { id: 1, error: { message: 'unknown method: process.exit', code: 'unknown-method' } });
});

test('navigation and new windows are denied; web links open in the browser', async () => {
  const { contents } = await start();
  const ourUrl = contents.mainFrame.url;
  const results = {
    web: contents.navigate('https://example.com/docs'),
    file: contents.navigate('file:///etc/passwd'),
    openWeb: contents.windowOpenHandler?.({ url: 'https://example.com/help' }),
    openJs: contents.windowOpenHandler?.({ url: 'javascript:alert(1)' }),
    reloadOurs: contents.navigate(ourUrl),
  };
  const webview = double.makeEvent();
  contents.emit('will-attach-webview', webview, {}, {});
  assert.deepEqual(
    { ...results, webviewPrevented: webview.defaultPrevented, opened: double.shell.opened },
    { web: false, file: false, openWeb: { action: 'deny' }, openJs: { action: 'deny' }, reloadOurs: true, webviewPrevented: true, opened: ['https://example.com/docs', 'https://example.com/help'] },
  );
});

test('permission requests and checks are denied; our responses get the CSP', async () => {
  await start();
  const s = double.session.defaultSession;
  const granted = await new Promise<boolean>((resolve) => s.permissionRequestHandler?.({}, 'media', resolve));
  const headers = await new Promise((resolve) => s.headersListener?.({ url: pathToFileURL(rendererIndex()).href, responseHeaders: { 'content-security-policy': ["default-src *"] } }, resolve));
  const foreign = await new Promise((resolve) => s.headersListener?.({ url: 'https://example.com/', responseHeaders: {} }, resolve));
  assert.deepEqual(
    { granted, check: s.permissionCheckHandler?.({}, 'notifications', 'file://'), headers, foreign },
    {
      granted: false,
      check: false,
      headers: {
        responseHeaders: {
          'Content-Security-Policy': ["default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"],
        },
      },
      foreign: {},
    },
  );
});

test('quit restores the system proxy we set, then disposes the core', { skip: !hasGsettings && 'gsettings not installed' }, async () => {
  const { desktop: d, contents } = await start();
  const gs = (schema: string, key: string) => execFileSync('gsettings', ['get', schema, key], { env, encoding: 'utf8' }).trim();
  const before = execFileSync('gsettings', ['list-recursively', 'org.gnome.system.proxy'], { env, encoding: 'utf8' });
  const { port } = d.core().proxyAddress();
  const res = (await call({ sender: contents, senderFrame: contents.mainFrame }, 'sysproxy.set', { enabled: true })) as { result: { enabled: boolean } };
  assert.deepEqual([res.result.enabled, gs('org.gnome.system.proxy', 'mode'), gs('org.gnome.system.proxy.http', 'port')], [true, "'manual'", String(port)]);
  // The renderer heard about it.
  assert.ok(contents.sent.some((m) => m.channel === 'hindsight:events' && (m.args[0] as { events: { name: string }[] }).events[0].name === 'sysproxy/changed'));

  double.app.quit();
  await d.whenQuit;
  desktop = undefined;
  assert.equal(execFileSync('gsettings', ['list-recursively', 'org.gnome.system.proxy'], { env, encoding: 'utf8' }), before);
  assert.equal(fs.existsSync(path.join(dir, 'data', 'sysproxy-snapshot.json')), false);
  // The proxy port is closed: the core was disposed.
  const refused = await new Promise<string>((resolve) => net.connect(port, '127.0.0.1').once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')).once('connect', () => resolve('connected')));
  assert.equal(refused, 'ECONNREFUSED');
});

test('window bounds and maximized state are remembered', async () => {
  const first = await start();
  first.win.bounds = { x: 50, y: 60, width: 1000, height: 700 };
  first.win.maximized = true;
  first.win.close();
  double.app.quit();
  await first.desktop.whenQuit;
  double.resetElectronDouble();
  const second = await start();
  const o = second.win.options;
  assert.deepEqual([o.x, o.y, o.width, o.height, second.win.maximized], [50, 60, 1000, 700, true]);
});

test('dialog.save writes what the renderer sends to the file the user picked', async () => {
  const { contents } = await start();
  const target = path.join(dir, 'flows.har');
  double.dialog.nextSave = { canceled: false, filePath: target };
  const from = { sender: contents, senderFrame: contents.mainFrame };
  const saved = await call(from, 'dialog.save', { suggestedName: '../../flows.har', text: '{"log":{}}', filters: [{ name: 'HAR', extensions: ['har'] }] });
  double.dialog.nextSave = { canceled: true, filePath: undefined };
  const cancelled = await call(from, 'dialog.save', { suggestedName: 'x.bin', base64: 'AAE=' });
  assert.deepEqual(
    { saved, cancelled, content: fs.readFileSync(target, 'utf8'), options: double.dialog.saveOptions[0] },
    {
      saved: { id: 1, result: { saved: true, path: target } },
      cancelled: { id: 1, result: { saved: false } },
      content: '{"log":{}}',
      options: { defaultPath: path.join('/tmp', 'flows.har'), filters: [{ name: 'HAR', extensions: ['har'] }] },
    },
  );
});

test('tray and app menu offer capture, system proxy, data folder and quit', async () => {
  const { desktop: d } = await start({ iconDir: path.join(dir, 'icons') });
  const tray = double.Tray.created[0];
  const items = (tray.contextMenu as { template: { label?: string; type?: string; checked?: boolean; click?: () => void }[] }).template;
  assert.deepEqual(
    items.map((i) => i.label ?? i.type),
    ['Show Hindsight', 'separator', `Proxy on 127.0.0.1:${d.core().proxyAddress().port}`, 'Capture traffic', 'Use as system proxy', 'separator', 'Open data folder', 'separator', 'Quit Hindsight'],
  );
  items.find((i) => i.label === 'Capture traffic')?.click?.();
  assert.equal(d.core().status().capture, false);
  items.find((i) => i.label === 'Open data folder')?.click?.();
  assert.deepEqual(double.shell.openedPaths, [path.join(dir, 'data')]);
});

test('a second instance quits at once', async () => {
  double.app.singleInstance = false;
  const result = await runDesktop({ dataDir: path.join(dir, 'data'), rendererIndex: rendererIndex(), preload: 'p.js' });
  assert.deepEqual([result, double.app.quitCalls, double.BrowserWindow.created.length], [undefined, 1, 0]);
});

test('the app registers itself as the handler of hindsight:// links', async () => {
  await start();
  assert.deepEqual(double.app.protocolClients, [['hindsight', process.execPath, ['/app']]]);
});

test('open-url before and after the window exists: each link reaches the renderer once, the window comes forward', async () => {
  const log: string[] = [];
  // runDesktop listens before Electron is ready, as macOS sends the launching link then.
  const starting = start({ log: (m) => log.push(m) }, runDesktop);
  const early = double.makeEvent();
  double.app.emit('open-url', early, sharedProfileLink);
  const { win, contents } = await starting;
  const beforeLater = linksSent(contents).length;
  win.visible = false;
  const later = double.makeEvent();
  double.app.emit('open-url', later, sharedProfileLink);
  const foreign = double.makeEvent();
  double.app.emit('open-url', foreign, 'hindsight://settings/../../etc');
  assert.deepEqual(
    { beforeLater, sent: linksSent(contents), prevented: [early.defaultPrevented, later.defaultPrevented, foreign.defaultPrevented], visible: win.visible, windows: double.BrowserWindow.created.length, log },
    {
      beforeLater: 1,
      sent: [{ link: sharedProfileLink }, { link: sharedProfileLink }],
      prevented: [true, true, true],
      visible: true,
      windows: 1,
      log: ['ignored a link (not a hindsight://profile/ link): hindsight://settings/../../etc'],
    },
  );
});

test('a link in the first command line, or in a second instance\'s, reaches the renderer; malformed, oversized and foreign ones do not', async () => {
  const log: string[] = [];
  const { contents } = await start({ log: (m) => log.push(m), argv: ['/opt/Hindsight/hindsight', '--no-sandbox', sharedProfileLink] });
  const atStart = linksSent(contents).length;
  const second = (...args: string[]) => double.app.emit('second-instance', double.makeEvent(), ['/opt/Hindsight/hindsight', ...args], '/home/u');
  second('--flag', 'hindsight://profile/not*base64');
  second('hindsight://profile/' + 'A'.repeat(300_000));
  second('hindsight://profile/AAAA');
  second('mailto:someone@example.com');
  second(sharedProfileLink + '/');
  assert.deepEqual(
    { atStart, sent: linksSent(contents), log: log.filter((m) => m.startsWith('ignored')).map((m) => m.replace(/\): .*/, ')')) },
    {
      atStart: 1,
      sent: [{ link: sharedProfileLink }, { link: sharedProfileLink }],
      log: ['ignored a link (the payload is not base64url)', 'ignored a link (longer than 262144 characters)', 'ignored a link (the link is damaged (it does not inflate))'],
    },
  );
});

test('an inspector relay started in the app is remembered (inspect.json, 0600) and listens again at the next start', async () => {
  const first = await start();
  const from = { sender: first.contents, senderFrame: first.contents.mainFrame };
  const started = (await call(from, 'inspect.start', { port: 0, targets: ['127.0.0.1:1'], name: 'api' })) as { result: { port: number } };
  const port = started.result.port;
  double.app.quit();
  await first.desktop.whenQuit;
  const file = path.join(dir, 'data', 'inspect.json');
  assert.deepEqual(
    { saved: JSON.parse(fs.readFileSync(file, 'utf8')), mode: fs.statSync(file).mode & 0o777 },
    { saved: { relays: [{ host: '127.0.0.1', port, targets: ['127.0.0.1:1'], name: 'api' }] }, mode: 0o600 },
  );
  double.resetElectronDouble();
  const second = await start();
  const listed = (await call({ sender: second.contents, senderFrame: second.contents.mainFrame }, 'inspect.list')) as { result: { relays: { port: number; running: boolean }[] } };
  assert.deepEqual(listed.result.relays.map((r) => ({ port: r.port, running: r.running })), [{ port, running: true }]);
  // It really listens: its /json/list answers (no process behind it yet).
  const body = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  assert.deepEqual(body, []);
});
