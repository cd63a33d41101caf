/**
 * The messages of the flow shown in the detail pane (WebSocket frames, SSE events), paged from the message log
 * (flows.messages) and followed live: a live flow's `flows/update` summaries carry its message count, and a
 * count above what is loaded fetches the pages after the last seq. A search asks the core, which looks through
 * the whole log.
 */
import type { ApiClient } from '../../../../electron/common/api';
import type { FlowMessage } from '../../../../electron/common/message';

const PAGE = 1000;
/** Loaded at most (the log keeps 10,000 per flow by default). */
const MAX_LOADED = 20_000;
const REFRESH_MS = 200;

export class MessagesState {
  messages = $state.raw<FlowMessage[]>([]);
  /** Messages kept in the log (the flow's count also counts those past the cap). */
  stored = $state(0);
  search = $state('');
  loading = $state(false);
  error = $state<string | null>(null);
  /** The flow whose messages these are. */
  flowId = $state<string | null>(null);
  #request = 0;
  /** The request whose pages are being loaded. */
  #following: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #stop: () => void;

  constructor(private readonly client: ApiClient) {
    this.#stop = client.on('flows/update', (flows) => {
      const mine = this.flowId ? flows.find((f) => f.id === this.flowId) : undefined;
      if (mine && (mine.messageCount ?? 0) > this.lastSeq) this.#schedule();
    });
  }

  get lastSeq(): number {
    return this.messages.at(-1)?.seq ?? 0;
  }

  /** Shows the messages of `flowId` (from the start), or none. */
  show(flowId: string | null): void {
    if (flowId === this.flowId) return;
    this.flowId = flowId;
    this.search = '';
    this.#reset();
  }

  setSearch(text: string): void {
    if (text === this.search) return;
    this.search = text;
    this.#reset();
  }

  /** Appends the messages after the last one loaded (live updates, or the flow's totals changed). */
  refresh(): void {
    void this.#loadMore(this.#request);
  }

  /** Adds a message this window sent (flows.sendMessage) unless a refresh already brought it. */
  added(message: FlowMessage): void {
    if (!this.search && message.seq === this.lastSeq + 1) this.messages = [...this.messages, message];
    else this.refresh();
  }

  dispose(): void {
    this.#stop();
    clearTimeout(this.#timer);
    this.#request++;
  }

  #schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.refresh();
    }, REFRESH_MS);
  }

  #reset(): void {
    const request = ++this.#request;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.messages = [];
    this.stored = 0;
    this.error = null;
    this.#after = undefined;
    if (this.flowId) void this.#loadMore(request);
  }

  async #loadMore(request: number): Promise<void> {
    const id = this.flowId;
    if (!id || this.#following === request) return;
    this.#following = request;
    this.loading = this.messages.length === 0;
    try {
      for (;;) {
        // A search pages by where the previous page stopped reading, not by its last match.
        const after = this.#after ?? this.lastSeq;
        const page = await this.client.call('flows.messages', { id, after, limit: PAGE, search: this.search || undefined });
        if (request !== this.#request) return;
        if (!page) {
          this.error = 'This flow is no longer stored.';
          return;
        }
        this.stored = page.stored;
        if (page.messages.length) this.messages = [...this.messages, ...page.messages].slice(0, MAX_LOADED);
        this.#after = this.search ? (page.next ?? page.stored) : undefined;
        if (page.next === undefined || this.messages.length >= MAX_LOADED) break;
      }
      this.error = null;
    } catch (err) {
      if (request === this.#request) this.error = err instanceof Error ? err.message : String(err);
    } finally {
      if (this.#following === request) this.#following = undefined;
      if (request === this.#request) this.loading = false;
    }
  }

  /** Where a search's next page starts (seq of the last message read, matched or not). */
  #after: number | undefined;
}
