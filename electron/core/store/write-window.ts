/**
 * The bounded queue between the flow store's main side (the proxy's thread) and its worker.
 *
 * Every request to the worker passes through here in order (the worker applies them in arrival order, so a
 * write held here must not be overtaken by a removal or a pin of the same flow). At most `windowChars` of
 * write text is at the worker unanswered: while the worker is busy (a compaction, a slow disk) the rest
 * waits here as the serialized lines, the most compact form a flow has, instead of piling up as messages in
 * the worker's port, where they would be cloned into its heap and kept there. What waits here is counted
 * (`backlogChars`) so the store can refuse new flows before the wait grows without bound (index.ts, admit).
 */

export interface WindowItem {
  /** Characters of write text this request carries (0 for requests without flows). */
  chars: number;
  /** Posts the request to the worker; settles when the worker answered. */
  send(): Promise<unknown>;
}

export class WriteWindow {
  private readonly held: WindowItem[] = [];
  private heldChars = 0;
  private sentChars = 0;

  constructor(private readonly windowChars: number) {}

  /** Characters waiting here or at the worker unanswered. */
  get backlogChars(): number {
    return this.heldChars + this.sentChars;
  }

  /** Queues a request; resolves or rejects with the worker's answer. */
  push(chars: number, send: () => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.held.push({ chars, send: () => send().then(resolve, reject) as Promise<unknown> });
      this.heldChars += chars;
      this.pump();
    });
  }

  private pump(): void {
    for (;;) {
      const next = this.held[0];
      // One request always goes, however large: a window smaller than one batch must not stall the queue.
      if (!next || (this.sentChars > 0 && this.sentChars + next.chars > this.windowChars)) return;
      this.held.shift();
      const chars = next.chars;
      this.heldChars -= chars;
      this.sentChars += chars;
      // Only the count is kept until the answer, not the item: its request (the write text) is let go once
      // posted, so a slow answer does not keep the text alive long enough to reach the old generation.
      const done = () => {
        this.sentChars -= chars;
        this.pump();
      };
      void next.send().then(done, done);
    }
  }
}
