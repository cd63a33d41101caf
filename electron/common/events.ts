/**
 * A minimal typed emitter: the private-emitter / public-event pair (`onDid…`), usable in every layer.
 */
export type Listener<T> = (value: T) => void;
export interface Disposable {
  dispose(): void;
}
export type Event<T> = (listener: Listener<T>) => Disposable;

export class Emitter<T> {
  /** Where listener exceptions go; the core points this at its log. */
  static onListenerError: (err: unknown) => void = () => {};
  private listeners = new Set<Listener<T>>();
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // A listener's bug must not break the producer (the proxy's hot path fires these).
        Emitter.onListenerError(err);
      }
    }
  }
  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }
  dispose(): void {
    this.listeners.clear();
  }
}
