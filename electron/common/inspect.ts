/**
 * The Node inspector relay's plain data and the pure functions the CLI, the core and the renderer share:
 * target specs (`9230`, `9229-9250`, `host:port`), the stable paths a relay gives each process, and the
 * addresses a user copies (the DevTools URL, VS Code's attach configuration).
 * The relay itself (sockets, polling) is plain Node in electron/core/inspect/.
 */

export const DEFAULT_RELAY_PORT = 9229;
export const DEFAULT_RELAY_HOST = '127.0.0.1';
/** The ports a Node cluster's primary and workers use when started with the default --inspect port. */
export const DEFAULT_TARGETS = '9229-9250';
/** A relay polls at most this many target ports (a cheap bound on polling cost and on typos like 1-65535). */
export const MAX_TARGET_PORTS = 512;

/** Where a relay looks for inspectors: ports `from`…`to` on `host`. */
export interface TargetRange {
  host: string;
  from: number;
  to: number;
}

/** What a relay is asked to be: the same fields for the CLI, `serve --inspect-relay`, the API and inspect.json. */
export interface RelayConfig {
  host: string;
  port: number;
  /** Target specs as the user wrote them (`9229-9250`, `9230`, `127.0.0.1:9240`). */
  targets: string[];
  /** Names every process's stable path instead of its script (`/NAME`, `/NAME-2` …). */
  name?: string;
  /** Client addresses (IPs/CIDRs) allowed besides loopback; only meaningful with a non-loopback host. */
  allow?: string[];
}

/** One inspected process as the relay sees it through its stable path. */
export interface InspectProcess {
  /** The stable path, without the slash: `app`, `app-2`, or the --name. */
  path: string;
  /** Whether a live inspector currently answers for this path (false while the process restarts). */
  live: boolean;
  /** The inspector's current id (the WebSocket path Node chose this time). */
  targetId?: string;
  /** Where the inspector listens now (or last listened). */
  targetHost: string;
  targetPort: number;
  pid?: number;
  /** The script (Node's target title: the main module's path, or `node[pid]` for `-e`). */
  script: string;
  /** Debugging sessions open through the relay now. */
  sessions: number;
  /** How often a new process took this path after the first one. */
  restarts: number;
  /** The stable WebSocket address: ws://host:port/path. */
  webSocketUrl: string;
  devtoolsUrl: string;
}

export interface RelayInfo extends RelayConfig {
  /** True while listening. A remembered relay that could not start (port in use) is listed with `error`. */
  running: boolean;
  error?: string;
  /** The DevTools URL of the relay's first process (the bare address follows the first live process). */
  devtoolsUrl: string;
  chromeDevtoolsUrl: string;
  /** A VS Code launch.json attach configuration for this relay, as JSON text. */
  vscodeLaunch: string;
  processes: InspectProcess[];
}

export interface InspectState {
  relays: RelayInfo[];
}

export type TargetRangeResult = { ok: true; range: TargetRange } | { ok: false; error: string };

/** `9230`, `9229-9250`, `HOST:9230`, `HOST:9229-9250`, `[::1]:9230` → a range of ports on a host. */
export function parseTargetSpec(text: string, defaultHost = DEFAULT_RELAY_HOST): TargetRangeResult {
  const spec = text.trim();
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})(?:-(\d{1,5}))?$/.exec(spec);
  if (!m) return { ok: false, error: `'${text}' is not PORT, FROM-TO or HOST:PORT` };
  const host = m[1] ? m[1].replace(/^\[|\]$/g, '').toLowerCase() : defaultHost;
  const from = Number(m[2]);
  const to = m[3] === undefined ? from : Number(m[3]);
  if (!(from >= 1 && from <= 65535 && to >= 1 && to <= 65535)) return { ok: false, error: `'${text}': ports are 1–65535` };
  if (to < from) return { ok: false, error: `'${text}': the range ends before it starts` };
  return { ok: true, range: { host, from, to } };
}

/** Every host:port a relay polls, in order, without duplicates and without the relay's own address. */
export function targetEndpoints(ranges: readonly TargetRange[], self: { host: string; port: number }): { host: string; port: number }[] {
  const seen = new Set<string>();
  const out: { host: string; port: number }[] = [];
  for (const range of ranges) {
    for (let port = range.from; port <= range.to; port++) {
      if (port === self.port && sameListener(range.host, self.host)) continue;
      const key = `${range.host}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ host: range.host, port });
    }
  }
  return out;
}

/** Whether connecting to `target` reaches a server listening on `listen` (same port assumed). */
function sameListener(target: string, listen: string): boolean {
  if (target === listen || listen === '0.0.0.0' || listen === '::') return true;
  return isLoopbackName(target) && isLoopbackName(listen);
}

/** localhost, *.localhost, 127.0.0.0/8, ::1. */
export function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || /^::ffff:127\./.test(h);
}

/**
 * The first part of a process's stable path: the relay's --name, else the script's file name without its
 * extension (`/srv/api/server.js` → `server`), else `node`. Only [A-Za-z0-9._-] survive, so a path never
 * needs escaping in a URL.
 */
export function pathBase(name: string | undefined, script: string): string {
  const source = name ?? (script.replace(/^file:\/\//, '').split(/[\\/]/).pop() ?? '').replace(/\.[cm]?[jt]sx?$/i, '');
  const clean = source.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return clean || 'node';
}

/** `base` for the first process of that base, `base-2`, `base-3` … for the next ones (in port order). */
export function slotPath(base: string, index: number): string {
  return index === 1 ? base : `${base}-${index}`;
}

/** host:port as it goes into a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** DevTools' frontend for a WebSocket address given without its scheme (`127.0.0.1:9229/app`), as Node writes it. */
export function devtoolsFrontendUrl(address: string, scheme: 'devtools' | 'chrome-devtools' = 'devtools', page: 'js_app' | 'inspector' = 'js_app'): string {
  return `${scheme}://devtools/bundled/${page}.html?experiments=true&v8only=true&ws=${address}`;
}

/** `devtools://devtools/bundled/js_app.html?…&ws=127.0.0.1:9229/app` (path may be empty: the relay's first process). */
export function devtoolsUrl(host: string, port: number, path = ''): string {
  return devtoolsFrontendUrl(`${hostPort(host, port)}/${path}`);
}

/** The same address in the scheme older Chrome versions and some launchers accept. */
export function chromeDevtoolsUrl(host: string, port: number, path = ''): string {
  return devtoolsFrontendUrl(`${hostPort(host, port)}/${path}`, 'chrome-devtools');
}

/**
 * A VS Code launch.json configuration that attaches through the relay and reattaches after every restart
 * (`restart: true` makes js-debug poll the port again when the session ends).
 */
export function vscodeLaunchConfig(host: string, port: number): string {
  const config = { type: 'node', request: 'attach', name: `Hindsight relay ${hostPort(host, port)}`, address: host, port, restart: true };
  return JSON.stringify(config, null, 2);
}
