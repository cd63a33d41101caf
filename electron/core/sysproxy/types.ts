/**
 * The OS proxy setting, the same interface on every OS. A backend knows how to read the settings it
 * touches (exactly, as plain JSON, so a snapshot on disk can put them back), how to point them at
 * Hindsight, and how to write a snapshot back. SystemProxy (system-proxy.ts) adds the crash-safe snapshot.
 */

import type { SysproxyView } from '../../common/api';

export type BackendName = 'windows' | 'macos' | 'gnome' | 'kde';

/** What the OS proxy setting does now, in one shape for every OS (macOS: one per network service). */
export type ProxyView = SysproxyView;

/** What Hindsight writes into the OS setting. */
export type AppliedProxy = { mode: 'manual'; host: string; port: number; bypass: string[] } | { mode: 'pac'; pacUrl: string; bypass: string[] };

export interface SysproxyBackend<State = unknown> {
  readonly name: BackendName;
  /** Undefined when usable here; otherwise why not (tool missing, schema missing …). */
  unavailableReason(): Promise<string | undefined>;
  /** The settings this backend touches, exactly as they are (plain JSON). */
  read(): Promise<State>;
  view(state: State): ProxyView[];
  /** Points the OS at Hindsight; `current` is what read() returned just before. */
  apply(target: AppliedProxy, current: State): Promise<void>;
  /** Writes `original` back exactly; `current` is what read() returns now. */
  restore(original: State, current: State): Promise<void>;
}

/** On disk at dataPaths(dataDir).sysproxySnapshot while the OS proxy points at us. */
export interface SysproxySnapshot {
  version: 1;
  backend: BackendName;
  /** The process that changed the setting; dead (and not us) = a crash left it behind. */
  pid: number;
  at: number;
  applied: AppliedProxy;
  original: unknown;
}

export interface EnableOptions {
  host: string;
  port: number;
  bypass: string[];
  /** PAC mode: point the OS at a PAC URL served on loopback (`PROXY host:port; DIRECT`). */
  pac?: boolean;
}

export interface SysproxyStatus {
  backend: BackendName | null;
  supported: boolean;
  /** Why the OS proxy cannot be set here. */
  reason?: string;
  current: ProxyView[];
  /** The setting points at us and a snapshot of the user's setting is waiting to be restored. */
  enabledByUs: boolean;
  snapshot?: { pid: number; at: number; applied: AppliedProxy; ownerAlive: boolean; stale: boolean };
}

export type RestoreOutcome =
  | { restored: true }
  | { restored: false; reason: 'no-snapshot' | 'owner-running' | 'changed-since' | 'unsupported'; detail?: string };

export interface SystemProxy {
  status(): Promise<SysproxyStatus>;
  enable(options: EnableOptions): Promise<SysproxyStatus>;
  /** Restores the user's setting (exactly) if it still points at us; drops the snapshot either way. */
  disable(): Promise<RestoreOutcome>;
  /** At start: a snapshot left by a dead process (a crash) is restored. */
  restoreIfStale(): Promise<RestoreOutcome>;
  /** `hindsight sysproxy restore`: like restoreIfStale, and with force even when the owner still runs. */
  restore(options?: { force?: boolean }): Promise<RestoreOutcome>;
  /** Closes the PAC server (does not touch the OS setting: call disable() first). */
  dispose(): Promise<void>;
}

export const DEFAULT_BYPASS: readonly string[] = ['localhost', '127.0.0.1', '::1', '<local>'];
