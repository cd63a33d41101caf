/**
 * A small stand-in for the `electron` module, so the main process and the preload run under plain Node in
 * tests. installElectronDouble() makes `require('electron')` resolve to this file; the objects below
 * record what the code under test asked for (window options, handlers, menus) and let a test act as
 * Electron would (invoke an IPC channel from some frame, navigate, quit).
 */
import { EventEmitter } from 'node:events';
import Module from 'node:module';
import { pathToFileURL } from 'node:url';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export function installElectronDouble(): void {
  const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  if ((original as { electronDouble?: boolean }).electronDouble) return;
  const patched = function (this: unknown, request: string, ...rest: unknown[]) {
    if (request === 'electron') return __filename;
    return original.call(this, request, ...rest);
  };
  (patched as { electronDouble?: boolean }).electronDouble = true;
  mod._resolveFilename = patched;
}

/** An event object with preventDefault, as Electron passes to will-navigate, before-quit … */
export function makeEvent<T extends object>(extra?: T): { defaultPrevented: boolean; preventDefault(): void } & T {
  const e = { defaultPrevented: false, preventDefault: () => (e.defaultPrevented = true), ...extra } as { defaultPrevented: boolean; preventDefault(): void } & T;
  return e;
}

export class WebFrameMainDouble {
  constructor(
    public url: string,
    public parent: WebFrameMainDouble | null = null,
  ) {}
}

export class WebContentsDouble extends EventEmitter {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler?: (details: { url: string }) => { action: 'allow' | 'deny' };
  mainFrame = new WebFrameMainDouble('about:blank');
  private destroyed = false;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }) {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** What Electron does when the page tries to go to `url`: returns whether navigation went ahead. */
  navigate(url: string): boolean {
    const event = makeEvent();
    this.emit('will-navigate', event, url);
    if (!event.defaultPrevented) this.mainFrame.url = url;
    return !event.defaultPrevented;
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly created: BrowserWindow[] = [];
  readonly webContents = new WebContentsDouble();
  bounds: { x: number; y: number; width: number; height: number };
  maximized = false;
  visible = false;
  private destroyed = false;
  constructor(readonly options: Record<string, unknown>) {
    super();
    BrowserWindow.created.push(this);
    this.bounds = { x: (options.x as number) ?? 100, y: (options.y as number) ?? 100, width: (options.width as number) ?? 800, height: (options.height as number) ?? 600 };
    app.emit('web-contents-created', makeEvent(), this.webContents);
  }
  loadFile(file: string) {
    this.webContents.mainFrame.url = pathToFileURL(file).href;
    queueMicrotask(() => this.finishLoad());
    return Promise.resolve();
  }
  loadURL(url: string) {
    this.webContents.mainFrame.url = url;
    queueMicrotask(() => this.finishLoad());
    return Promise.resolve();
  }
  /** The page has loaded (its scripts ran), then painted. */
  private finishLoad() {
    this.webContents.emit('did-finish-load');
    this.emit('ready-to-show');
  }
  show() {
    this.visible = true;
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    const event = makeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.webContents.destroy();
    this.emit('closed');
    if (BrowserWindow.created.every((w) => w.isDestroyed())) app.emit('window-all-closed');
  }
}

class AppDouble extends EventEmitter {
  name = 'hindsight';
  isPackaged = false;
  singleInstance = true;
  readonly paths = new Map<string, string>([['downloads', '/tmp']]);
  quitCalls = 0;
  /** setAsDefaultProtocolClient calls, as [scheme, path?, args?]; `protocolClientResult` is what they return. */
  readonly protocolClients: unknown[][] = [];
  protocolClientResult = true;
  setAsDefaultProtocolClient(...args: unknown[]) {
    this.protocolClients.push(args);
    return this.protocolClientResult;
  }
  getAppPath() {
    return '/app';
  }
  setName(name: string) {
    this.name = name;
  }
  getName() {
    return this.name;
  }
  getVersion() {
    return '0.0.0-test';
  }
  setPath(name: string, value: string) {
    this.paths.set(name, value);
  }
  getPath(name: string) {
    return this.paths.get(name) ?? `/tmp/${name}`;
  }
  requestSingleInstanceLock() {
    return this.singleInstance;
  }
  whenReady() {
    return Promise.resolve();
  }
  /** Like Electron: before-quit (cancellable), then will-quit and quit. */
  quit() {
    this.quitCalls++;
    const event = makeEvent();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    this.emit('will-quit', makeEvent());
    this.emit('quit');
  }
  exit() {}
}
export const app = new AppDouble();

class IpcMainDouble {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler) {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  /** ipcRenderer.invoke as seen by main: from `sender`, and from its frame `senderFrame`. */
  async invoke(channel: string, from: { sender: WebContentsDouble; senderFrame: WebFrameMainDouble | null }, ...args: unknown[]) {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ sender: from.sender, senderFrame: from.senderFrame, processId: 1, frameId: 1 }, ...args);
  }
}
export const ipcMain = new IpcMainDouble();

