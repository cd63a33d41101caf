/**
 * One inspector relay: an HTTP server on a fixed port that stands in for whichever Node process is live.
 *
 *  DevTools / VS Code / node inspect ──► relay :9229 ── GET /json/list ─► the live slots, URLs rewritten to
 *                                         │                               ws://127.0.0.1:9229/<stable path>
 *                                         └─ Upgrade /<stable path | stale id | __ws_proxy__ | />
 *                                              → the live id, Host = the inspector's address, then the
 *                                                capture proxy's upgrade path (capture/upgrade.ts):
 *                                                handshake forwarded, bytes piped both ways, a WebSocket flow
 *
 * When the process dies its inspector socket closes and so does the client's, so DevTools offers
 * "Reconnect" and VS Code's `restart: true` polls again; both land on the new process through the same path.
 * A client that reconnects while the process is still starting waits (up to `waitMs`) for it.
 */
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { ipInAnyRange } from '../../common/cidr';
import { chromeDevtoolsUrl, devtoolsFrontendUrl, devtoolsUrl, hostPort, isLoopbackName, vscodeLaunchConfig, type InspectProcess, type RelayInfo } from '../../common/inspect';
import { Recorder } from '../capture/recorder';
import { plainIp } from '../capture/target';
import { forwardUpgrade, type UpgradeContext } from '../capture/upgrade';
import { Upstream } from '../capture/upstream';
import type { CheckedRelayConfig } from './config';
import { Discovery } from './discovery';
import { refusalOf } from './guard';
import { getInspectorText } from './inspector-http';
import { liveSlot, routeOf, type Slot } from './slots';

/** How long an upgrade waits for a restarting process before answering 502. */
export const DEFAULT_WAIT_MS = 10_000;
/** Connecting to a live inspector on loopback: anything slower is a dead one. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface RelayOptions {
  checked: CheckedRelayConfig;
  /** Records each debugging session as a WebSocket flow; absent: sessions are relayed, not recorded. */
  recorder?: Recorder;
  /** Whether capture is on now (the core's switch); the recorder is enabled per session accordingly. */
  capturing?: () => boolean;
  pollMs?: number;
  waitMs?: number;
}

export interface Relay {
  address(): { host: string; port: number };
  info(): RelayInfo;
  /** The processes behind the relay; its onDidChange fires when one appears, goes or gets its pid. */
  readonly discovery: Discovery;
  /** Fires when a debugging session through the relay opens or closes. */
  onDidChangeSessions(listener: () => void): void;
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { config, allow, endpoints } = options.checked;
  const discovery = new Discovery({ endpoints, name: config.name, intervalMs: options.pollMs });
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const upstream = new Upstream({ timeoutMs: CONNECT_TIMEOUT_MS });
  const sockets = new Set<Duplex>();
  const sessionListeners: (() => void)[] = [];
  const track = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const recorder = options.recorder ?? notRecording();
  const context: UpgradeContext = { upstream, recorder, isSelf: () => false, track };
  const mayConnect = (ip: string) => allow.length === 0 || ipInAnyRange(ip, allow) || isLoopbackName(ip);

