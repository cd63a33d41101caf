/**
 * macOS: `networksetup`, once per enabled network service (Wi-Fi, Ethernet, …), since each keeps its own
 * proxy settings and the active one can change while Hindsight runs.
 */
import { runChecked, type CommandRunner } from '../base/command';
import type { AppliedProxy, ProxyView, SysproxyBackend } from './types';

export const NETWORKSETUP = '/usr/sbin/networksetup';

export interface MacProxyServer {
  enabled: boolean;
  server: string;
  port: number;
}
export interface MacServiceState {
  service: string;
  web: MacProxyServer;
  secure: MacProxyServer;
  auto: { enabled: boolean; url: string | null };
  bypass: string[];
}
export interface MacProxyState {
  services: MacServiceState[];
}

/** `-listallnetworkservices`: a header line, then names; a leading "*" marks a disabled service. */
export function parseServices(stdout: string): string[] {
  return stdout
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('*'));
}

function fields(stdout: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) map.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return map;
}

/** `-getwebproxy` / `-getsecurewebproxy`: "Enabled: Yes\nServer: h\nPort: 8080\n…". */
export function parseProxyServer(stdout: string): MacProxyServer {
  const f = fields(stdout);
  return { enabled: f.get('Enabled') === 'Yes', server: f.get('Server') ?? '', port: Number(f.get('Port') ?? 0) || 0 };
}

/** `-getautoproxyurl`: "URL: (null)\nEnabled: No". */
export function parseAutoProxy(stdout: string): { enabled: boolean; url: string | null } {
  const f = fields(stdout);
  const url = f.get('URL') ?? '';
  return { enabled: f.get('Enabled') === 'Yes', url: url === '' || url === '(null)' ? null : url };
}

/** `-getproxybypassdomains`: one domain a line, or "There aren't any bypass domains set on X." */
export function parseBypass(stdout: string): string[] {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.length === 1 && /^There aren't any/i.test(lines[0]) ? [] : lines;
}

/** macOS has no "<local>" token; its own default for local names is "*.local". */
function macBypass(bypass: string[]): string[] {
  return [...new Set(bypass.map((b) => (b === '<local>' ? '*.local' : b)))];
}

export function createMacBackend(run: CommandRunner): SysproxyBackend<MacProxyState> {
  const ns = (args: string[]) => runChecked(run, NETWORKSETUP, args);
  const onOff = (b: boolean) => (b ? 'on' : 'off');
  const setBypass = (service: string, list: string[]) => ns(['-setproxybypassdomains', service, ...(list.length ? list : ['Empty'])]);

  return {
    name: 'macos',
    async unavailableReason() {
      const r = await run(NETWORKSETUP, ['-listallnetworkservices']);
      if (r.code !== 0) return `networksetup failed: ${r.stderr.trim() || r.stdout.trim()}`;
      return parseServices(r.stdout).length ? undefined : 'no enabled network service';
    },
    async read() {
      const services: MacServiceState[] = [];
      for (const service of parseServices(await ns(['-listallnetworkservices']))) {
        services.push({
          service,
          web: parseProxyServer(await ns(['-getwebproxy', service])),
          secure: parseProxyServer(await ns(['-getsecurewebproxy', service])),
          auto: parseAutoProxy(await ns(['-getautoproxyurl', service])),
          bypass: parseBypass(await ns(['-getproxybypassdomains', service])),
        });
      }
      return { services };
    },
    view(state): ProxyView[] {
      return state.services.map((s) => {
        if (s.auto.enabled && s.auto.url) return { service: s.service, mode: 'pac', pacUrl: s.auto.url, bypass: s.bypass };
        if (s.web.enabled) return { service: s.service, mode: 'manual', host: s.web.server, port: s.web.port, bypass: s.bypass };
        return { service: s.service, mode: 'off', bypass: s.bypass };
      });
    },
    async apply(target: AppliedProxy, current) {
      for (const { service } of current.services) {
        if (target.mode === 'manual') {
          // -setwebproxy also switches the proxy on.
          await ns(['-setwebproxy', service, target.host, String(target.port)]);
          await ns(['-setsecurewebproxy', service, target.host, String(target.port)]);
          await ns(['-setautoproxystate', service, 'off']);
        } else {
          await ns(['-setautoproxyurl', service, target.pacUrl]);
          await ns(['-setwebproxystate', service, 'off']);
          await ns(['-setsecurewebproxystate', service, 'off']);
        }
        await setBypass(service, macBypass(target.bypass));
      }
    },
    async restore(original, current) {
      const present = new Set(current.services.map((s) => s.service));
      for (const s of original.services) {
        // A service removed since the snapshot has nothing left to restore.
        if (!present.has(s.service)) continue;
        // networksetup cannot blank a server field, so an originally empty one keeps ours, switched off.
        if (s.web.server) await ns(['-setwebproxy', s.service, s.web.server, String(s.web.port)]);
        await ns(['-setwebproxystate', s.service, onOff(s.web.enabled)]);
        if (s.secure.server) await ns(['-setsecurewebproxy', s.service, s.secure.server, String(s.secure.port)]);
        await ns(['-setsecurewebproxystate', s.service, onOff(s.secure.enabled)]);
        if (s.auto.url) await ns(['-setautoproxyurl', s.service, s.auto.url]);
        await ns(['-setautoproxystate', s.service, onOff(s.auto.enabled)]);
        await setBypass(s.service, s.bypass);
      }
    },
  };
}
