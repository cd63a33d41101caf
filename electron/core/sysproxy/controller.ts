/**
 * The system proxy switch as the shells use it (tray, API, `hindsight serve --system-proxy`): the
 * user's settings (bypass list, PAC mode) from the data dir, the proxy's current address, and one
 * onDidChange for the UI. The OS always gets the loopback address, even when the proxy listens on the LAN.
 */
import { ApiError, type SysproxyInfo } from '../../common/api';
import { Emitter } from '../../common/events';
import { checkBypass, loadSysproxySettings, saveSysproxySettings, type SysproxySettings } from './settings';
import type { SysproxyStatus, SystemProxy } from './types';

export interface SysproxyControllerOptions {
  dataDir: string;
  sysproxy: SystemProxy;
  /** The proxy port now (it may move when LAN mode restarts the proxy). */
  proxyPort: () => number;
}

export class SysproxyController {
  private readonly _onDidChange = new Emitter<SysproxyInfo>();
  readonly onDidChange = this._onDidChange.event;
  private settings: SysproxySettings;
  /** Whether this process turned the system proxy on (and must restore it on quit). */
  private enabled = false;

  constructor(private readonly options: SysproxyControllerOptions) {
    this.settings = loadSysproxySettings(options.dataDir);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  private toInfo(s: SysproxyStatus): SysproxyInfo {
    const info: SysproxyInfo = { supported: s.supported, enabled: s.enabledByUs, pac: this.settings.pac, bypass: [...this.settings.bypass], current: s.current };
    if (s.backend) info.backend = s.backend;
    if (s.reason) info.reason = s.reason;
    return info;
  }

  async info(): Promise<SysproxyInfo> {
    return this.toInfo(await this.options.sysproxy.status());
  }

  /** Changes the settings and/or switches the OS proxy; re-applies when on and a setting changed. */
  async set(change: { enabled?: boolean; pac?: boolean; bypass?: string[] }): Promise<SysproxyInfo> {
    if (change.bypass !== undefined || change.pac !== undefined) {
      let bypass = this.settings.bypass;
      try {
        if (change.bypass !== undefined) bypass = checkBypass(change.bypass);
      } catch (err) {
        throw new ApiError(`sysproxy.set: ${(err as Error).message}`, 'bad-params');
      }
      this.settings = { bypass, pac: change.pac ?? this.settings.pac };
      saveSysproxySettings(this.options.dataDir, this.settings);
    }
    const enable = change.enabled ?? this.enabled;
    if (enable) await this.apply();
    else if (this.enabled) await this.disable();
    const info = await this.info();
    this._onDidChange.fire(info);
    return info;
  }

  /** Points the OS at the proxy again (after the port changed). */
  async apply(): Promise<void> {
    await this.options.sysproxy.enable({ host: '127.0.0.1', port: this.options.proxyPort(), bypass: this.settings.bypass, pac: this.settings.pac });
    this.enabled = true;
  }

  /** Restores the user's own setting if we changed it (quit, switch off). */
  async disable(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    await this.options.sysproxy.disable();
  }

  async dispose(): Promise<void> {
    await this.disable();
    await this.options.sysproxy.dispose();
    this._onDidChange.dispose();
  }
}
