/**
 * The selected flow in full (flows.get), refreshed while it changes (a live flow gets its response,
 * a paused one resumes). Bodies are loaded by the body views themselves, on demand.
 */
import type { ApiClient } from '../../../../electron/common/api';
import type { Flow } from '../../../../electron/common/flow';

/** A live flow can update many times a second; refetching it more often than this is waste. */
const REFRESH_MS = 150;

export class DetailState {
  flow = $state.raw<Flow | null>(null);
  /** The id asked for; `flow` may still be the previous one while it loads. */
  id = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Bumped on every refetch of the same flow, so body views reload when a body appears. */
  revision = $state(0);
  #request = 0;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #subscriptions: (() => void)[];

  constructor(private readonly client: ApiClient) {
    this.#subscriptions = [
      client.on('flows/update', (flows) => {
        if (this.id && flows.some((f) => f.id === this.id)) this.#scheduleRefresh();
      }),
      client.on('flows/remove', ({ ids, all }) => {
        if (this.id && (all || ids.includes(this.id))) void this.#fetch(this.id, true);
      }),
    ];
  }

  show(id: string | null): void {
    if (id === this.id) return;
    this.id = id;
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    if (!id) {
      this.#request++;
      this.flow = null;
      this.error = null;
      return;
    }
    void this.#fetch(id, false);
  }

  /** Fetches the shown flow again (after a change the server may not announce, like pinning). */
  refresh(): void {
    if (this.id) void this.#fetch(this.id, true);
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
    clearTimeout(this.#refreshTimer);
    this.#request++;
  }

  #scheduleRefresh(): void {
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      if (this.id) void this.#fetch(this.id, true);
    }, REFRESH_MS);
  }

  async #fetch(id: string, refresh: boolean): Promise<void> {
    const request = ++this.#request;
    this.loading = !refresh;
    try {
      const flow = await this.client.call('flows.get', { id });
      if (request !== this.#request) return;
      this.flow = flow;
      this.error = flow ? null : 'This flow is no longer stored (deleted, cleared or trimmed).';
      if (refresh) this.revision++;
    } catch (err) {
      if (request === this.#request) this.error = err instanceof Error ? err.message : String(err);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }
}
