/**
 * Live changes between nodes: every node LISTENs on one channel on a connection of its own, and each write,
 * pin, delete and trim NOTIFYs the ids it touched. A notification carries ids only (PostgreSQL caps a payload
 * at 8,000 bytes; larger changes are split); the listening node reads the summaries it needs.
 * A lost connection is reopened every second until it is back; what its owner missed meanwhile, it reads
 * again when told the connection is back (ListenHooks.onReconnected): the flow store catches up on flows
 * (pg-catch-up.ts), the rule, user and device stores reload.
 */
import type pg from 'pg';
import { pgClient } from './pg-db';
import type { TrimInfo } from '../../../common/api';

export interface FlowNotice {
  /** The store instance that made the change (it ignores its own). */
  o: string;
  /** Ids of flows added, updated, removed. */
  a?: string[];
  u?: string[];
  r?: string[];
  /** The highest revision of the removals in `r` (flow_removals): the listening node's watermark moves past it. */
  v?: number;
  /** The removal was a clear: lists drop everything. */
  all?: true;
  /** The removal was a trim. */
  t?: TrimInfo;
}

/** Below PostgreSQL's 8,000-byte payload limit, with room for the JSON around the ids. */
const MAX_PAYLOAD = 7_000;
export const RECONNECT_MS = 1_000;

/** What the owner of a listener is told about its connection. */
export interface ListenHooks {
  /** The connection was lost: notifications sent from now on are missed until it is back. */
  onLost?: () => void;
  /** LISTEN runs again after a loss; notifications from now on arrive. Read what changed meanwhile. */
  onReconnected?: () => void;
  /** Wait between attempts to reconnect (default RECONNECT_MS). */
  retryMs?: number;
}

/** The change as notification payloads, ids split so each fits. */
export function notifyPayloads(origin: string, change: Omit<FlowNotice, 'o'>): string[] {
  const payloads: string[] = [];
  const base: FlowNotice = { o: origin };
  if (change.all) base.all = true;
  if (change.t) base.t = change.t;
  if (change.v !== undefined) base.v = change.v;
  let current: FlowNotice = { ...base };
  let size = JSON.stringify(current).length;
  let empty = true;
  for (const key of ['a', 'u', 'r'] as const) {
    for (const id of change[key] ?? []) {
      if (size + id.length + 8 > MAX_PAYLOAD && !empty) {
        payloads.push(JSON.stringify(current));
        current = { ...base };
        delete current.all;
        delete current.t;
        size = JSON.stringify(current).length;
        empty = true;
      }
      (current[key] ??= []).push(id);
      size += id.length + 8;
      empty = false;
    }
  }
  if (!empty || base.all || base.t || base.v !== undefined) payloads.push(JSON.stringify(current));
  return payloads;
}

/** LISTENs on one channel on a connection of its own; hands each payload on as it comes. */
export class ChannelListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onPayload: (payload: string) => void,
    private readonly warn: (message: string) => void,
    private readonly hooks: ListenHooks = {},
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new (pgClient().Client)({ connectionString: this.url, application_name: 'hindsight-listen' });
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    client.on('notification', (msg) => {
      if (msg.channel === this.channel && msg.payload !== undefined) this.onPayload(msg.payload);
    });
    await client.connect();
    await client.query(`LISTEN ${this.channel}`);
    this.client = client;
    if (this.lost) {
      this.lost = false;
      this.warn(`The connection for other nodes' changes (${this.channel}) was lost and is back; what changed meanwhile was read again.`);
      this.hooks.onReconnected?.();
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.stopped || this.client !== client) return;
    this.client = undefined;
    this.lost = true;
    this.hooks.onLost?.();
    client.end().catch(() => {});
    const attempt = () => {
      this.retry = undefined;
      if (this.stopped) return;
      this.connect().catch(() => {
        if (!this.stopped) this.retry = setTimeout(attempt, this.hooks.retryMs ?? RECONNECT_MS);
      });
    };
    this.retry = setTimeout(attempt, this.hooks.retryMs ?? RECONNECT_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

/** Flow changes from other nodes (pg-store.ts). */
export class FlowListener extends ChannelListener {
  static readonly CHANNEL = 'hindsight_flows';

  constructor(url: string, onNotice: (notice: FlowNotice) => void, warn: (message: string) => void, hooks: ListenHooks = {}) {
    super(
      url,
      FlowListener.CHANNEL,
      (payload) => {
        let notice: FlowNotice;
        try {
          notice = JSON.parse(payload) as FlowNotice;
        } catch {
          // Not ours (someone else NOTIFYing on the channel): ignored.
          return;
        }
        onNotice(notice);
      },
      warn,
      hooks,
    );
  }
}
