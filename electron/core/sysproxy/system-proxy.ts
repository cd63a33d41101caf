/**
 * The OS proxy switch with a crash-safe snapshot: before the first change the user's own setting is
 * written to disk; disable, quit and the next start after a crash put it back — but only while the OS
 * still points at us, so a setting the user changed in the meantime is never overwritten.
 */
import { createCommandRunner, type CommandRunner } from '../base/command';
import { createGnomeBackend } from './gnome';
import { createKdeBackend, kdeToolVersion } from './kde';
import { createMacBackend } from './macos';
import { pacScript, startPacServer, type PacServer } from './pac';
import { isProcessAlive, readSnapshot, removeSnapshot, writeSnapshot } from './snapshot';
import type { AppliedProxy, BackendName, EnableOptions, ProxyView, RestoreOutcome, SysproxyBackend, SysproxySnapshot, SysproxyStatus, SystemProxy } from './types';
import { createWindowsBackend } from './windows';

export interface SystemProxyOptions {
  /** Where the snapshot lives: dataPaths(dataDir).sysproxySnapshot. */
  snapshotFile: string;
  platform?: NodeJS.Platform;
  /** Environment of the OS tools (and KDE detection); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Runs OS tools; tests inject one to see the exact commands. */
  run?: CommandRunner;
  /** This process (the owner written into the snapshot). */
  pid?: number;
  isAlive?: (pid: number) => boolean;
  now?: () => number;
}

export function isKdeSession(env: NodeJS.ProcessEnv): boolean {
  return /\bKDE\b/i.test(env.XDG_CURRENT_DESKTOP ?? '') || env.KDE_FULL_SESSION === 'true';
}

/** Which backend this OS/desktop uses. */
export function backendNameFor(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): BackendName {
  if (platform === 'win32') return 'windows';
  if (platform === 'darwin') return 'macos';
  return isKdeSession(env) ? 'kde' : 'gnome';
}

export function createBackend(name: BackendName, run: CommandRunner, env: NodeJS.ProcessEnv): SysproxyBackend {
  switch (name) {
    case 'windows':
      return createWindowsBackend(run) as SysproxyBackend;
    case 'macos':
      return createMacBackend(run) as SysproxyBackend;
    case 'kde':
      return createKdeBackend(run, kdeToolVersion(env)) as SysproxyBackend;
    case 'gnome':
      return createGnomeBackend(run) as SysproxyBackend;
  }
}

/** Whether any of the OS views is the setting Hindsight applied. */
export function pointsAt(views: ProxyView[], applied: AppliedProxy): boolean {
  return views.some((v) =>
    applied.mode === 'manual' ? v.mode === 'manual' && v.host === applied.host && v.port === applied.port : v.mode === 'pac' && v.pacUrl === applied.pacUrl,
  );
}

export function createSystemProxy(options: SystemProxyOptions): SystemProxy {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const run = options.run ?? createCommandRunner(env);
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  const now = options.now ?? Date.now;
  const file = options.snapshotFile;
  const backend = createBackend(backendNameFor(platform, env), run, env);
  let pac: PacServer | undefined;
  // One change at a time: a tray click during a quit must not interleave reg/gsettings writes.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const next = queue.then(job, job);
    queue = next.catch(() => undefined);
    return next;
  };

  const ownerRunning = (snap: SysproxySnapshot) => snap.pid !== pid && isAlive(snap.pid);

  async function restoreFrom(snap: SysproxySnapshot): Promise<RestoreOutcome> {
    // The snapshot is in the format of the backend that wrote it (a user may have switched desktops).
    const b = snap.backend === backend.name ? backend : createBackend(snap.backend, run, env);
    const reason = await b.unavailableReason();
    if (reason) return { restored: false, reason: 'unsupported', detail: reason };
    const current = await b.read();
    if (!pointsAt(b.view(current), snap.applied)) {
      removeSnapshot(file);
      return { restored: false, reason: 'changed-since', detail: 'the OS proxy setting was changed after Hindsight set it; left as it is' };
    }
    await b.restore(snap.original, current);
    removeSnapshot(file);
    return { restored: true };
  }

  async function closePac(): Promise<void> {
    const p = pac;
    pac = undefined;
    await p?.dispose();
  }

  async function status(): Promise<SysproxyStatus> {
    const reason = await backend.unavailableReason();
    const snap = readSnapshot(file);
    const current = reason ? [] : backend.view(await backend.read());
    const result: SysproxyStatus = {
      backend: backend.name,
      supported: !reason,
      current,
      enabledByUs: !!snap && snap.backend === backend.name && pointsAt(current, snap.applied),
    };
    if (reason) result.reason = reason;
    if (snap) {
      const alive = snap.pid === pid || isAlive(snap.pid);
      result.snapshot = { pid: snap.pid, at: snap.at, applied: snap.applied, ownerAlive: alive, stale: !alive };
    }
    return result;
  }

  return {
    status: () => serial(status),
    enable: (opts: EnableOptions) =>
      serial(async () => {
        const reason = await backend.unavailableReason();
        if (reason) throw new Error(`cannot set the system proxy here: ${reason}`);
        let snap = readSnapshot(file);
        if (snap && ownerRunning(snap)) throw new Error(`the system proxy is held by another Hindsight process (pid ${snap.pid})`);
        if (snap && snap.pid !== pid) {
          await restoreFrom(snap);
          snap = undefined;
        }
        let applied: AppliedProxy;
        if (opts.pac) {
          const script = pacScript(opts.host, opts.port, opts.bypass);
          if (pac) pac.setScript(script);
          else pac = await startPacServer(script);
          applied = { mode: 'pac', pacUrl: pac.url, bypass: [...opts.bypass] };
        } else {
          await closePac();
          applied = { mode: 'manual', host: opts.host, port: opts.port, bypass: [...opts.bypass] };
        }
        const current = await backend.read();
        // Enabling again (new port, PAC on/off) keeps the user's original from the first time.
        const original = snap && snap.backend === backend.name ? snap.original : current;
        writeSnapshot(file, { version: 1, backend: backend.name, pid, at: now(), applied, original });
        try {
          await backend.apply(applied, current);
        } catch (err) {
          // Half-applied: put the user's setting back rather than leave a mix.
          await backend.restore(original, await backend.read()).catch(() => undefined);
          removeSnapshot(file);
          await closePac();
          throw err;
        }
        return status();
      }),
    disable: () =>
      serial(async () => {
        const snap = readSnapshot(file);
        let outcome: RestoreOutcome;
        if (!snap) outcome = { restored: false, reason: 'no-snapshot' };
        else if (ownerRunning(snap)) outcome = { restored: false, reason: 'owner-running', detail: `pid ${snap.pid}` };
        else outcome = await restoreFrom(snap);
        await closePac();
        return outcome;
      }),
    restoreIfStale: () =>
      serial(async () => {
        const snap = readSnapshot(file);
        if (!snap) return { restored: false, reason: 'no-snapshot' } as const;
        if (snap.pid === pid || isAlive(snap.pid)) return { restored: false, reason: 'owner-running', detail: `pid ${snap.pid}` } as const;
        return restoreFrom(snap);
      }),
    restore: (opts) =>
      serial(async () => {
        const snap = readSnapshot(file);
        if (!snap) return { restored: false, reason: 'no-snapshot' } as const;
        if (ownerRunning(snap) && !opts?.force) return { restored: false, reason: 'owner-running', detail: `pid ${snap.pid}` } as const;
        return restoreFrom(snap);
      }),
    dispose: () => serial(closePac),
  };
}
