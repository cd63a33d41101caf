/**
 * Windows: the per-user WinINet setting under HKCU (no admin), then a WinINet "settings changed" +
 * "refresh" so running browsers pick it up without a restart.
 */
import { runChecked, type CommandRunner } from '../base/command';
import type { AppliedProxy, ProxyView, SysproxyBackend } from './types';

export const INTERNET_SETTINGS_KEY = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';

/** The values we touch; null = absent from the registry (restored by deleting it). */
export interface WindowsProxyState {
  ProxyEnable: number | null;
  ProxyServer: string | null;
  ProxyOverride: string | null;
  AutoConfigURL: string | null;
}
const NAMES = ['ProxyEnable', 'ProxyServer', 'ProxyOverride', 'AutoConfigURL'] as const;

// A fixed script (no interpolation): INTERNET_OPTION_SETTINGS_CHANGED (39) then INTERNET_OPTION_REFRESH (37).
export const WININET_REFRESH_SCRIPT = [
  "$s = Add-Type -Name WinInet -Namespace Hindsight -PassThru -MemberDefinition '[DllImport(\"wininet.dll\", SetLastError = true)] public static extern bool InternetSetOption(System.IntPtr h, int o, System.IntPtr b, int l);'",
  '[void]$s::InternetSetOption([System.IntPtr]::Zero, 39, [System.IntPtr]::Zero, 0)',
  '[void]$s::InternetSetOption([System.IntPtr]::Zero, 37, [System.IntPtr]::Zero, 0)',
].join('; ');

/** Parses `reg query KEY` output: lines "    Name    REG_TYPE    data". */
export function parseRegQuery(stdout: string): WindowsProxyState {
  const state: WindowsProxyState = { ProxyEnable: null, ProxyServer: null, ProxyOverride: null, AutoConfigURL: null };
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s+(\S+)\s+(REG_[A-Z_]+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, name, type, data] = m;
    if (name === 'ProxyEnable') state.ProxyEnable = type === 'REG_DWORD' ? Number.parseInt(data.trim(), 16) || 0 : Number(data.trim()) || 0;
    else if (name === 'ProxyServer' || name === 'ProxyOverride' || name === 'AutoConfigURL') state[name] = data;
  }
  return state;
}

function parseServer(server: string | null): { host?: string; port?: number } {
  if (!server) return {};
  // "host:port" or "http=host:port;https=host:port"
  const parts = server.split(';');
  const pick = parts.find((p) => p.startsWith('http=')) ?? parts.find((p) => !p.includes('=')) ?? parts[0];
  const hostPort = pick.includes('=') ? pick.slice(pick.indexOf('=') + 1) : pick;
  const m = /^(.*):(\d+)$/.exec(hostPort);
  return m ? { host: m[1], port: Number(m[2]) } : { host: hostPort };
}

export function createWindowsBackend(run: CommandRunner): SysproxyBackend<WindowsProxyState> {
  const reg = (args: string[]) => runChecked(run, 'reg', args);
  const setValue = (name: (typeof NAMES)[number], value: string | number) =>
    reg(['add', INTERNET_SETTINGS_KEY, '/v', name, '/t', typeof value === 'number' ? 'REG_DWORD' : 'REG_SZ', '/d', String(value), '/f']);
  const deleteValue = (name: string) => reg(['delete', INTERNET_SETTINGS_KEY, '/v', name, '/f']);
  const refresh = () => runChecked(run, 'powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', WININET_REFRESH_SCRIPT]);

  return {
    name: 'windows',
    async unavailableReason() {
      const r = await run('reg', ['query', INTERNET_SETTINGS_KEY]);
      return r.code === 0 ? undefined : `reg.exe could not read ${INTERNET_SETTINGS_KEY}: ${r.stderr.trim()}`;
    },
    async read() {
      return parseRegQuery(await reg(['query', INTERNET_SETTINGS_KEY]));
    },
    view(s): ProxyView[] {
      const bypass = s.ProxyOverride ? s.ProxyOverride.split(';').filter(Boolean) : [];
      if (s.AutoConfigURL) return [{ mode: 'pac', pacUrl: s.AutoConfigURL, bypass }];
      if (s.ProxyEnable) return [{ mode: 'manual', ...parseServer(s.ProxyServer), bypass }];
      return [{ mode: 'off', bypass }];
    },
    async apply(target: AppliedProxy, current) {
      if (target.mode === 'manual') {
        await setValue('ProxyServer', `${target.host}:${target.port}`);
        await setValue('ProxyOverride', target.bypass.join(';'));
        if (current.AutoConfigURL !== null) await deleteValue('AutoConfigURL');
        await setValue('ProxyEnable', 1);
      } else {
        await setValue('AutoConfigURL', target.pacUrl);
        await setValue('ProxyEnable', 0);
      }
      await refresh();
    },
    async restore(original, current) {
      for (const name of NAMES) {
        const value = original[name];
        if (value !== null) await setValue(name, value);
        else if (current[name] !== null) await deleteValue(name);
      }
      await refresh();
    },
  };
}
