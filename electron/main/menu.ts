/**
 * The tray menu and the application menu: capture on/off, system proxy on/off, open the data folder,
 * quit. Built from plain state by pure functions, so the same items appear in both and tests can read them.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuState {
  capture: boolean;
  sysproxy: boolean;
  sysproxySupported: boolean;
  /** Why the system proxy cannot be set here (shown as the item's label suffix). */
  sysproxyReason?: string;
  proxyAddress: string;
}
export interface MenuActions {
  showWindow(): void;
  setCapture(enabled: boolean): void;
  setSystemProxy(enabled: boolean): void;
  openDataFolder(): void;
  quit(): void;
}

export function controlItems(state: MenuState, actions: MenuActions): MenuItemConstructorOptions[] {
  return [
    { label: `Proxy on ${state.proxyAddress}`, enabled: false },
    { label: 'Capture traffic', type: 'checkbox', checked: state.capture, click: () => actions.setCapture(!state.capture) },
    {
      label: state.sysproxySupported ? 'Use as system proxy' : `Use as system proxy (unavailable: ${state.sysproxyReason ?? 'not supported'})`,
      type: 'checkbox',
      checked: state.sysproxy,
      enabled: state.sysproxySupported,
      click: () => actions.setSystemProxy(!state.sysproxy),
    },
    { type: 'separator' },
    { label: 'Open data folder', click: () => actions.openDataFolder() },
  ];
}

export function trayMenuTemplate(state: MenuState, actions: MenuActions): MenuItemConstructorOptions[] {
  return [{ label: 'Show Hindsight', click: () => actions.showWindow() }, { type: 'separator' }, ...controlItems(state, actions), { type: 'separator' }, { label: 'Quit Hindsight', click: () => actions.quit() }];
}

export function appMenuTemplate(state: MenuState, actions: MenuActions, platform: NodeJS.Platform, devTools: boolean): MenuItemConstructorOptions[] {
  const quit: MenuItemConstructorOptions = { label: 'Quit Hindsight', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() };
  return [
    ...(platform === 'darwin' ? [{ label: 'Hindsight', submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { type: 'separator' }, quit] } as MenuItemConstructorOptions] : []),
    { label: 'File', submenu: platform === 'darwin' ? [{ role: 'close' }] : [{ label: 'Open data folder', click: () => actions.openDataFolder() }, { type: 'separator' }, quit] },
    { role: 'editMenu' },
    { label: 'Proxy', submenu: controlItems(state, actions) },
    { label: 'View', submenu: [{ role: 'reload' }, ...(devTools ? [{ role: 'toggleDevTools' } as MenuItemConstructorOptions] : []), { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
    { role: 'windowMenu' },
  ];
}
