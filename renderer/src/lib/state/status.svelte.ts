/** The status bar's data: proxy address, capture switch, last trim, warnings (status.get + events). */
import type { ApiClient, Status } from '../../../../electron/common/api';

export class StatusState {
  status = $state.raw<Status | null>(null);
  /** A failed status.get / capture.set, shown in the bar. */
  error = $state<string | null>(null);
  /** capture.set is on its way: the switch shows it and ignores clicks. */
  switching = $state(false);
  readonly #subscriptions: (() => void)[];

  constructor(private readonly client: ApiClient) {
    this.#subscriptions = [
      client.on('status/changed', (status) => {
        this.status = status;
      }),
      client.on('store/trimmed', (trim) => {
        if (this.status) this.status = { ...this.status, lastTrim: trim };
      }),
    ];
  }

  async load(): Promise<void> {
    try {
      this.status = await this.client.call('status.get', {});
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  setCapture(enabled: boolean): Promise<void> {
    return this.#switch(() => this.client.call('capture.set', { enabled }));
  }

  /** The global network-conditions switch (status bar). */
  setConditions(enabled: boolean): Promise<void> {
    return this.#switch(() => this.client.call('conditions.set', { enabled }));
  }

  /** One switch at a time; the answer is the new status. */
  async #switch(call: () => Promise<Status>): Promise<void> {
    if (this.switching) return;
    this.switching = true;
    try {
      this.status = await call();
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.switching = false;
    }
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
  }
}
