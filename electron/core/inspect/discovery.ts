/**
 * Finds the live inspectors behind a relay: polls the target ports' `/json/list` (Node answers on its own
 * inspector thread, also while the process is paused at a breakpoint) and keeps the stable slots up to date
 * (slots.ts). Cheap when nothing changes:
 * - every tick (200 ms) polls only the ports of known processes, which is how a death or a restart on the
 *   same port (nodemon) is seen at once; every fifth tick polls all (a new process is found within a second);
 * - once a process is gone, ticks come twice as often and poll all, for up to RESTART_WINDOW_MS, so its
 *   restart on any port of the range (a replaced cluster worker comes back on the next port) is found
 *   within about 100 ms;
 * - a closed port refuses at once, and an answer identical to the last one from that port is not parsed.
 * A client waiting for a restarting process asks for an immediate full poll instead of waiting.
 */
import { Emitter } from '../../common/events';
import { isLoopbackName } from '../../common/inspect';
import { getInspectorText } from './inspector-http';
import { pidListeningOn } from './pid';
import { endpointKey, reconcile, type InspectorEntry, type Slot } from './slots';

export const DEFAULT_POLL_MS = 200;
/** Every this many ticks, every target port is polled (a new process anywhere is found within a second). */
const FULL_EVERY = 5;
/** How long after a process went away every tick polls every port. */
const RESTART_WINDOW_MS = 30_000;
const REQUEST_TIMEOUT_MS = 1500;

export interface DiscoveryOptions {
  endpoints: { host: string; port: number }[];
  name?: string;
  intervalMs?: number;
  /** Finds the pid of a new process (default: pidListeningOn, Linux only). */
  pidOf?: (port: number) => Promise<number | undefined>;
}

export class Discovery {
  readonly slots: Slot[] = [];
  private readonly lastText = new Map<string, { text: string; entries: InspectorEntry[] }>();
  private readonly onDidChangeEmitter = new Emitter<void>();
  /** Fires after a poll that changed which process a slot points at (and when a pid is found). */
  readonly onDidChange = this.onDidChangeEmitter.event;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;
  private readonly intervalMs: number;
  private tick = 0;
  /** When each slot last lost its process (absent: live, or away longer than the restart window). */
  private readonly away = new Map<Slot, number>();

  constructor(private readonly options: DiscoveryOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_POLL_MS;
  }

  start(): Promise<void> {
    return this.poll();
  }

  /** Polls every port now (or joins the poll under way) and resolves when the slots are up to date. */
  poll(): Promise<void> {
    return this.run(this.options.endpoints);
  }

  private run(endpoints: { host: string; port: number }[]): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.inFlight ??= this.pollOnce(endpoints).finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    return this.inFlight;
  }

  /** The ports worth a look this tick (see the header). */
  private dueEndpoints(): { host: string; port: number }[] {
    const now = Date.now();
    for (const [slot, since] of this.away) if (slot.entry || now - since > RESTART_WINDOW_MS) this.away.delete(slot);
    if (++this.tick % FULL_EVERY === 0 || this.away.size > 0) return this.options.endpoints;
    const hot = new Set(this.slots.map((slot) => endpointKey(slot.lastHost, slot.lastPort)));
    return this.options.endpoints.filter((e) => hot.has(endpointKey(e.host, e.port)));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onDidChangeEmitter.dispose();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run(this.dueEndpoints());
    }, this.away.size > 0 ? this.intervalMs / 2 : this.intervalMs);
    // The relay's listening socket keeps a foreground command alive; the poll timer alone must not.
    this.timer.unref();
  }

  private async pollOnce(endpoints: { host: string; port: number }[]): Promise<void> {
    const definitive = new Set<string>();
    const entries: InspectorEntry[] = [];
    // Ports not polled this tick keep what they said last.
    const polled = new Set(endpoints.map((e) => endpointKey(e.host, e.port)));
    for (const [key, last] of this.lastText) if (!polled.has(key)) entries.push(...last.entries);
    await Promise.all(
      endpoints.map(async ({ host, port }) => {
        const key = endpointKey(host, port);
        const reply = await getInspectorText(host, port, '/json/list', REQUEST_TIMEOUT_MS);
        if (reply.kind === 'unknown') {
          // Keep what this port said last: a slow answer is not a dead process.
          entries.push(...(this.lastText.get(key)?.entries ?? []));
          return;
        }
        definitive.add(key);
        if (reply.kind === 'refused' || reply.status !== 200) {
          this.lastText.delete(key);
          return;
        }
        const last = this.lastText.get(key);
        const parsed = last?.text === reply.text ? last.entries : parseList(reply.text, host, port);
        this.lastText.set(key, { text: reply.text, entries: parsed });
        entries.push(...parsed);
      }),
    );
    if (this.stopped) return;
    const before = this.slots.map((s) => s.entry?.id).join();
    const wasLive = this.slots.filter((s) => s.entry);
    const filled = reconcile(this.slots, entries, definitive, this.options.name);
    for (const slot of wasLive) if (!slot.entry) this.away.set(slot, Date.now());
    if (this.slots.map((s) => s.entry?.id).join() !== before) this.onDidChangeEmitter.fire();
    // Only a process on this machine can be found in this machine's socket tables.
    for (const slot of filled) if (slot.pid === undefined && slot.entry && isLoopbackName(slot.entry.host)) void this.findPid(slot);
  }

  private async findPid(slot: Slot): Promise<void> {
    const entry = slot.entry;
    if (!entry) return;
    const pid = await (this.options.pidOf ?? pidListeningOn)(entry.port).catch(() => undefined);
    if (pid === undefined || this.stopped || slot.entry !== entry) return;
    slot.pid = pid;
    this.onDidChangeEmitter.fire();
  }
}

/** Node's /json/list: an array of targets. Anything else (another server on the port, a relay) gives none. */
export function parseList(text: string, host: string, port: number): InspectorEntry[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: InspectorEntry[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const raw = item as Record<string, unknown>;
    // A relay's own entries point at the relay: following them would relay a relay.
    if (raw.relayedBy !== undefined) continue;
    if (typeof raw.id !== 'string' || !/^[A-Za-z0-9-]{1,128}$/.test(raw.id) || typeof raw.webSocketDebuggerUrl !== 'string') continue;
    out.push({ id: raw.id, title: typeof raw.title === 'string' ? raw.title : '', host, port, raw });
  }
  return out;
}
