/**
 * Finds the live inspectors behind a relay: polls every target port's `/json/list` (Node answers on its
 * own inspector thread, also while the process is paused at a breakpoint) and keeps the stable slots up to
 * date (slots.ts). Cheap when nothing changes: a closed port refuses at once, and an answer identical to the
 * last one from that port is not parsed again. A client waiting for a restarting process asks for an
 * immediate poll instead of waiting for the next tick.
 */
import { Emitter } from '../../common/events';
import { getInspectorText } from './inspector-http';
import { pidListeningOn } from './pid';
import { endpointKey, reconcile, type InspectorEntry, type Slot } from './slots';

export const DEFAULT_POLL_MS = 200;
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

  constructor(private readonly options: DiscoveryOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_POLL_MS;
  }

  start(): Promise<void> {
    return this.poll();
  }

  /** Polls now (or joins the poll under way) and resolves when the slots are up to date. */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.inFlight ??= this.pollOnce().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    return this.inFlight;
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
      void this.poll();
    }, this.intervalMs);
    // The relay's listening socket keeps a foreground command alive; the poll timer alone must not.
    this.timer.unref();
  }

  private async pollOnce(): Promise<void> {
    const definitive = new Set<string>();
    const entries: InspectorEntry[] = [];
    await Promise.all(
      this.options.endpoints.map(async ({ host, port }) => {
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
    const filled = reconcile(this.slots, entries, definitive, this.options.name);
    if (this.slots.map((s) => s.entry?.id).join() !== before) this.onDidChangeEmitter.fire();
    for (const slot of filled) if (slot.pid === undefined) void this.findPid(slot);
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
