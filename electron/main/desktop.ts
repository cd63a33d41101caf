/**
 * The desktop shell: hosts the core in the main process and adds only what needs Electron — the window,
 * the IPC transport, tray and menus, native dialogs — plus the OS integration (system proxy, LAN use, CA
 * trust). Quitting restores the system proxy if we set it, then disposes the core.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, screen, session, shell, Tray } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiEventBatch } from '../common/api';
import type { Disposable } from '../common/events';
import { createCaTrust } from '../../certs/trust/trust';
import { createApiServerSide, type ApiServerSide } from '../core/api/dispatcher';
import { createApiHandlers } from '../core/api/handlers';
import { createCore as realCreateCore } from '../core/core';
import type { Core, CoreOptions } from '../core/core-types';
import { LanController } from '../core/lan/lan';
import { dataPaths } from '../core/paths';
import { SysproxyController } from '../core/sysproxy/controller';
import { createSystemProxy } from '../core/sysproxy/system-proxy';
import type { SystemProxy } from '../core/sysproxy/types';
import { registerApiIpc, type ApiIpc } from './ipc';
import { appMenuTemplate, trayMenuTemplate, type MenuActions, type MenuState } from './menu';
import { ProfileLinkInbox, registerProtocolClient } from './profile-links';
import { guardContents, guardSession, type AppOrigin } from './security';
import { createShellHandlers } from './shell-handlers';
import { loadWindowState, saveWindowState } from './window-state';

export interface DesktopOptions {
  dataDir: string;
  /** dist/renderer/index.html */
  rendererIndex: string;
  /** dist/electron/preload/index.js (bundled, CommonJS: sandboxed preloads cannot require files). */
  preload: string;
  /** Vite dev server while developing (HINDSIGHT_DEV_URL); never set in a packaged app. */
  devUrl?: string;
  /** Proxy port; default 8080, or any free port when 8080 is taken. */
  port?: number;
  /** Folder holding tray.png (build/icons). */
  iconDir?: string;
  devTools?: boolean;
  version?: string;
  /** Tests: a SystemProxy whose OS commands they can see. */
  systemProxy?: SystemProxy;
  createCore?: (options: CoreOptions) => Promise<Core>;
  log?: (message: string) => void;
  /** This start's command line; a hindsight:// link in it is opened (Windows, Linux). Default process.argv. */
  argv?: readonly string[];
  /** Where links handed over before the window exists wait (runDesktop opens it before Electron is ready). */
  profileLinks?: ProfileLinkInbox;
}

export interface Desktop {
  readonly window: BrowserWindow | undefined;
  core(): Core;
  readonly sysproxy: SysproxyController;
  readonly lan: LanController;
  /** Resolves once quit has restored the system proxy and disposed the core. */
  readonly whenQuit: Promise<void>;
}

/** Starts the app when Electron is ready; undefined when another instance already runs (it gets focus). */
export async function runDesktop(options: DesktopOptions): Promise<Desktop | undefined> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  // macOS sends the link that launched the app through open-url before `ready`: listen from the start.
  const profileLinks = options.profileLinks ?? openProfileLinks(desktopLog(options));
  await app.whenReady();
  return startDesktop({ ...options, profileLinks });
}

function desktopLog(options: DesktopOptions): (message: string) => void {
  return options.log ?? ((m: string) => console.log(`hindsight: ${m}`));
}

/** The inbox for hindsight:// links, fed by macOS's open-url (the command-line forms come with argv). */
function openProfileLinks(log: (message: string) => void): ProfileLinkInbox {
  const links = new ProfileLinkInbox(log);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    links.receive(url);
  });
  return links;
}

