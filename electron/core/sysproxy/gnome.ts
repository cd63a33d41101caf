/**
 * Linux desktops that use GSettings (GNOME, Cinnamon, Budgie, … and Chromium/Firefox reading
 * org.gnome.system.proxy). Values are kept as GVariant text, exactly as `gsettings get` prints them, so a
 * restore writes back precisely what was there.
 */
import { runChecked, type CommandRunner } from '../base/command';
import type { AppliedProxy, ProxyView, SysproxyBackend } from './types';

/** The keys Hindsight writes, and so snapshots: [schema, key]. */
export const GNOME_KEYS = [
  ['org.gnome.system.proxy', 'mode'],
  ['org.gnome.system.proxy', 'autoconfig-url'],
  ['org.gnome.system.proxy', 'ignore-hosts'],
  ['org.gnome.system.proxy', 'use-same-proxy'],
  ['org.gnome.system.proxy.http', 'host'],
  ['org.gnome.system.proxy.http', 'port'],
  ['org.gnome.system.proxy.https', 'host'],
  ['org.gnome.system.proxy.https', 'port'],
] as const;

/** "schema key" → GVariant text. */
export type GnomeProxyState = Record<string, string>;

export function gvariantString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
export function gvariantStringArray(items: string[]): string {
  return `[${items.map(gvariantString).join(', ')}]`;
}
/** Reads the quoted strings out of GVariant text ('a', ['a', "b"], @as []). */
export function parseGVariantStrings(text: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
  return out;
}

export function createGnomeBackend(run: CommandRunner): SysproxyBackend<GnomeProxyState> {
  const gs = (args: string[]) => runChecked(run, 'gsettings', args);
  const set = (schema: string, key: string, value: string) => gs(['set', schema, key, value]);

  return {
    name: 'gnome',
    async unavailableReason() {
      const r = await run('gsettings', ['list-keys', 'org.gnome.system.proxy']);
      if (r.code === -1) return 'gsettings is not installed (Debian/Ubuntu: libglib2.0-bin)';
      if (r.code !== 0) return `the org.gnome.system.proxy schema is missing (gsettings-desktop-schemas): ${r.stderr.trim()}`;
      return undefined;
    },
    async read() {
      const state: GnomeProxyState = {};
      for (const [schema, key] of GNOME_KEYS) state[`${schema} ${key}`] = (await gs(['get', schema, key])).trim();
      return state;
    },
    view(s): ProxyView[] {
      const mode = parseGVariantStrings(s['org.gnome.system.proxy mode'] ?? '')[0];
      const bypass = parseGVariantStrings(s['org.gnome.system.proxy ignore-hosts'] ?? '');
      if (mode === 'auto') return [{ mode: 'pac', pacUrl: parseGVariantStrings(s['org.gnome.system.proxy autoconfig-url'] ?? '')[0] ?? '', bypass }];
      if (mode === 'manual') {
        const host = parseGVariantStrings(s['org.gnome.system.proxy.http host'] ?? '')[0] ?? '';
        const port = Number(s['org.gnome.system.proxy.http port']) || 0;
        return [{ mode: 'manual', host, port, bypass }];
      }
      return [{ mode: 'off', bypass }];
    },
    async apply(target: AppliedProxy) {
      await set('org.gnome.system.proxy', 'ignore-hosts', gvariantStringArray(target.bypass));
      if (target.mode === 'manual') {
        for (const schema of ['org.gnome.system.proxy.http', 'org.gnome.system.proxy.https']) {
          await set(schema, 'host', gvariantString(target.host));
          await set(schema, 'port', String(target.port));
        }
        await set('org.gnome.system.proxy', 'use-same-proxy', 'true');
        await set('org.gnome.system.proxy', 'mode', gvariantString('manual'));
      } else {
        await set('org.gnome.system.proxy', 'autoconfig-url', gvariantString(target.pacUrl));
        await set('org.gnome.system.proxy', 'mode', gvariantString('auto'));
      }
    },
    async restore(original) {
      // mode last, so no app sees the old mode with half-restored values.
      const keys = [...GNOME_KEYS].sort((a, b) => Number(a[1] === 'mode') - Number(b[1] === 'mode'));
      for (const [schema, key] of keys) {
        const value = original[`${schema} ${key}`];
        if (value !== undefined) await set(schema, key, value);
      }
    },
  };
}
