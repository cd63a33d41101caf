/**
 * Stable paths for processes that come and go. Each poll yields the inspectors that answer now; reconcile()
 * keeps every path ("slot") bound to the same logical process across restarts:
 *
 * - A slot's base is the relay's --name, else the script's file name (`server.js` → `server`). Processes
 *   with the same base are numbered in port order: `server`, `server-2`, `server-3` (a cluster's primary and
 *   workers share a script).
 * - A slot whose inspector is gone (its port refuses, or answers without that id) becomes vacant but keeps
 *   its path, its last port and the ids it has had.
 * - A new inspector takes, in this order: the vacant slot of its base that last lived on the same port
 *   (nodemon's restart), the lowest-numbered vacant slot of its base (a crashed worker replaced on the next
 *   port, a restart on another port), or a new slot.
 * - A port that timed out tells nothing: its slots stay as they were.
 *
 * Slots are never removed while the relay runs, so a DevTools window keeps its address however long the
 * process is down.
 */
import { pathBase, slotPath } from '../../common/inspect';

/** One entry of an inspector's /json/list, with where it was found. */
export interface InspectorEntry {
  id: string;
  /** The script path (or `node[pid]`). */
  title: string;
  host: string;
  port: number;
  /** The entry as Node sent it, for /json/list through the relay. */
  raw: Record<string, unknown>;
}

export interface Slot {
  readonly path: string;
  readonly base: string;
  readonly index: number;
  /** The live inspector, absent while the process is away. */
  entry?: InspectorEntry;
  lastHost: string;
  lastPort: number;
  /** Ids this slot has had (newest last, a bounded list): a client holding a stale id is sent here. */
  ids: string[];
  restarts: number;
  pid?: number;
  /** Debugging sessions open through the relay. */
  sessions: number;
}

const MAX_IDS = 32;

/** `host:port` keys of endpoints whose answer is definitive this round (answered, or refused). */
export type Definitive = ReadonlySet<string>;

export const endpointKey = (host: string, port: number): string => `${host}:${port}`;

/** Updates `slots` in place (appending new ones) and returns the slots that got a new inspector. */
export function reconcile(slots: Slot[], entries: readonly InspectorEntry[], definitive: Definitive, name: string | undefined): Slot[] {
  const present = new Set(entries.map((e) => `${endpointKey(e.host, e.port)}/${e.id}`));
  const held = new Set<string>();
  for (const slot of slots) {
    const entry = slot.entry;
    if (!entry) continue;
    const key = endpointKey(entry.host, entry.port);
    if (present.has(`${key}/${entry.id}`) || !definitive.has(key)) held.add(entry.id);
    else slot.entry = undefined;
  }
  const filled: Slot[] = [];
  const fresh = entries.filter((e) => !held.has(e.id)).sort((a, b) => a.port - b.port || a.host.localeCompare(b.host));
  for (const entry of fresh) {
    const base = pathBase(name, entry.title);
    const vacant = slots.filter((s) => !s.entry && s.base === base);
    let slot = vacant.find((s) => s.lastPort === entry.port && s.lastHost === entry.host) ?? vacant.sort((a, b) => a.index - b.index)[0];
    if (!slot) {
      const index = Math.max(0, ...slots.filter((s) => s.base === base).map((s) => s.index)) + 1;
      slot = { path: slotPath(base, index), base, index, lastHost: entry.host, lastPort: entry.port, ids: [], restarts: 0, sessions: 0 };
      slots.push(slot);
    } else if (slot.ids.length > 0) {
      slot.restarts++;
    }
    slot.entry = entry;
    slot.lastHost = entry.host;
    slot.lastPort = entry.port;
    slot.pid = pidFromTitle(entry.title);
    if (!slot.ids.includes(entry.id)) slot.ids = [...slot.ids, entry.id].slice(-MAX_IDS);
    held.add(entry.id);
    filled.push(slot);
  }
  return filled;
}

/** `node -e` targets are titled `node[1234]`. */
function pidFromTitle(title: string): number | undefined {
  const m = /\[(\d+)\]$/.exec(title);
  return m ? Number(m[1]) : undefined;
}

/** What a WebSocket path asks for: one slot, whichever process is first, or nothing this relay knows. */
export type Route = { kind: 'slot'; slot: Slot } | { kind: 'first' } | { kind: 'none'; path: string };

/**
 * The slot a WebSocket path means: a stable path (`/app`), or an id a slot has had (a URL copied before a
 * restart). The bare address `/`, Chrome's `__ws_proxy__` placeholder and ids this relay never saw (copied
 * from Node's own banner before the relay started) mean the first live process.
 */
export function routeOf(slots: readonly Slot[], requestPath: string): Route {
  let path: string;
  try {
    path = decodeURIComponent(requestPath.split('?')[0]).replace(/^\/+|\/+$/g, '');
  } catch {
    return { kind: 'none', path: requestPath };
  }
  const slot = slots.find((s) => s.path === path) ?? slots.find((s) => s.ids.includes(path));
  if (slot) return { kind: 'slot', slot };
  if (path === '' || path === '__ws_proxy__' || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(path)) return { kind: 'first' };
  return { kind: 'none', path };
}

/** The slot a route leads to now, if its process is live. */
export function liveSlot(slots: readonly Slot[], route: Route): Slot | undefined {
  if (route.kind === 'slot') return route.slot.entry ? route.slot : undefined;
  if (route.kind === 'first') return slots.find((s) => s.entry);
  return undefined;
}
