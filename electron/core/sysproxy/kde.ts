/**
 * KDE Plasma: the [Proxy Settings] group of kioslaverc, written with kwriteconfig5/6 (what System
 * Settings itself writes), then KIO is told to re-read it.
 */
import { runChecked, type CommandRunner } from '../base/command';
import type { AppliedProxy, ProxyView, SysproxyBackend } from './types';

export const KDE_KEYS = ['ProxyType', 'httpProxy', 'httpsProxy', 'Proxy Config Script', 'NoProxyFor'] as const;
/** Key → value; null = not set in the file (restored by deleting it). */
export type KdeProxyState = Record<(typeof KDE_KEYS)[number], string | null>;

export function kdeToolVersion(env: NodeJS.ProcessEnv): 5 | 6 {
  return Number(env.KDE_SESSION_VERSION) >= 6 ? 6 : 5;
}

export function createKdeBackend(run: CommandRunner, version: 5 | 6): SysproxyBackend<KdeProxyState> {
  const read = `kreadconfig${version}`;
  const write = `kwriteconfig${version}`;
  const where = ['--file', 'kioslaverc', '--group', 'Proxy Settings', '--key'];
  const setKey = (key: string, value: string) => runChecked(run, write, [...where, key, value]);
  const deleteKey = (key: string) => runChecked(run, write, [...where, key, '--delete']);
  const notify = async () => {
    // Running KIO workers re-read the file on this signal; without a session bus there is nobody to tell.
    await run('dbus-send', ['--type=signal', '/KIO/Scheduler', 'org.kde.KIO.Scheduler.reparseSlaveConfiguration', 'string:']);
  };
  const hostPort = (host: string, port: number) => `http://${host} ${port}`;

  return {
    name: 'kde',
    async unavailableReason() {
      const r = await run(read, ['--file', 'kioslaverc', '--group', 'Proxy Settings', '--key', 'ProxyType']);
      return r.code === 0 ? undefined : `${read} is not usable: ${r.stderr.trim()}`;
    },
    async read() {
      const state = {} as KdeProxyState;
      for (const key of KDE_KEYS) {
        const value = (await runChecked(run, read, [...where, key])).replace(/\r?\n$/, '');
        state[key] = value === '' ? null : value;
      }
      return state;
    },
    view(s): ProxyView[] {
      const bypass = (s.NoProxyFor ?? '').split(',').map((b) => b.trim()).filter(Boolean);
      if (s.ProxyType === '2') return [{ mode: 'pac', pacUrl: s['Proxy Config Script'] ?? '', bypass }];
      if (s.ProxyType === '1') {
        const m = /^(?:\w+:\/\/)?([^\s:]+|\[[^\]]+\])[\s:]+(\d+)$/.exec(s.httpProxy ?? '');
        return [{ mode: 'manual', host: m?.[1], port: m ? Number(m[2]) : undefined, bypass }];
      }
      return [{ mode: 'off', bypass }];
    },
    async apply(target: AppliedProxy) {
      await setKey('NoProxyFor', target.bypass.join(','));
      if (target.mode === 'manual') {
        await setKey('httpProxy', hostPort(target.host, target.port));
        await setKey('httpsProxy', hostPort(target.host, target.port));
        await setKey('ProxyType', '1');
      } else {
        await setKey('Proxy Config Script', target.pacUrl);
        await setKey('ProxyType', '2');
      }
      await notify();
    },
    async restore(original, current) {
      for (const key of [...KDE_KEYS].reverse()) {
        const value = original[key];
        if (value !== null) await setKey(key, value);
        else if (current[key] !== null) await deleteKey(key);
      }
      await notify();
    },
  };
}
