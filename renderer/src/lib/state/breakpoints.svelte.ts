/**
 * The breakpoint queue: exchanges paused by a breakpoint rule, oldest first (breakpoints.list, then the
 * breakpoints/paused and breakpoints/resumed events). The list shows paused flows by their row colour;
 * this is what the strip walks and the editor resumes, aborts or answers.
 */
import type { ApiClient } from '../../../../electron/common/api';
import type { BreakpointInfo, MockAnswer, MessageEdits, RequestEdits, ResponseEdits } from '../../../../electron/common/breakpoint';

export class BreakpointQueue {
  paused = $state.raw<BreakpointInfo[]>([]);
  timeoutMs = $state(0);
  error = $state<string | null>(null);
  readonly #subscriptions: (() => void)[];

  constructor(private readonly client: ApiClient) {
    this.#subscriptions = [
      client.on('breakpoints/paused', (info) => {
        this.paused = [...this.paused.filter((p) => p.id !== info.id), info].sort((a, b) => a.pausedAt - b.pausedAt);
      }),
      client.on('breakpoints/resumed', (done) => {
        this.#drop(done.id);
      }),
    ];
  }

  async load(): Promise<void> {
    try {
      const { paused, timeoutMs } = await this.client.call('breakpoints.list', {});
      this.paused = paused;
      this.timeoutMs = timeoutMs;
      this.error = null;
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  /** The pause holding this flow now (a flow is paused at most once at a time). */
  forFlow(flowId: string | null): BreakpointInfo | undefined {
    return flowId ? this.paused.find((p) => p.flowId === flowId) : undefined;
  }

  indexOfFlow(flowId: string | null): number {
    return flowId ? this.paused.findIndex((p) => p.flowId === flowId) : -1;
  }

  async resume(id: string, edits?: RequestEdits | ResponseEdits | MessageEdits): Promise<void> {
    await this.client.call('breakpoints.resume', { id, ...(edits ? { edits } : {}) });
    this.#drop(id);
  }

  async abort(id: string): Promise<void> {
    await this.client.call('breakpoints.abort', { id });
    this.#drop(id);
  }

  async answer(id: string, response: MockAnswer): Promise<void> {
    await this.client.call('breakpoints.answer', { id, response });
    this.#drop(id);
  }

  /** Lets every paused exchange continue unchanged. */
  async resumeAll(): Promise<void> {
    for (const p of this.paused) await this.client.call('breakpoints.resume', { id: p.id }).catch(() => {});
    await this.load();
  }

  dispose(): void {
    for (const stop of this.#subscriptions.splice(0)) stop();
  }

  #drop(id: string): void {
    if (this.paused.some((p) => p.id === id)) this.paused = this.paused.filter((p) => p.id !== id);
  }
}
