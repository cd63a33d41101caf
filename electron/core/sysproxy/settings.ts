// The user's system proxy preferences (bypass list, PAC mode), kept in the data dir.
import path from 'node:path';
import { readJsonFile, writeJsonFile } from '../base/json-file';
import { DEFAULT_BYPASS } from './types';

export interface SysproxySettings {
  bypass: string[];
  pac: boolean;
}

export function sysproxySettingsFile(dataDir: string): string {
  return path.join(dataDir, 'sysproxy-settings.json');
}

/** A bypass entry is a host name, wildcard, IP, CIDR or "<local>": no separators any OS would split on. */
export function checkBypass(bypass: unknown): string[] {
  if (!Array.isArray(bypass)) throw new Error('bypass must be a list of host names');
  return bypass.map((b, i) => {
    if (typeof b !== 'string' || !/^(<local>|[\w.*:\-/[\]%]+)$/.test(b.trim()) || b.trim().length > 253) {
      throw new Error(`bypass[${i}]: "${String(b)}" is not a host name, wildcard, IP or CIDR`);
    }
    return b.trim();
  });
}

export function loadSysproxySettings(dataDir: string): SysproxySettings {
  const raw = (readJsonFile(sysproxySettingsFile(dataDir)) ?? {}) as Partial<SysproxySettings>;
  return {
    bypass: raw.bypass !== undefined ? checkBypass(raw.bypass) : [...DEFAULT_BYPASS],
    pac: raw.pac === true,
  };
}

export function saveSysproxySettings(dataDir: string, settings: SysproxySettings): void {
  writeJsonFile(sysproxySettingsFile(dataDir), { bypass: checkBypass(settings.bypass), pac: settings.pac });
}
