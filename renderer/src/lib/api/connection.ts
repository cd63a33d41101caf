/**
 * What the app gets from whichever shell it runs in: the API client plus the few things that differ
 * between the Electron window and a browser on `hindsight serve` (connection state, HTTP routes).
 */
import type { DisposableApiClient } from '../../../../electron/common/api-client';
import type { BodySide } from '../../../../electron/common/flow';

export type ConnectionState = 'connecting' | 'open' | 'disconnected';

export interface Backend {
  readonly shell: 'electron' | 'browser';
  readonly client: DisposableApiClient;
  /** Current state; Electron IPC is always 'open'. */
  connectionState(): ConnectionState;
  onDidChangeConnection(listener: (state: ConnectionState) => void): () => void;
  /** Milliseconds until the next reconnect attempt (0 when connected or unknown). */
  retryInMs(): number;
  retryNow(): void;
  /**
   * A URL the page can load a body from (`<img src>`, downloads), when the shell serves bodies over
   * HTTP (headless: the token-checked body route). Undefined in Electron: callers fall back to
   * flows.body and a blob: URL.
   */
  bodyUrl?(id: string, side: BodySide, decode: boolean): string;
  /** The CA download route (headless); undefined in Electron (callers build the file from ca.get). */
  caUrl?(format: 'pem' | 'crt'): string;
  dispose(): void;
}