class IpcRendererDouble extends EventEmitter {
  /** Where invoke() goes: a test wires it to ipcMain.invoke with the sending window. */
  invokeTarget?: (channel: string, ...args: unknown[]) => Promise<unknown>;
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  invoke(channel: string, ...args: unknown[]) {
    this.invoked.push({ channel, args });
    if (!this.invokeTarget) return Promise.reject(new Error('ipcRenderer.invoke: no main process in this test'));
    return this.invokeTarget(channel, ...args);
  }
}
export const ipcRenderer = new IpcRendererDouble();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown) {
    if (this.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    this.exposed.set(key, api);
  },
};

type HeadersListener = (details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders?: Record<string, string[]> }) => void) => void;
class SessionDouble {
  headersListener?: HeadersListener;
  permissionRequestHandler?: (contents: unknown, permission: string, callback: (granted: boolean) => void, details?: unknown) => void;
  permissionCheckHandler?: (contents: unknown, permission: string, origin: string, details?: unknown) => boolean;
  webRequest = {
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersListener = listener;
    },
  };
  setPermissionRequestHandler(h: SessionDouble['permissionRequestHandler']) {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: SessionDouble['permissionCheckHandler']) {
    this.permissionCheckHandler = h;
  }
}
export const session = { defaultSession: new SessionDouble() };

export const shell = {
  opened: [] as string[],
  openedPaths: [] as string[],
  openExternal(url: string) {
    this.opened.push(url);
    return Promise.resolve();
  },
  openPath(p: string) {
    this.openedPaths.push(p);
    return Promise.resolve('');
  },
};

export const Menu = {
  applicationMenu: undefined as unknown,
  buildFromTemplate(template: unknown[]) {
    return { template };
  },
  setApplicationMenu(menu: unknown) {
    this.applicationMenu = menu;
  },
};

export class Tray extends EventEmitter {
  static readonly created: Tray[] = [];
  contextMenu: unknown;
  tooltip = '';
  destroyed = false;
  constructor(readonly image: unknown) {
    super();
    Tray.created.push(this);
  }
  setContextMenu(menu: unknown) {
    this.contextMenu = menu;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  destroy() {
    this.destroyed = true;
  }
}

export const nativeImage = {
  createFromPath: (p: string) => ({ path: p, isEmpty: () => false }),
};

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
};

export const dialog = {
  /** What the next save dialog answers. */
  nextSave: { canceled: true, filePath: undefined as string | undefined },
  saveOptions: [] as unknown[],
  errors: [] as string[],
  showSaveDialog(...args: unknown[]) {
    this.saveOptions.push(args[args.length - 1]);
    return Promise.resolve({ ...this.nextSave });
  },
  showErrorBox(title: string, content: string) {
    this.errors.push(`${title}: ${content}`);
  },
};

/** Forget what earlier tests recorded (handlers, windows, listeners). */
export function resetElectronDouble(): void {
  BrowserWindow.created.length = 0;
  Tray.created.length = 0;
  app.removeAllListeners();
  app.singleInstance = true;
  app.quitCalls = 0;
  app.protocolClients.length = 0;
  app.protocolClientResult = true;
  app.isPackaged = false;
  ipcMain.handlers.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.invoked.length = 0;
  ipcRenderer.invokeTarget = undefined;
  contextBridge.exposed.clear();
  session.defaultSession = new SessionDouble();
  shell.opened.length = 0;
  shell.openedPaths.length = 0;
  Menu.applicationMenu = undefined;
  dialog.nextSave = { canceled: true, filePath: undefined };
  dialog.saveOptions.length = 0;
  dialog.errors.length = 0;
}
