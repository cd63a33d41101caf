/**
 * How the capture proxy tells a replay from any client's request. The replay client (client.ts) sends
 * through the proxy like any client, so its exchange gets timings, failures, bodies and rules exactly as
 * captured traffic does; before it writes a byte it leaves a mark here under its connection's local address.
 * The proxy looks the mark up when it creates the flow (capture/forward.ts): the flow gets `replayOf`, is
 * recorded even with capture off, and skips the rules when asked. When the flow finishes, the core hands it
 * back here (flowFinished) and the waiting replay gets it.
 *
 * The key is the client's address as the proxy sees it (for HTTPS, the outer CONNECT connection's), which
 * only one connection holds at a time; marks are removed when the replay's connection closes.
 */
import type { Flow } from '../../common/flow';

export interface ReplayMark {
  /** The flow being replayed (or the one a composed request was based on). */
  replayOf?: string;
  /** Send straight upstream: no map-remote, mock or breakpoint applies. */
  bypassRules: boolean;
  /**
   * The client the replayed request first came from: rules scoped to a device (IP, CIDR, profile) match on it,
   * so replaying a phone's request meets the phone's rules. The new flow still records Hindsight as its client.
   */
  clientIp?: string;
}

/** The proxy's side: which exchanges are replays. */
export interface ReplayLookup {
  markFor(client: { ip: string; port: number }): ReplayMark | undefined;
}

export interface ExpectedReplay {
  /** Resolves with the finished flow (completed or failed). */
  readonly finished: Promise<Flow>;
  /** Forgets the mark (the connection closed); a pending `finished` never resolves after this. */
  release(): void;
}

const keyOf = (client: { ip: string; port: number }) => `${client.ip}|${client.port}`;

export class ReplayMarks implements ReplayLookup {
  private readonly expected = new Map<string, { mark: ReplayMark; resolve: (flow: Flow) => void }>();

  expect(client: { ip: string; port: number }, mark: ReplayMark): ExpectedReplay {
    const key = keyOf(client);
    let resolve!: (flow: Flow) => void;
    const finished = new Promise<Flow>((r) => (resolve = r));
    const entry = { mark, resolve };
    this.expected.set(key, entry);
    return {
      finished,
      release: () => {
        if (this.expected.get(key) === entry) this.expected.delete(key);
      },
    };
  }

  markFor(client: { ip: string; port: number }): ReplayMark | undefined {
    return this.expected.get(keyOf(client))?.mark;
  }

  /** Every finished flow passes here (the recorder's onFinished); a replay's is handed to its waiter. */
  flowFinished(flow: Flow): void {
    if (this.expected.size === 0) return;
    this.expected.get(keyOf(flow.client))?.resolve(flow);
  }
}
