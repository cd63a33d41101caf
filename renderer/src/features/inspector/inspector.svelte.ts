/**
 * The Inspector view's state: the relays of the connected Hindsight (inspect.list) and the processes behind
 * each. Processes come and go on their own (a restart, a crashed worker), so the list is read again every
 * second while the view is open; the view is a small table, never a stream, so polling costs nothing
 * worth an event of its own.
 */
import type { ApiClient } from '../../../../electron/common/api';
import { DEFAULT_RELAY_PORT, DEFAULT_TARGETS, type RelayInfo } from '../../../../electron/common/inspect';

export const REFRESH_MS = 1000;

export interface RelayDraft {
  port: string;
  targets: string;
  name: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class InspectorModel {
  relays = $state.raw<RelayInfo[] | null>(null);
  /** The last call that failed, as the server said it. */
  error = $state<string | null>(null);
  busy = $state(false);
  draft = $state<RelayDraft>({ port: String(DEFAULT_RELAY_PORT), targets: DEFAULT_TARGETS, name: '' });
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly client: ApiClient) {}

  /** Loads now and every REFRESH_MS until stop(). */
  watch(): void {
    void this.load();
    this.#timer ??= setInterval(() => void this.load(), REFRESH_MS);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async load(): Promise<void> {
    try {
      this.relays = (await this.client.call('inspect.list', {})).relays;
    } catch (err) {
      this.error = message(err);
    }
  }

  /** Starts a relay from the form; the server checks the port, targets and name and says what is wrong. */
  async start(): Promise<boolean> {
    const port = Number(this.draft.port.trim());
    if (!/^\d+$/.test(this.draft.port.trim()) || port > 65535) {
      this.error = `Port must be a number from 0 to 65535, not '${this.draft.port}'`;
      return false;
    }
    const targets = this.draft.targets.split(/[\s,]+/).filter(Boolean);
    const name = this.draft.name.trim();
    return this.#run(() => this.client.call('inspect.start', { port, targets, ...(name ? { name } : {}) }));
  }

  /** Starts a remembered relay again with its own settings (after its port was taken at startup). */
  retry(relay: RelayInfo): Promise<boolean> {
    return this.#run(async () => {
      await this.client.call('inspect.stop', { port: relay.port });
      return this.client.call('inspect.start', { port: relay.port, targets: relay.targets, ...(relay.name ? { name: relay.name } : {}) });
    });
  }

  stopRelay(port: number): Promise<boolean> {
    return this.#run(() => this.client.call('inspect.stop', { port }));
  }

  async #run(call: () => Promise<unknown>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      await call();
      this.error = null;
      return true;
    } catch (err) {
      this.error = message(err);
      return false;
    } finally {
      this.busy = false;
      await this.load();
    }
  }
}
