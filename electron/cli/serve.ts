/**
 * `hindsight serve`: the headless proxy. Starts the core (CA, store, capture proxy) and the UI/API server,
 * takes the data dir's lock so `hindsight flows|export` ask this process, and runs until SIGINT/SIGTERM.
 * Status lines (addresses, CA, UI URL) go to stderr; stdout carries only `--log` lines, one JSON object per
 * finished flow, so `hindsight serve --log | jq` works.
 */
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseIpRange } from '../common/cidr';
import { acquireLock, LockHeldError, readLock, type HeldLock } from '../core/api/lock';
import { parseReverseTarget } from '../core/capture/target';
import { createCore, DEFAULT_PROXY_HOST, DEFAULT_PROXY_PORT } from '../core/core';
import type { Core } from '../core/core-types';
import { dataPaths, defaultDataDir } from '../core/paths';
import { DEFAULT_UI_PORT, startUiServer, type UiServer } from '../core/server/ui-server';
import { createSystemProxy, loadSysproxySettings, type SystemProxy } from '../core/sysproxy';
import type { CliOutput } from './ca';
import { describeOutcome } from './sysproxy';
import { version } from './version';
import { applyRulesFile, describeLoadedRules, readRulesFile, type RulesFile } from '../core/rules/rules-file';
import { loadUiToken, saveUiToken, type UiTokenResult } from '../core/server/ui-token';

export const usage = `Usage: hindsight serve [--port 8080] [--ui-port 8081] [--host 127.0.0.1] [--data DIR] [--reverse URL]
                       [--allow CIDR…] [--rules FILE] [--log] [--system-proxy] [--insecure-upstream]
                       [--rotate-token]

Runs the capture proxy and the web UI until interrupted (Ctrl-C). Point any HTTP client at the proxy; trust
the printed CA for HTTPS. Every exchange is recorded in the data folder.

  --port N              proxy port (default ${DEFAULT_PROXY_PORT}; 0 picks a free one)
  --ui-port N           web UI and API port (default ${DEFAULT_UI_PORT}; 0 picks a free one)
  --host ADDR           listen address for both (default ${DEFAULT_PROXY_HOST}; beyond loopback only this
                        machine and --allow addresses may connect)
  --data DIR            data folder (default: ${defaultDataDir()})
  --reverse URL         reverse mode: plain requests to the proxy port go to URL (http://host:port or https://host)
  --allow CIDR          clients allowed besides this machine; repeat the flag or separate with commas
  --rules FILE          load rules (mocks, map-remote, breakpoints) from a JSON file at start: an array
                        of rules or a device profile export; a bad file is refused (exit 2)
  --log                 print one JSON line per finished flow to stdout
  --system-proxy        point this machine's proxy setting at Hindsight while it runs (restored on exit)
  --insecure-upstream   do not verify servers' TLS certificates
  --rotate-token        replace the UI token kept in the data folder (open tabs and scripts need the new URL)
  -h, --help            show this help`;

export interface ServeOptions {
  port: number;
  uiPort: number;
  host: string;
  dataDir: string;
  reverse?: string;
  allow: string[];
  rules?: string;
  log: boolean;
  systemProxy: boolean;
  insecureUpstream: boolean;
  rotateToken?: boolean;
}

/** Parses and checks every flag; throws an Error whose message names the bad one. */
export function parseServeArgs(argv: string[]): ServeOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      reverse: { type: 'string' },
      allow: { type: 'string', multiple: true },
      rules: { type: 'string' },
      log: { type: 'boolean' },
      'system-proxy': { type: 'boolean' },
      'insecure-upstream': { type: 'boolean' },
      'rotate-token': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const host = values.host ?? DEFAULT_PROXY_HOST;
  if (host !== 'localhost' && !net.isIP(host)) throw new Error(`--host expects an IP address of this machine (or localhost), got '${host}'`);
  const allow = (values.allow ?? []).flatMap((a) => a.split(',')).map((a) => a.trim()).filter(Boolean);
  for (const entry of allow) {
    const parsed = parseIpRange(entry);
    if (!parsed.ok) throw new Error(`--allow ${entry}: ${parsed.error}`);
  }
  if (values.reverse !== undefined) {
    try {
      parseReverseTarget(values.reverse);
    } catch (err) {
      throw new Error(`--reverse: ${(err as Error).message}`);
    }
  }
  return {
    port: portOption('--port', values.port, DEFAULT_PROXY_PORT),
    uiPort: portOption('--ui-port', values['ui-port'], DEFAULT_UI_PORT),
    host,
    dataDir: path.resolve(values.data ?? defaultDataDir()),
    reverse: values.reverse,
    allow,
    rules: values.rules,
    log: !!values.log,
    systemProxy: !!values['system-proxy'],
    insecureUpstream: !!values['insecure-upstream'],
    rotateToken: !!values['rotate-token'],
  };
}

function portOption(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`${flag} expects a port number (0–65535), got '${text}'`);
  return port;
}

