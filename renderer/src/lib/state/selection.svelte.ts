/**
 * Several selected flows on top of the list's single selection (FlowListState.selectedId, which the detail
 * pane follows): ctrl/cmd-click adds or removes a row, shift-click selects the range from the last plain
 * click. Moving the selection with the keyboard to a row outside the set collapses it to that row.
 */
import type { FlowListState } from './flow-list.svelte';

export interface ClickModifiers {
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  button?: number;
}

export class FlowSelection {
  #extra = $state.raw<ReadonlySet<string>>(new Set());
  #anchor: string | null = null;

  constructor(private readonly list: FlowListState) {}

  /** The selected ids, in list order. */
  get ids(): string[] {
    const focused = this.list.selectedId;
    if (!focused) return [];
    if (!this.#extra.has(focused)) return [focused];
    return [...this.#extra].filter((id) => this.list.get(id)).sort((a, b) => this.list.indexOf(a) - this.list.indexOf(b));
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    const focused = this.list.selectedId;
    if (id === focused) return true;
    return focused !== null && this.#extra.has(focused) && this.#extra.has(id);
  }

  click(id: string, e: ClickModifiers = {}): void {
    // A right click on a selected row keeps the selection (the menu acts on all of it).
    if (e.button === 2 && this.has(id)) return;
    const current = new Set(this.ids);
    if (e.shiftKey && this.#anchor && this.list.get(this.#anchor)) {
      const from = this.list.indexOf(this.#anchor);
      const to = this.list.indexOf(id);
      const range = new Set<string>();
      for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
        const row = this.list.rowAt(i);
        if (row) range.add(row.id);
      }
      this.#extra = range;
    } else if (e.ctrlKey || e.metaKey) {
      if (current.has(id) && current.size > 1) {
        current.delete(id);
        this.#extra = current;
        this.list.selectedId = [...current][current.size - 1];
        this.#anchor = id;
        return;
      }
      current.add(id);
      this.#extra = current;
      this.#anchor = id;
    } else {
      this.#extra = new Set();
      this.#anchor = id;
    }
    this.list.selectedId = id;
  }

  /** Selects exactly these flows (the first one focused). */
  set(ids: string[]): void {
    this.#extra = new Set(ids);
    this.#anchor = ids[0] ?? null;
    this.list.selectedId = ids[0] ?? null;
  }
}
