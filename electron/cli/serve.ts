/**
 * `hindsight serve`: the headless proxy. Starts the core (CA, store, capture proxy) and the UI/API server,
 * takes the data dir's lock so `hindsight flows|export` ask this process, and runs until SIGINT/SIGTERM.
 * Status lines (addresses, CA, UI URL) go to stderr; stdout carries only `--log` lines, one JSON object per
 * finished flow, so `hindsight serve --log | jq` works.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseIpRange } from '../common/cidr';
import { acquireLock, LockHeldError, readLock, type HeldLock } from '../core/instance/lock';
import { parseReverseTarget } from '../core/capture/target';
import { createCore, createTeamCore, DEFAULT_PROXY_HOST, DEFAULT_PROXY_PORT } from '../core/core';
import type { AnyCore, CoreOptions } from '../core/core-types';
import { dataPaths, defaultDataDir } from '../core/paths';
import { DEFAULT_UI_PORT, startUiServer, type UiServer } from '../core/server/ui-server';
import { createSystemProxy, loadSysproxySettings, type SystemProxy } from '../core/sysproxy';
import type { CliOutput } from './ca';
import { describeOutcome } from './sysproxy';
import { version } from './version';
import { applyRulesFile, describeLoadedRules, readRulesFile, type RulesFile } from '../core/rules/rules-file';
import { readUpstreamCaFile } from '../core/capture/upstream-ca';
import { failureLine, fsErrorLine, isFsError } from './fs-errors';
import { DEFAULT_RELAY_HOST, DEFAULT_RELAY_PORT, DEFAULT_TARGETS } from '../common/inspect';
import { FlowLogger, LOG_RECENT_BODIES } from '../core/log/flow-logger';
import { lineString } from '../core/log/detailed-line';
import { reportShedExchanges, type ShedReport } from '../core/log/shed-report';
import { LogFile } from '../core/log/log-file';
import { loadUiToken, saveUiToken, type UiTokenResult } from '../core/server/ui-token';
import { redactUrl } from '../core/store/pg/pg-db';
import { keepDaysOf, keepFlowsOf, retentionOf, STORE_FLAG, storeUrlOf } from './store-flags';
import { boundHeapGrowth } from '../core/base/heap-growth';
import { SHUTDOWN_DEADLINE_MS, stopWithin } from './shutdown';

export const DEFAULT_LOG_BODY_KB = 64;

export const usage = `Usage: hindsight serve [--port 8080] [--ui-port 8081] [--host 127.0.0.1] [--data DIR] [--reverse URL]
                       [--allow CIDR…] [--rules FILE] [--log] [--system-proxy] [--insecure-upstream]
                       [--upstream-ca FILE…] [--inspect-relay [PORT]]
                       [--log-bodies [KB]] [--log-file PATH] [--log-unmasked] [--metrics-public]
                       [--upstream-timeout S] [--body-timeout S] [--rotate-token] [--http2 auto|off]
                       [--no-capture]
                       [--store postgres://…] [--node NAME] [--keep-flows N] [--keep-days D]
                       [--proto DIR…]
                       [--socks-user NAME]
                       [--max-header-size BYTES] [--raw-utf8-paths]

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
  --log-bodies [KB]     log lines also carry query, content types, client port, request id, headers and
                        both bodies (text, or base64 when binary), each cut at KB kilobytes (default ${DEFAULT_LOG_BODY_KB})
  --log-file PATH       append the log lines to PATH (created 0600) instead of stdout; reopened on SIGHUP
                        (logrotate); implies --log
  --log-unmasked        do not mask credentials (Authorization, Cookie, Set-Cookie, Proxy-Authorization…)
                        and password/token/secret fields in log lines
                        HINDSIGHT_LOG=off|on|bodies overrides the flags: off = no lines, on = lines
                        without bodies, bodies = with bodies
  --system-proxy        point this machine's proxy setting at Hindsight while it runs (restored on exit)
  --metrics-public      serve GET /metrics (Prometheus) on the UI port without a token (default: it needs
                        'Authorization: Bearer TOKEN', the UI token or a user's); GET /healthz never needs one
  --insecure-upstream   do not verify servers' TLS certificates
  --upstream-ca FILE    also trust the CA certificates (PEM) in FILE for servers' TLS (a private or company
                        CA); repeat the flag for more. <data>/upstream-ca.pem is trusted at every start.
  --inspect-relay [PORT]  run a Node inspector relay on ${DEFAULT_RELAY_HOST}:PORT (default ${DEFAULT_RELAY_PORT}) watching
                        ports ${DEFAULT_TARGETS}; debugging sessions are recorded (see hindsight inspect --help)
  --upstream-timeout S  seconds a request waits for the server's response headers, connecting included
                        (default 300, as Firefox waits); then 504. A response that has begun is never
                        cut for being quiet: SSE, long-polls and WebSockets stay open
  --body-timeout S      cut a response body that stays quiet S seconds (default: never)
  --http2 auto|off      HTTP/2 with clients (ALPN h2, h2c in tunnels and reverse mode) and with servers that
                        negotiate it (default auto); off keeps both sides on HTTP/1.1
  --max-header-size BYTES  largest request or response header section accepted (default 65536, 64 KB;
                        1024–16777216); a request over it gets 431, a response over it 502, both recorded
  --raw-utf8-paths      raw UTF-8 bytes in HTTP/1.1 request paths (curl sends them) are taken by default (sent on
                        percent-encoded); this reads every connection through the encoder, as before that
                        default, which also takes a request line cut across TCP reads; costs 10–20 % of
                        HTTP/1.1 forwarding speed
  --rotate-token        replace the UI token kept in the data folder (open tabs and scripts need the new URL)
  --no-capture          start with capture off: traffic is forwarded (rules still apply), nothing is recorded
                        until capture is switched on in the UI
  --store URL           keep flows, bodies and messages in PostgreSQL (postgres://user@host/db; default
                        HINDSIGHT_STORE) instead of the data folder; several serve processes (nodes) may share
                        one database and each UI shows every node's flows live. The data folder still holds
                        the CA, rules and settings
  --node NAME           this node's name, recorded on every flow it captures (with --store; default: host name)
  --keep-flows N        keep at most N unpinned flows (default 60,000, trimming the oldest 10,000 past it)
  --keep-days D         also remove unpinned flows older than D days; pinned flows are never removed
  --proto DIR           load every .proto file under DIR (imports resolve against it, as protoc -I): gRPC
                        messages are shown with field names and mock rules can answer from JSON; repeat the
                        flag for more folders
  --socks-user NAME     SOCKS5 clients on the proxy port must log in as NAME with the password in the
                        HINDSIGHT_SOCKS_PASSWORD environment variable (kept out of the command line);
                        without it SOCKS5 needs no login (the proxy port also speaks SOCKS5)
  -h, --help            show this help`;

const LOG_SWITCH = ['off', 'on', 'bodies'] as const;

export interface ServeOptions {
  port: number;
  uiPort: number;
  host: string;
  dataDir: string;
  reverse?: string;
  allow: string[];
  rules?: string;
  log: boolean;
  /** Bytes of each body in a log line; undefined = lines without bodies. */
  logBodyBytes?: number;
  logFile?: string;
  logUnmasked: boolean;
  systemProxy: boolean;
  /** GET /metrics without a token. */
  metricsPublic?: boolean;
  insecureUpstream: boolean;
  /** --upstream-ca files, checked and read at start. */
  upstreamCa: string[];
  /** The inspector relay's port (`--inspect-relay [PORT]`). */
  inspectRelay?: number;
  /** ms; absent: the core's default (300 s). */
  upstreamTimeoutMs?: number;
  /** ms; absent: a quiet body is never cut. */
  bodyIdleTimeoutMs?: number;
  /** bytes; absent: the core's default (64 KB). */
  maxHeaderSize?: number;
  rawUtf8Paths?: boolean;
  rotateToken?: boolean;
  /** `--no-capture`: start with capture off (forwarding only). */
  noCapture?: boolean;
  /** `--http2`: absent means the core's default (auto). */
  http2?: 'auto' | 'off';
  /** --store / HINDSIGHT_STORE: the PostgreSQL store's URL. */
  storeUrl?: string;
  node?: string;
  keepFlows?: number;
  keepDays?: number;
  /** --proto folders, resolved. */
  protoDirs?: string[];
  /** --socks-user with HINDSIGHT_SOCKS_PASSWORD: the login SOCKS5 clients must give. */
  socksCredentials?: { username: string; password: string };
}