export async function run(argv: string[], out: CliOutput = process): Promise<number> {
  let options: ServeOptions | 'help';
  try {
    options = parseServeArgs(argv);
  } catch (err) {
    out.stderr.write(`hindsight serve: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  if (options === 'help') {
    out.stdout.write(`${usage}\n`);
    return 0;
  }
  const say = (line: string) => out.stderr.write(`${line}\n`);
  // Rules (electron/core/rules/rules-file.ts): checked before anything starts, stored once the core is up.
  let rulesFile: RulesFile | undefined;
  try {
    if (options.rules) rulesFile = readRulesFile(options.rules);
  } catch (err) {
    say(`hindsight serve: --rules ${(err as Error).message}`);
    return 2;
  }
  let rulesLine: string | undefined;
  const holder = readLock(options.dataDir);
  if (holder) {
    say(`hindsight serve: ${options.dataDir} is in use by another hindsight (pid ${holder.pid}, proxy port ${holder.proxyPort})`);
    return 1;
  }

  let core: Core | undefined;
  let ui: UiServer | undefined;
  let uiToken: UiTokenResult | undefined;
  let lock: HeldLock | undefined;
  let systemProxy: SystemProxy | undefined;
  let systemProxySet = false;
  const stop = async () => {
    if (systemProxy) {
      const outcome = await systemProxy.disable().catch((err: Error) => ({ restored: false as const, reason: 'unsupported' as const, detail: err.message }));
      if (systemProxySet) say(`System proxy: ${describeOutcome(outcome)}`);
      await systemProxy.dispose();
    }
    lock?.release();
    await ui?.close();
    await core?.dispose();
  };
  try {
    core = await createCore({
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      reverse: options.reverse,
      allow: options.allow,
      insecureUpstream: options.insecureUpstream,
      version,
      onLog: options.log ? (line) => out.stdout.write(`${JSON.stringify(line)}\n`) : undefined,
    });
    const loadedRules = rulesFile && (await applyRulesFile(core.rules.store, rulesFile));
    if (rulesFile && loadedRules) rulesLine = describeLoadedRules(rulesFile.file, loadedRules);
    // One token per data folder, so open tabs survive a restart (--rotate-token replaces it).
    uiToken = loadUiToken(options.dataDir, { rotate: options.rotateToken });
    ui = await startUiServer(core, {
      host: options.host,
      port: options.uiPort,
      token: uiToken.token,
      // Settings → UI access → Rotate: kept for the next start, and in the lock for the CLI.
      onTokenRotated: (token) => {
        saveUiToken(options.dataDir, token);
        lock?.setToken(token);
      },
      onError: (err, where) => say(`UI server error (${where}): ${(err as Error).message ?? err}`) });
    lock = acquireLock(options.dataDir, { uiHost: ui.host, uiPort: ui.port, token: ui.token, proxyPort: core.proxyAddress().port });
  } catch (err) {
    await stop().catch(() => {});
    const message = err instanceof LockHeldError ? `${options.dataDir} is in use: ${err.message}` : (err as Error).message;
    say(`hindsight serve: ${message}`);
    return 1;
  }

  const proxy = core.proxyAddress();
  const proxyHost = proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host;
  say(`Hindsight ${version}`);
  say(`Proxy:  http://${proxyHost}:${proxy.port}${options.reverse ? `  (reverse mode → ${options.reverse})` : '  (HTTP and HTTPS, intercepted)'}`);
  say(`CA:     ${core.ca.certPath}  (trust it in your client, e.g. curl --cacert ${core.ca.certPath})`);
  say(`UI:     ${ui.url}`);
  say(`Data:   ${options.dataDir}`);
  for (const notice of core.startupNotices) say(notice);
  if (uiToken?.fresh === 'rotated') say('UI token: replaced; tabs and scripts holding the old one need the new UI URL');
  if (options.host !== 'localhost' && !/^(127\.|::1$)/.test(options.host)) {
    say(options.allow.length ? `Allowed clients: this machine, ${options.allow.join(', ')}` : 'Allowed clients: this machine only (add --allow CIDR for others)');
  }
  if (rulesLine) say(`Rules:  ${rulesLine}`);
  if (options.systemProxy) {
    systemProxy = createSystemProxy({ snapshotFile: dataPaths(options.dataDir).sysproxySnapshot });
    try {
      await systemProxy.restoreIfStale();
      // The bypass list and PAC mode the user chose in the app (defaults until then).
      const { bypass, pac } = loadSysproxySettings(options.dataDir);
      const status = await systemProxy.enable({ host: options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host, port: proxy.port, bypass, pac });
      systemProxySet = status.enabledByUs;
      say(status.enabledByUs ? 'System proxy: set to Hindsight (your setting comes back on exit)' : `System proxy: not changed (${status.reason ?? 'the OS did not take the new setting'})`);
    } catch (err) {
      say(`System proxy: not changed (${(err as Error).message})`);
    }
  }
  say('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  say('Stopping…');
  await stop();
  return 0;
}