export async function startDesktop(options: DesktopOptions): Promise<Desktop> {
  const log = desktopLog(options);
  const profileLinks = options.profileLinks ?? openProfileLinks(log);
  profileLinks.receiveArgv(options.argv ?? process.argv);
  if (!registerProtocolClient(app, process.execPath)) log('could not register as the handler of hindsight:// links');
  const createCore = options.createCore ?? realCreateCore;
  const { dataDir } = options;
  const origin: AppOrigin = { indexUrl: pathToFileURL(options.rendererIndex).href, devOrigin: options.devUrl };
  const devTools = options.devTools ?? !app.isPackaged;

  // Every web contents, ours or not, gets the guards before it can navigate anywhere.
  app.on('web-contents-created', (_event, contents) => guardContents(contents, origin, (url) => shell.openExternal(url)));
  guardSession(session.defaultSession, origin);

  const systemProxy = options.systemProxy ?? createSystemProxy({ snapshotFile: dataPaths(dataDir).sysproxySnapshot });
  // A crash last time may have left the OS pointing at a proxy that is gone: put the user's setting back.
  const stale = await systemProxy.restoreIfStale().catch((err: Error) => ({ restored: false, reason: err.message }));
  if (stale.restored) log('restored the system proxy setting left by a previous run');

  let core: Core;
  const lan = new LanController({ dataDir, proxyPort: () => core.proxyAddress().port });
  const sysproxy = new SysproxyController({ dataDir, sysproxy: systemProxy, proxyPort: () => core.proxyAddress().port });
  let port = options.port ?? 8080;
  const openCore = async (): Promise<Core> => {
    const coreOptions: CoreOptions = { dataDir, host: lan.listenHost(), port, allowClient: lan.allowClient, version: options.version ?? app.getVersion() };
    // Inspector relays started in the app come back at the next start (inspect.json in the data dir).
    coreOptions.rememberInspectRelays = true;
    try {
      return await createCore(coreOptions);
    } catch (err) {
      if (!/already in use/.test((err as Error).message) || port === 0) throw err;
      log(`${(err as Error).message}; using a free port instead`);
      port = 0;
      return createCore({ ...coreOptions, port });
    }
  };
  core = await openCore();
  port = core.proxyAddress().port;

  let win: BrowserWindow | undefined;
  let tray: Tray | undefined;
  const shellHandlers = createShellHandlers({
    sysproxy,
    lan,
    trust: () => createCaTrust({ certPath: core.ca.certPath }),
    async chooseSavePath(suggestedName, filters) {
      const opts = { defaultPath: path.join(app.getPath('downloads'), suggestedName), filters };
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      return r.canceled ? undefined : r.filePath;
    },
  });
  let server: ApiServerSide = createApiServerSide({ ...createApiHandlers(core), ...shellHandlers }, core);
  let ipc: ApiIpc = registerApiIpc(ipcMain, server, origin);
  const push = (batch: ApiEventBatch) => ipc.broadcast(batch);

  // LAN on/off moves the proxy to another listen address: a new core on the same data dir and port.
  let restarting: Promise<void> = Promise.resolve();
  lan.onDidChangeListen(() => {
    restarting = restarting.then(async () => {
      statusWatch.dispose();
      ipc.dispose();
      server.dispose();
      await core.dispose();
      core = await openCore();
      statusWatch = statusSubscription();
      server = createApiServerSide({ ...createApiHandlers(core), ...shellHandlers }, core);
      ipc = registerApiIpc(ipcMain, server, origin);
      if (win && !win.isDestroyed()) ipc.attach(win.webContents);
      if (sysproxy.isEnabled) await sysproxy.apply();
      push({ events: [{ name: 'status/changed', data: core.status() }] });
      refreshMenus();
    }).catch((err: Error) => log(`could not restart the proxy: ${err.message}`));
  });
  lan.onDidRefuse((refusal) => push({ events: [{ name: 'lan/refused', data: refusal }] }));
  sysproxy.onDidChange((info) => {
    push({ events: [{ name: 'sysproxy/changed', data: info }] });
    refreshMenus();
  });

  let sysproxySupport = await systemProxy.status().then(
    (s) => ({ supported: s.supported, reason: s.reason }),
    (err: Error) => ({ supported: false, reason: err.message }),
  );
  const menuState = (): MenuState => {
    const a = core.proxyAddress();
    return { capture: core.status().capture, sysproxy: sysproxy.isEnabled, sysproxySupported: sysproxySupport.supported, sysproxyReason: sysproxySupport.reason, proxyAddress: `${a.host}:${a.port}` };
  };
  const actions: MenuActions = {
    showWindow: () => showWindow(),
    setCapture: (enabled) => core.setCapture(enabled),
    setSystemProxy: (enabled) => {
      sysproxy.set({ enabled }).catch((err: Error) => {
        sysproxySupport = { supported: sysproxySupport.supported, reason: err.message };
        dialog.showErrorBox('System proxy', err.message);
        refreshMenus();
      });
    },
    openDataFolder: () => void shell.openPath(dataDir),
    quit: () => app.quit(),
  };
  let lastMenuKey = '';
  function refreshMenus(): void {
    const state = menuState();
    const key = JSON.stringify(state);
    if (key === lastMenuKey) return;
    lastMenuKey = key;
    Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate(state, actions, process.platform, devTools)));
    tray?.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(state, actions)));
  }
  // Status fires per flush of captured flows; menus are rebuilt only when what they show changed.
  const statusSubscription = () => core.onDidChangeStatus(() => refreshMenus());
  let statusWatch = statusSubscription();

  if (options.iconDir) {
    try {
      tray = new Tray(nativeImage.createFromPath(path.join(options.iconDir, 'tray.png')));
      tray.setToolTip('Hindsight');
      tray.on('click', () => showWindow());
    } catch (err) {
      // Some Linux desktops have no tray; the app menu offers the same items.
      log(`no tray: ${(err as Error).message}`);
    }
  }
  refreshMenus();

  function createWindow(): BrowserWindow {
    const state = loadWindowState(dataDir, screen.getAllDisplays().map((d) => d.workArea));
    const w = new BrowserWindow({
      x: state.x,
      y: state.y,
      width: state.width,
      height: state.height,
      minWidth: 640,
      minHeight: 400,
      show: false,
      title: 'Hindsight',
      icon: options.iconDir ? path.join(options.iconDir, '512x512.png') : undefined,
      // Written out here, not built elsewhere, so reviewers and electronegativity see every option.
      webPreferences: {
        preload: options.preload,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        experimentalFeatures: false,
        // Middle-click would otherwise ask for a new window (which setWindowOpenHandler denies anyway).
        disableBlinkFeatures: 'Auxclick',
        navigateOnDragDrop: false,
        safeDialogs: true,
        spellcheck: false,
        devTools,
      },
    });
    w.once('ready-to-show', () => {
      if (state.maximized) w.maximize();
      w.show();
    });
    w.on('close', () => {
      try {
        saveWindowState(dataDir, w.getNormalBounds(), w.isMaximized());
      } catch (err) {
        log(`could not save the window state: ${(err as Error).message}`);
      }
    });
    // Shared profile links go to the page once it listens (it subscribes while loading); until then they wait.
    let linkDelivery: Disposable | undefined;
    w.webContents.on('did-finish-load', () => {
      linkDelivery?.dispose();
      linkDelivery = profileLinks.connect((link) => push({ events: [{ name: 'profiles/link-opened', data: { link } }] }));
    });
    w.on('closed', () => {
      linkDelivery?.dispose();
      if (win === w) win = undefined;
    });
    ipc.attach(w.webContents);
    void (options.devUrl ? w.loadURL(options.devUrl) : w.loadFile(options.rendererIndex));
    return w;
  }
  function showWindow(): void {
    if (!win || win.isDestroyed()) win = createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  // From here on (no await before the first window), an accepted link brings the window forward.
  profileLinks.onDidAccept(() => showWindow());
  app.on('second-instance', (_event, argv) => {
    showWindow();
    profileLinks.receiveArgv(argv);
  });
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock; the tray or the dock icon brings the window back.
    if (process.platform !== 'darwin') app.quit();
  });

  let shutdown: Promise<void> | undefined;
  let shutDown = false;
  let resolveQuit!: () => void;
  const whenQuit = new Promise<void>((resolve) => (resolveQuit = resolve));
  const onSignal = () => app.quit();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  app.on('before-quit', (event) => {
    if (shutDown) return;
    // Hold the quit until the OS proxy is restored and the store flushed.
    event.preventDefault();
    shutdown ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await restarting;
      await sysproxy.dispose().catch((err: Error) => log(`could not restore the system proxy: ${err.message}`));
      statusWatch.dispose();
      ipc.dispose();
      server.dispose();
      tray?.destroy();
      lan.dispose();
      profileLinks.dispose();
      await core.dispose();
    })().finally(() => {
      shutDown = true;
      resolveQuit();
      app.quit();
    });
  });

  win = createWindow();
  return {
    get window() {
      return win;
    },
    core: () => core,
    sysproxy,
    lan,
    whenQuit,
  };
}