/** `--log-bodies` takes an optional number: `--log-bodies 128` becomes `--log-bodies=128`, a bare one the default. */
function withLogBodiesValue(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--log-bodies') out.push(argv[i]);
    else if (/^\d+$/.test(argv[i + 1] ?? '')) out.push(`--log-bodies=${argv[++i]}`);
    else out.push(`--log-bodies=${DEFAULT_LOG_BODY_KB}`);
  }
  return out;
}

/** Parses and checks every flag; throws an Error whose message names the bad one. */
export function parseServeArgs(argv: string[], env: Record<string, string | undefined> = process.env): ServeOptions | 'help' {
  const { values } = parseArgs({
    args: withLogBodiesValue(withInspectRelayPort(argv)),
    options: {
      port: { type: 'string' },
      'ui-port': { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      reverse: { type: 'string' },
      allow: { type: 'string', multiple: true },
      rules: { type: 'string' },
      log: { type: 'boolean' },
      'log-bodies': { type: 'string' },
      'log-file': { type: 'string' },
      'log-unmasked': { type: 'boolean' },
      'system-proxy': { type: 'boolean' },
      'metrics-public': { type: 'boolean' },
      'insecure-upstream': { type: 'boolean' },
      'upstream-ca': { type: 'string', multiple: true },
      'inspect-relay': { type: 'string' },
      'upstream-timeout': { type: 'string' },
      'body-timeout': { type: 'string' },
      'max-header-size': { type: 'string' },
      'raw-utf8-paths': { type: 'boolean' },
      'rotate-token': { type: 'boolean' },
      'no-capture': { type: 'boolean' },
      http2: { type: 'string' },
      ...STORE_FLAG,
      node: { type: 'string' },
      'keep-flows': { type: 'string' },
      'keep-days': { type: 'string' },
      proto: { type: 'string', multiple: true },
      'socks-user': { type: 'string' },
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
  if (values.http2 !== undefined && values.http2 !== 'auto' && values.http2 !== 'off') throw new Error(`--http2 expects auto or off, got '${values.http2}'`);
  const logKb = values['log-bodies'];
  if (logKb !== undefined && (!/^\d+$/.test(logKb) || Number(logKb) < 1 || Number(logKb) > 10240)) {
    throw new Error(`--log-bodies expects a size in kilobytes (1–10240), got '${logKb}'`);
  }
  const socksUser = values['socks-user'];
  if (socksUser !== undefined && (socksUser === '' || Buffer.byteLength(socksUser) > 255)) throw new Error('--socks-user expects a name of 1 to 255 bytes');
  const socksPassword = env.HINDSIGHT_SOCKS_PASSWORD;
  if (socksUser !== undefined && (!socksPassword || Buffer.byteLength(socksPassword) > 255)) throw new Error('--socks-user needs the password (1 to 255 bytes) in the HINDSIGHT_SOCKS_PASSWORD environment variable');
  let log = !!values.log || logKb !== undefined || values['log-file'] !== undefined;
  let logBodyBytes = logKb === undefined ? undefined : Number(logKb) * 1024;
  // The environment wins over the flags, so a deployment switches logging without changing its command.
  const envSwitch = env.HINDSIGHT_LOG?.trim().toLowerCase();
  if (envSwitch) {
    if (!(LOG_SWITCH as readonly string[]).includes(envSwitch)) throw new Error(`HINDSIGHT_LOG must be one of ${LOG_SWITCH.join(', ')}, got '${env.HINDSIGHT_LOG}'`);
    log = envSwitch !== 'off';
    logBodyBytes = envSwitch === 'bodies' ? (logBodyBytes ?? DEFAULT_LOG_BODY_KB * 1024) : undefined;
  }
  const storeUrl = storeUrlOf(values.store, env);
  if (values.node !== undefined && !storeUrl) throw new Error('--node names a node of a shared store: give --store postgres://… too');
  if (values.node !== undefined && !/^[\w.-]{1,64}$/.test(values.node)) throw new Error(`--node expects a name of letters, digits, '.', '_' or '-' (at most 64), got '${values.node}'`);
  const keepFlows = keepFlowsOf(values['keep-flows']);
  const keepDays = keepDaysOf(values['keep-days']);
  return {
    ...(storeUrl ? { storeUrl, node: values.node ?? os.hostname() } : {}),
    ...(keepFlows !== undefined ? { keepFlows } : {}),
    ...(keepDays !== undefined ? { keepDays } : {}),
    port: portOption('--port', values.port, DEFAULT_PROXY_PORT),
    uiPort: portOption('--ui-port', values['ui-port'], DEFAULT_UI_PORT),
    host,
    dataDir: path.resolve(values.data ?? defaultDataDir()),
    reverse: values.reverse,
    allow,
    rules: values.rules,
    log,
    ...(logBodyBytes !== undefined ? { logBodyBytes } : {}),
    ...(log && values['log-file'] !== undefined ? { logFile: path.resolve(values['log-file']) } : {}),
    logUnmasked: !!values['log-unmasked'],
    systemProxy: !!values['system-proxy'],
    ...(values['metrics-public'] ? { metricsPublic: true } : {}),
    insecureUpstream: !!values['insecure-upstream'],
    ...(socksUser !== undefined ? { socksCredentials: { username: socksUser, password: socksPassword! } } : {}),
    upstreamCa: (values['upstream-ca'] ?? []).map((f) => path.resolve(f)),
    ...(values['inspect-relay'] !== undefined ? { inspectRelay: portOption('--inspect-relay', values['inspect-relay'], DEFAULT_RELAY_PORT) } : {}),
    upstreamTimeoutMs: secondsOption('--upstream-timeout', values['upstream-timeout']),
    bodyIdleTimeoutMs: secondsOption('--body-timeout', values['body-timeout']),
    maxHeaderSize: headerSizeOption(values['max-header-size']),
    rawUtf8Paths: values['raw-utf8-paths'] === true ? true : undefined,
    rotateToken: !!values['rotate-token'],
    ...(values['no-capture'] ? { noCapture: true } : {}),
    ...(values.http2 !== undefined ? { http2: values.http2 } : {}),
    ...(values.proto?.length ? { protoDirs: values.proto.map((d) => protoDirOption(d)) } : {}),
  };
}

/** `--inspect-relay` takes an optional port: given bare (last, or before another flag) it means the default. */
function withInspectRelayPort(argv: string[]): string[] {
  return argv.flatMap((arg, i) => (arg === '--inspect-relay' && (i + 1 >= argv.length || argv[i + 1].startsWith('-')) ? [arg, String(DEFAULT_RELAY_PORT)] : [arg]));
}

/** A --proto folder (or one .proto file) that exists, resolved. */
function protoDirOption(dir: string): string {
  const full = path.resolve(dir);
  if (!fs.existsSync(full)) throw new Error(`--proto ${dir}: no such folder`);
  return full;
}

/** A positive number of seconds (fractions allowed) as ms. */
function secondsOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds > 0) || seconds > 86_400) throw new Error(`${flag} expects a number of seconds between 0 and 86400, got '${text}'`);
  return Math.round(seconds * 1000);
}

/** `--max-header-size BYTES`: from 1 KB to 16 MB (Node's parser takes any size; beyond that it is memory for nothing). */
function headerSizeOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const bytes = Number(text);
  if (!/^\d+$/.test(text) || bytes < 1024 || bytes > 16 * 1024 * 1024) throw new Error(`--max-header-size expects a number of bytes from 1024 to 16777216, got '${text}'`);
  return bytes;
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
  // Heaps within 3× what is live under sustained capture, no pretenuring (core/base/heap-growth.ts).
  boundHeapGrowth();
  // Rules (electron/core/rules/rules-file.ts): checked before anything starts, stored once the core is up.
  let rulesFile: RulesFile | undefined;
  try {
    if (options.rules) rulesFile = readRulesFile(options.rules);
  } catch (err) {
    const cause = (err as Error).cause;
    say(`hindsight serve: --rules${isFsError(cause) ? `: ${fsErrorLine(cause, 'read', options.rules)}` : ` ${(err as Error).message}`}`);
    return 2;
  }
  let upstreamCa: string[];
  try {
    upstreamCa = options.upstreamCa.flatMap(readUpstreamCaFile);
  } catch (err) {
    const cause = (err as Error).cause;
    say(`hindsight serve: --upstream-ca${isFsError(cause) ? `: ${fsErrorLine(cause, 'read')}` : ` ${(err as Error).message}`}`);
    return 2;
  }
  let rulesLine: string | undefined;
  let inspectLine: string | undefined;
  const holder = readLock(options.dataDir);
  if (holder) {
    say(`hindsight serve: ${options.dataDir} is in use by another hindsight (pid ${holder.pid}, proxy port ${holder.proxyPort})`);
    return 1;
  }

  // Log lines (electron/core/log): built after each flow finished, written to stdout or --log-file.
  let logFile: LogFile | undefined;
  if (options.log && options.logFile) {
    try {
      logFile = await LogFile.open(options.logFile, (message) => say(`hindsight serve: log: ${message}`));
    } catch (err) {
      say(`hindsight serve: --log-file: ${(err as Error).message}`);
      return 1;
    }
  }
  let core: AnyCore | undefined;
  const logger = options.log
    ? new FlowLogger({
        write: logFile ? (text) => logFile!.write(text) : (text) => void out.stdout.write(lineString(text)),
        read: (ref) => core!.store.bodies.read(ref),
        readKept: (ref) => core!.store.bodies.readKept?.(ref),
        bodyLimit: options.logBodyBytes,
        mask: !options.logUnmasked,
        onError: (err) => say(`hindsight serve: log: ${err.message}`),
      })
    : undefined;
  let shedReport: ShedReport | undefined;
  const onHangup = () => void logFile?.reopen();
  if (logFile) process.on('SIGHUP', onHangup);
  let ui: UiServer | undefined;
  let uiToken: UiTokenResult | undefined;
  let lock: HeldLock | undefined;
  let systemProxy: SystemProxy | undefined;
  let systemProxySet = false;
  const stop = async (step: (what: string, detail?: () => string | undefined) => void = () => {}) => {
    if (systemProxy) {
      step('restoring the system proxy');
      const outcome = await systemProxy.disable().catch((err: Error) => ({ restored: false as const, reason: 'unsupported' as const, detail: err.message }));
      if (systemProxySet) say(`System proxy: ${describeOutcome(outcome)}`);
      await systemProxy.dispose();
    }
    lock?.release();
    step('closing the web UI');
    await ui?.close();
    step('writing the log');
    await logger?.flush();
    shedReport?.stop();
    step('closing the proxy and the flow store', () => core?.store.closeProgress?.());
    await core?.dispose();
    // Flows the shutdown cut short are logged too (their bodies may be gone with the store).
    step('writing the log');
    await logger?.flush();
    process.off('SIGHUP', onHangup);
    step('closing the log file');
    await logFile?.close();
  };
  try {
    const coreOptions: CoreOptions = {
      socksCredentials: options.socksCredentials,
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      reverse: options.reverse,
      allow: options.allow,
      insecureUpstream: options.insecureUpstream,
      upstreamCa,
      upstreamTimeoutMs: options.upstreamTimeoutMs,
      bodyIdleTimeoutMs: options.bodyIdleTimeoutMs,
      http2: options.http2,
      maxHeaderSize: options.maxHeaderSize,
      rawUtf8Paths: options.rawUtf8Paths,
      version,
      onFlowFinished: logger?.push,
      store: retentionOf(options.keepFlows, options.keepDays),
      protoDirs: options.protoDirs,
    };
    core = options.storeUrl ? await createTeamCore({ ...coreOptions, storeUrl: options.storeUrl, node: options.node }) : await createCore(coreOptions);
    // Every body is read back for its log line moments after it was written: keep the newest in memory.
    if (options.log && options.logBodyBytes !== undefined) core.store.bodies.keepRecent?.(LOG_RECENT_BODIES);
    // Exchanges the store sheds get no line: say how many, so a log's reader knows lines are missing.
    if (options.log) {
      const store = core.store;
      shedReport = reportShedExchanges(() => store.dropped(), say);
    }
    // Before the first turn of the event loop, so not one exchange is recorded.
    if (options.noCapture) core.setCapture(false);
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
      metricsPublic: options.metricsPublic,
      onError: (err, where) => say(`UI server error (${where}): ${(err as Error).message ?? err}`) });
    if (options.inspectRelay !== undefined) {
      const relay = await core.inspect.start({ host: DEFAULT_RELAY_HOST, port: options.inspectRelay, targets: [DEFAULT_TARGETS] }).catch((err: Error) => {
        throw new Error(`--inspect-relay: ${err.message}`);
      });
      inspectLine = `${relay.devtoolsUrl}  (relay on ${relay.host}:${relay.port}, watching ${relay.targets.join(', ')}; VS Code: attach to port ${relay.port})`;
    }
    lock = acquireLock(options.dataDir, { uiHost: ui.host, uiPort: ui.port, token: ui.token, proxyPort: core.proxyAddress().port });
  } catch (err) {
    await stop().catch(() => {});
    const message = err instanceof LockHeldError ? `${options.dataDir} is in use: ${err.message}` : failureLine(err);
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
  if (options.noCapture) say('Capture: off (--no-capture): traffic is forwarded, nothing is recorded; switch it on in the UI');
  if (options.storeUrl) say(`Store:  ${redactUrl(options.storeUrl)}  (node ${options.node})`);
  if (options.log) {
    const what = options.logBodyBytes !== undefined ? `with bodies up to ${options.logBodyBytes / 1024} KB` : 'without bodies';
    say(`Log:    one JSON line per flow ${what}, ${options.logUnmasked ? 'secrets NOT masked' : 'secrets masked'}, to ${options.logFile ?? 'stdout'}`);
  }
  for (const notice of core.startupNotices) say(notice);
  const users = core.users.list().length;
  if (users > 0) say(`Users:  ${users} named (hindsight users list); the UI URL above signs in as the owner (an admin)`);
  if (core.users.problem) say(`Users:  ${core.users.problem}`);
  if (uiToken?.fresh === 'rotated') say('UI token: replaced; tabs and scripts holding the old one need the new UI URL');
  if (options.host !== 'localhost' && !/^(127\.|::1$)/.test(options.host)) {
    say(options.allow.length ? `Allowed clients: this machine, ${options.allow.join(', ')}` : 'Allowed clients: this machine only (add --allow CIDR for others)');
  }
  if (rulesLine) say(`Rules:  ${rulesLine}`);
  if (inspectLine) say(`Inspect: ${inspectLine}`);
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

  // Runs until a signal, or until the store fails for good: then exit 1, so systemd or a container
  // runtime restarts the server instead of leaving a proxy that forwards but keeps nothing.
  let fatal: Error | undefined;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      storeFailed?.dispose();
      resolve();
    };
    const storeFailed = core!.store.onDidFail?.((err) => {
      fatal ??= err;
      done();
    });
    core!.store.ready.catch((err: Error) => {
      fatal ??= err;
      done();
    });
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  if (fatal) {
    say(`hindsight serve: fatal store error: ${fatal.message}; exiting with status 1 so a supervisor restarts it`);
    await stop().catch(() => {});
    return 1;
  }
  say('Stopping…');
  const stopped = await stopWithin(SHUTDOWN_DEADLINE_MS, stop);
  if (!stopped.done) {
    say(`hindsight serve: gave up after ${SHUTDOWN_DEADLINE_MS / 1000} s waiting for ${stopped.waitingFor}; exiting (flows not yet in the datafile are replayed from the journal at the next start)`);
    // What did not finish still holds handles (a worker, a file) that would keep the process alive.
    process.exit(1);
  }
  return 0;
}
