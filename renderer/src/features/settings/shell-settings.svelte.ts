/**
 * The desktop shell's settings as the UI shows them: the system proxy switch (sysproxy.*), LAN use
 * (lan.*) and CA trust (trust.*). These are SHELL_METHODS: the Electron app answers them, a headless
 * `hindsight serve` answers 'unavailable', and each section then shows the CLI equivalent instead of a
 * control. Refused LAN clients (lan/refused) are kept here rather than in the panel, so the status bar
 * can offer "Allow" while the panel is closed.
 */
import { ApiError, type ApiClient, type LanInfo, type LanRefusal, type SysproxyInfo, type TrustInfo } from '../../../../electron/common/api';

export type SettingsSectionId = 'sysproxy' | 'lan' | 'trust' | 'upstream-ca' | 'protos' | 'access' | 'http2';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One section's data: loaded on demand, replaced by each change the server confirms. */
export class ShellSection<T> {
  info = $state.raw<T | null>(null);
  /** The server has no handler for this (headless serve): show the CLI equivalent. */
  unavailable = $state(false);
  /** The last load or change that failed, as the server said it. */
  error = $state<string | null>(null);
  /** A change is on its way: controls show it and ignore clicks. */
  busy = $state(false);

  constructor(private readonly read: () => Promise<T>) {}

  async load(): Promise<void> {
    try {
      this.info = await this.read();
      this.unavailable = false;
      this.error = null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unavailable') this.unavailable = true;
      else this.error = message(err);
    }
  }

  /** Runs one change; true when the server took it. Clicks during a change are ignored (false). */
  async change(call: () => Promise<T>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      this.info = await call();
      this.error = null;
      return true;
    } catch (err) {
      this.error = message(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

export class ShellSettings {
  readonly sysproxy: ShellSection<SysproxyInfo>;
  readonly lan: ShellSection<LanInfo>;
  readonly trust: ShellSection<TrustInfo>;
  /** The section the settings panel shows; null while it is closed. */
  panel = $state<SettingsSectionId | null>(null);
  /** Refused clients the user has neither allowed nor dismissed, newest first (the status bar notice). */
  refusals = $state.raw<LanRefusal[]>([]);
  readonly #subscriptions: (() => void)[];

  constructor(private readonly client: ApiClient) {
    this.sysproxy = new ShellSection(() => client.call('sysproxy.get', {}));
    this.lan = new ShellSection(() => client.call('lan.get', {}));
    this.trust = new ShellSection(() => client.call('trust.get', {}));
    this.#subscriptions = [
      client.on('lan/refused', (refusal) => {
        this.refusals = [refusal, ...this.refusals.filter((r) => r.ip !== refusal.ip)];
        const lan = this.lan.info;
        if (lan) this.lan.info = { ...lan, refused: [refusal, ...lan.refused.filter((r) => r.ip !== refusal.ip)] };
      }),
      // The tray menu (or a LAN restart) changed it: the switch follows.
      client.on('sysproxy/changed', (info) => {
        this.sysproxy.info = info;
      }),
    ];
  }

  open(section: SettingsSectionId = 'sysproxy'): void {
    this.panel = section;
    void this.load();
  }

  close(): void {
    this.panel = null;
  }

  load(): Promise<void> {
    return Promise.all([this.sysproxy.load(), this.lan.load(), this.trust.load()]).then(() => undefined);
  }

  setSysproxy(change: { enabled?: boolean; pac?: boolean; bypass?: string[] }): Promise<boolean> {
    return this.sysproxy.change(() => this.client.call('sysproxy.set', change));
  }

  setLan(change: { enabled?: boolean; allow?: string[] }): Promise<boolean> {
    return this.lan.change(() => this.client.call('lan.set', change));
  }

  /** The one-click "allow" for a refused client: onto the allow-list, off the notice. */
  async allow(ip: string): Promise<boolean> {
    const ok = await this.lan.change(() => this.client.call('lan.allow', { ip }));
    if (ok) this.dismiss(ip);
    return ok;
  }

  dismiss(ip: string): void {
    this.refusals = this.refusals.filter((r) => r.ip !== ip);
  }

  setTrust(store: string, trusted: boolean): Promise<boolean> {
    return this.trust.change(() => this.client.call('trust.set', { store, trusted }));
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
  }
}