  const server = http.createServer((req, res) => {
    const refusal = refusalOf(req);
    if (refusal) return sendJson(res, 403, { error: refusal });
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
    const base = req.headers.host ?? hostPort(config.host, port);
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'only GET' });
    if (path === '/json' || path === '/json/list') return sendJson(res, 200, listFor(base));
    if (path === '/json/version') return void versionOf(discovery.slots).then((v) => sendJson(res, 200, v));
    sendJson(res, 404, { error: `unknown path ${path}; try /json/list` });
  });
  server.on('connection', (socket: net.Socket) => {
    track(socket);
    if (!mayConnect(plainIp(socket.remoteAddress ?? ''))) socket.destroy();
  });
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = refusalOf(req);
    if (refusal) return reply(socket, 403, refusal);
    void upgrade(req, socket, head);
  });

  async function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A fresh look first: the process may have died since the last tick, and a client reconnecting after a
    // restart should not be sent to the old port.
    await discovery.poll();
    if (socket.destroyed) return;
    const route = routeOf(discovery.slots, req.url ?? '/');
    if (route.kind === 'none') return reply(socket, 404, `no process at /${route.path}; live: ${discovery.slots.map((s) => `/${s.path}`).join(' ') || 'none yet'}`);
    const deadline = Date.now() + waitMs;
    let slot = liveSlot(discovery.slots, route);
    while (!slot && Date.now() < deadline && !socket.destroyed) {
      await Promise.all([discovery.poll(), delay(50)]);
      slot = liveSlot(discovery.slots, route);
    }
    if (socket.destroyed) return;
    const entry = slot?.entry;
    if (!slot || !entry) return reply(socket, 502, `no live inspector for ${route.kind === 'slot' ? `/${route.slot.path}` : 'this relay'} (waited ${Math.round(waitMs / 1000)} s)`);
    const target = hostPort(entry.host, entry.port);
    req.url = `/${entry.id}`;
    if (options.recorder && options.capturing) recorder.enabled = options.capturing();
    countSession(slot, socket);
    forwardUpgrade({ ...context, reverse: { secure: false, host: entry.host, port: entry.port, origin: `http://${target}`, hostHeader: target } }, req, socket, head, false);
  }

  function countSession(slot: Slot, socket: Duplex): void {
    slot.sessions++;
    for (const l of sessionListeners) l();
    socket.once('close', () => {
      slot.sessions--;
      for (const l of sessionListeners) l();
    });
  }

  function listFor(base: string): Record<string, unknown>[] {
    return discovery.slots.flatMap((slot) => {
      if (!slot.entry) return [];
      const address = `${base}/${slot.path}`;
      return [
        {
          ...slot.entry.raw,
          id: slot.path,
          devtoolsFrontendUrl: devtoolsFrontendUrl(address),
          devtoolsFrontendUrlCompat: devtoolsFrontendUrl(address, 'devtools', 'inspector'),
          webSocketDebuggerUrl: `ws://${address}`,
          // Marks a relay's answer, so another relay polling this port does not follow it in a loop.
          relayedBy: 'hindsight',
        },
      ];
    });
  }

  let port = config.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    upstream.dispose();
    if (err.code === 'EADDRINUSE') throw new Error(`port ${config.port} on ${config.host} is already in use (another relay, or a Node process started with --inspect=${config.port}? start it on another port of the targets)`);
    if (err.code === 'EADDRNOTAVAIL') throw new Error(`${config.host} is not an address of this machine`);
    throw err;
  });
  server.on('error', () => {});
  port = (server.address() as net.AddressInfo).port;
  await discovery.start();

  let closing: Promise<void> | undefined;
  return {
    discovery,
    address: () => ({ host: config.host, port }),
    onDidChangeSessions(listener) {
      sessionListeners.push(listener);
    },
    info(): RelayInfo {
      const processes: InspectProcess[] = discovery.slots.map((slot) => {
        const p: InspectProcess = {
          path: slot.path,
          live: !!slot.entry,
          targetHost: slot.lastHost,
          targetPort: slot.lastPort,
          script: slot.entry?.title ?? '',
          sessions: slot.sessions,
          restarts: slot.restarts,
          webSocketUrl: `ws://${hostPort(config.host, port)}/${slot.path}`,
          devtoolsUrl: devtoolsUrl(config.host, port, slot.path),
        };
        if (slot.entry) p.targetId = slot.entry.id;
        if (slot.pid !== undefined && slot.entry) p.pid = slot.pid;
        return p;
      });
      return {
        ...config,
        port,
        running: true,
        devtoolsUrl: devtoolsUrl(config.host, port),
        chromeDevtoolsUrl: chromeDevtoolsUrl(config.host, port),
        vscodeLaunch: vscodeLaunchConfig(config.host, port),
        processes,
      };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        discovery.stop();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        upstream.dispose();
      });
      return closing;
    },
  };
}

/** /json/version: the first live process's own answer (its Node version), else a neutral one. */
async function versionOf(slots: readonly Slot[]): Promise<unknown> {
  const entry = slots.find((s) => s.entry)?.entry;
  if (entry) {
    const reply = await getInspectorText(entry.host, entry.port, '/json/version', 1500);
    if (reply.kind === 'answered' && reply.status === 200) {
      try {
        return JSON.parse(reply.text);
      } catch {
        // fall through
      }
    }
  }
  return { Browser: `node.js/${process.version}`, 'Protocol-Version': '1.1' };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Cache-Control': 'no-cache', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** A one-line HTTP answer on a socket that asked for an upgrade. */
function reply(socket: Duplex, status: number, text: string): void {
  const reason = http.STATUS_CODES[status] ?? '';
  const body = `Hindsight inspector relay: ${text}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * A relay without a store (`hindsight inspect` on its own): the capture path's recorder, switched off, so
 * begin() returns nothing and no flow is built; its sink and body store are never reached.
 */
function notRecording(): Recorder {
  const recorder = new Recorder({
    sink: { flowStarted() {}, flowUpdated() {} },
    bodies: {
      open() {
        throw new Error('a relay without a store records no bodies');
      },
      read: async () => Buffer.alloc(0),
      remove: async () => {},
    },
    nextSeq: () => 0,
  });
  recorder.enabled = false;
  return recorder;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
