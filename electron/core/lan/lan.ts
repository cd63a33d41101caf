/**
 * LAN use: off by default (the proxy listens on 127.0.0.1 only). When on, the proxy listens on every
 * interface and serves loopback plus the allow-list (IPs/CIDRs); any other client is refused, and its
 * address is recorded so the UI can offer a one-click "allow". The decision runs per connection through
 * the core's `allowClient`, so changing the list needs no restart; switching LAN on/off does (the
 * listen address changes), which the shell does on onDidChangeListen.
 */
import os from 'node:os';
import path from 'node:path';
import { ApiError, type LanInfo, type LanRefusal } from '../../common/api';
import { ipInAnyRange, normalizeIp, parseIpRange, type IpRange } from '../../common/cidr';
import { Emitter } from '../../common/events';
import { readJsonFile, writeJsonFile } from '../base/json-file';

export interface LanSettings {
  enabled: boolean;
  allow: string[];
}
export const DEFAULT_LAN_SETTINGS: LanSettings = { enabled: false, allow: [] };
/** Always allowed: this machine. */
export const LOOPBACK_RANGES = ['127.0.0.0/8', '::1'];
const MAX_REFUSED = 50;

export function lanSettingsFile(dataDir: string): string {
  return path.join(dataDir, 'lan.json');
}

/** Parses an allow-list; throws naming the bad entry. */
export function parseAllowList(allow: unknown): IpRange[] {
  if (!Array.isArray(allow)) throw new Error('allow must be a list of IPs or CIDRs');
  return allow.map((entry, i) => {
    const r = typeof entry === 'string' ? parseIpRange(entry) : ({ ok: false, error: 'not a string' } as const);
    if (!r.ok) throw new Error(`allow[${i}]: ${r.error}`);
    return r.range;
  });
}

/** This machine's addresses a phone on the same network can reach (no loopback, no link-local). */
export function lanAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv6' && /^fe80:/i.test(a.address)) continue;
      out.push(a.address);
    }
  }
  return out.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
}

export interface LanControllerOptions {
  dataDir: string;
  proxyPort: () => number;
  now?: () => number;
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  /** Always allowed (default: loopback). Tests narrow it to 127.0.0.1 so 127.0.0.2 plays a phone. */
  alwaysAllow?: string[];
}

export class LanController {
  private readonly _onDidRefuse = new Emitter<LanRefusal>();
  /** A client was refused (first time, or again after a minute): for the UI's "allow" prompt. */
  readonly onDidRefuse = this._onDidRefuse.event;
  private readonly _onDidChangeListen = new Emitter<LanSettings>();
  /** LAN use was switched on or off: the shell restarts the proxy on listenHost(). */
  readonly onDidChangeListen = this._onDidChangeListen.event;
  private settings: LanSettings;
  private ranges: IpRange[];
  private readonly loopback: IpRange[];
  private readonly refused = new Map<string, LanRefusal>();
  private readonly now: () => number;

  constructor(private readonly options: LanControllerOptions) {
    this.now = options.now ?? Date.now;
    this.loopback = parseAllowList(options.alwaysAllow ?? LOOPBACK_RANGES);
    const raw = (readJsonFile(lanSettingsFile(options.dataDir)) ?? {}) as Partial<LanSettings>;
    let allow: string[] = [];
    try {
      parseAllowList(raw.allow ?? []);
      allow = (raw.allow ?? []) as string[];
    } catch {
      // A hand-edited list that does not parse allows nobody rather than somebody unintended.
    }
    this.settings = { enabled: raw.enabled === true, allow };
    this.ranges = parseAllowList(allow);
  }

  /** Where the proxy listens: loopback only unless LAN use is on. */
  listenHost(): string {
    return this.settings.enabled ? '0.0.0.0' : '127.0.0.1';
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** The core's allowClient: loopback always, the allow-list when on the LAN; others refused and recorded. */
  readonly allowClient = (ip: string): boolean => {
    if (ipInAnyRange(ip, this.loopback)) return true;
    if (this.settings.enabled && ipInAnyRange(ip, this.ranges)) return true;
    const key = normalizeIp(ip) ?? ip;
    const at = this.now();
    const prev = this.refused.get(key);
    const entry: LanRefusal = prev ? { ...prev, lastAt: at, count: prev.count + 1 } : { ip: key, firstAt: at, lastAt: at, count: 1 };
    this.refused.delete(key);
    this.refused.set(key, entry);
    if (this.refused.size > MAX_REFUSED) this.refused.delete(this.refused.keys().next().value!);
    // A phone retries every few seconds: tell the UI once, then at most once a minute.
    if (!prev || at - prev.lastAt >= 60_000) this._onDidRefuse.fire(entry);
    return false;
  };

  info(): LanInfo {
    return {
      enabled: this.settings.enabled,
      allow: [...this.settings.allow],
      addresses: lanAddresses(this.options.interfaces?.()),
      port: this.options.proxyPort(),
      refused: [...this.refused.values()].reverse(),
    };
  }

  set(change: { enabled?: boolean; allow?: string[] }): LanInfo {
    let ranges = this.ranges;
    let allow = this.settings.allow;
    if (change.allow !== undefined) {
      try {
        ranges = parseAllowList(change.allow);
      } catch (err) {
        throw new ApiError(`lan.set: ${(err as Error).message}`, 'bad-params');
      }
      allow = change.allow.map((a) => a.trim());
    }
    const listenChanged = change.enabled !== undefined && change.enabled !== this.settings.enabled;
    this.settings = { enabled: change.enabled ?? this.settings.enabled, allow };
    this.ranges = ranges;
    writeJsonFile(lanSettingsFile(this.options.dataDir), this.settings);
    for (const ip of this.refused.keys()) if (ipInAnyRange(ip, ranges)) this.refused.delete(ip);
    if (listenChanged) this._onDidChangeListen.fire({ ...this.settings });
    return this.info();
  }

  /** The one-click "allow" for a refused client. */
  allow(ip: string): LanInfo {
    const normal = typeof ip === 'string' ? normalizeIp(ip) : undefined;
    if (!normal) throw new ApiError(`lan.allow: "${String(ip)}" is not an IP address`, 'bad-params');
    if (this.settings.allow.some((a) => ipInAnyRange(normal, parseAllowList([a])))) return this.info();
    return this.set({ allow: [...this.settings.allow, normal] });
  }

  dispose(): void {
    this._onDidRefuse.dispose();
    this._onDidChangeListen.dispose();
  }
}
