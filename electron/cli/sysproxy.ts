/**
 * `hindsight sysproxy status | restore`: shows the OS proxy setting and whether Hindsight set it, and puts
 * the user's own setting back after a crash (the snapshot in the data dir says what it was).
 */
import { parseArgs } from 'node:util';
import { dataPaths, defaultDataDir } from '../core/paths';
import { createSystemProxy, type ProxyView, type RestoreOutcome, type SysproxyStatus } from '../core/sysproxy';
import type { CliOutput } from './ca';

export const usage = `Usage: hindsight sysproxy status | restore [--force] [--data DIR] [--json]

  status       the OS proxy setting now, and whether Hindsight set it
  restore      put back the proxy setting Hindsight replaced (after a crash; done at every start anyway)
  --force      restore even while the Hindsight that set it is still running
  --data DIR   data folder (default: ${defaultDataDir()})
  --json       machine-readable output
  -h, --help   show this help`;

export function describeView(v: ProxyView): string {
  const where = v.service ? `${v.service}: ` : '';
  const bypass = v.bypass.length ? ` (bypass: ${v.bypass.join(', ')})` : '';
  if (v.mode === 'manual') return `${where}proxy ${v.host}:${v.port}${bypass}`;
  if (v.mode === 'pac') return `${where}PAC ${v.pacUrl}${bypass}`;
  return `${where}no proxy`;
}

export function describeStatus(s: SysproxyStatus): string {
  const lines = [`backend: ${s.backend ?? 'none'}${s.supported ? '' : ` (unsupported: ${s.reason})`}`];
  for (const v of s.current) lines.push(`current: ${describeView(v)}`);
  if (s.snapshot) {
    const owner = s.snapshot.ownerAlive ? `Hindsight pid ${s.snapshot.pid} (running)` : `Hindsight pid ${s.snapshot.pid}, no longer running`;
    lines.push(`set by: ${owner} at ${new Date(s.snapshot.at).toISOString()}`);
    if (s.snapshot.stale) lines.push(s.enabledByUs ? 'run `hindsight sysproxy restore` to put your own setting back' : 'the setting was changed since; `restore` will only forget the snapshot');
  } else {
    lines.push('set by: not Hindsight');
  }
  return lines.join('\n');
}

export function describeOutcome(o: RestoreOutcome): string {
  if (o.restored) return 'restored the proxy setting you had before Hindsight changed it';
  switch (o.reason) {
    case 'no-snapshot':
      return 'nothing to restore: Hindsight has not changed the proxy setting';
    case 'owner-running':
      return `not restored: the Hindsight that set it is still running (${o.detail}); quit it, or pass --force`;
    case 'changed-since':
      return 'not restored: the setting was changed after Hindsight set it, so it was left as it is';
    case 'unsupported':
      return `not restored: ${o.detail}`;
  }
}

export async function run(argv: string[], out: CliOutput = process, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { data: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    out.stderr.write(`hindsight sysproxy: ${err instanceof Error ? err.message : String(err)}\n\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.stdout.write(`${usage}\n`);
    return 0;
  }
  const action = positionals[0];
  if (positionals.length !== 1 || (action !== 'status' && action !== 'restore')) {
    out.stderr.write(`hindsight sysproxy: say status or restore\n\n${usage}\n`);
    return 2;
  }
  const dataDir = values.data ?? defaultDataDir(env);
  const sp = createSystemProxy({ snapshotFile: dataPaths(dataDir).sysproxySnapshot, env });
  try {
    if (action === 'status') {
      const s = await sp.status();
      out.stdout.write(values.json ? `${JSON.stringify(s, null, 2)}\n` : `${describeStatus(s)}\n`);
      return 0;
    }
    const o = await sp.restore({ force: values.force });
    out.stdout.write(values.json ? `${JSON.stringify(o)}\n` : `${describeOutcome(o)}\n`);
    return o.restored || o.reason === 'no-snapshot' || o.reason === 'changed-since' ? 0 : 1;
  } catch (err) {
    out.stderr.write(`hindsight sysproxy: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await sp.dispose();
  }
}
