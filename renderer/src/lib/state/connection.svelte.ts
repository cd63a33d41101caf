/** The connection to the core as the UI shows it (the banner, and reloading after a reconnect). */
import type { Backend, ConnectionState } from '../api/connection';

export class ConnectionStatus {
  state = $state<ConnectionState>('connecting');
  /** True once a connection was open: a later 'disconnected' is a drop, not a failure to start. */
  everOpen = $state(false);
  readonly #stop: () => void;

  constructor(backend: Backend, onReconnect: () => void) {
    this.state = backend.connectionState();
    this.everOpen = this.state === 'open';
    this.#stop = backend.onDidChangeConnection((state) => {
      const wasDown = this.everOpen && this.state !== 'open';
      this.state = state;
      if (state === 'open') {
        if (wasDown) onReconnect();
        this.everOpen = true;
      }
    });
  }

  dispose(): void {
    this.#stop();
  }
}
