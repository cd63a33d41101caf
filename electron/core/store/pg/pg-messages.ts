/**
 * Message logs (WebSocket frames, SSE events) in PostgreSQL: one `messages` row per kept message, keyed by
 * the flow and its place in the log (1, 2, 3 …). The same per-flow caps as the file logs (message-log.ts):
 * at most `maxCount` messages and `maxBytes` payload bytes kept, every message counted. Rows are queued
 * here and written by the store's flush (pg-store.ts), like bodies.
 */
import { emptyMessageStats, type MessageMeta, type MessageStats } from '../../../common/message';
import type { MessageWriter, StoredMessage } from '../sink';
import { countMessage, DEFAULT_MESSAGE_CAP, textOf, type MessageLogPage } from '../message-log';
import type { MessageLogStoreLike } from '../types';
import type { Queryable } from './pg-db';

export interface MessageRow {
  flowId: string;
  idx: number;
  meta: MessageMeta & { stored: number };
  payload: Buffer;
}

/** Rows read per round trip while a search looks through a log. */
const SEARCH_WINDOW = 256;

export class PgMessageLog implements MessageLogStoreLike {
  private queued: MessageRow[] = [];
  /** Payload bytes of `queued`: the store's admission counts them (pg-store.ts). */
  private queuedBytes = 0;
  private readonly maxCount: number;
  private readonly maxBytes: number;

  constructor(
    private readonly db: Queryable,
    cap: { count?: number; bytes?: number } | undefined,
    private readonly onQueued: () => void,
    /** Writes everything queued (the store's flush), so a read sees it. */
    private readonly flushNow: () => Promise<void>,
  ) {
    this.maxCount = cap?.count ?? DEFAULT_MESSAGE_CAP.count;
    this.maxBytes = cap?.bytes ?? DEFAULT_MESSAGE_CAP.bytes;
  }

  open(flowId: string): MessageWriter {
    const stats: MessageStats = emptyMessageStats();
    let kept = 0;
    let keptBytes = 0;
    let ended = false;
    const room = () => (ended || kept >= this.maxCount ? 0 : Math.max(0, this.maxBytes - keptBytes));
    return {
      stats,
      room,
      append: (message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta => {
        const { meta, kept: part } = countMessage(stats, message, payload, ended ? undefined : room());
        if (!part) return meta;
        kept++;
        keptBytes += part.length;
        this.queued.push({ flowId, idx: kept, meta: { ...meta, stored: part.length }, payload: Buffer.from(part) });
        this.queuedBytes += part.length;
        this.onQueued();
        return meta;
      },
      end: () => {
        ended = true;
      },
    };
  }

  /** The rows queued since the last call; their bytes count as unwritten until settled(). */
  take(): MessageRow[] {
    const rows = this.queued;
    this.queued = [];
    return rows;
  }

  /** The flush that took `rows` ended: committed, or failed (then they go back in front of what was queued since). */
  settled(rows: MessageRow[], committed: boolean): void {
    if (committed) this.queuedBytes -= rows.reduce((n, r) => n + r.payload.length, 0);
    else this.queued = rows.concat(this.queued);
  }

  /** Payload bytes queued or being written, not yet committed. */
  unwrittenBytes(): number {
    return this.queuedBytes;
  }

  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  async read(flowId: string, page: { after?: number; limit?: number; search?: string } = {}): Promise<MessageLogPage> {
    const after = Math.max(0, Math.floor(page.after ?? 0));
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit ?? 200)));
    await this.flushNow();
    const { rows: counted } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE flow_id = $1', [flowId]);
    const stored = counted[0].n;
    const needle = page.search?.toLowerCase();
    const messages: StoredMessage[] = [];
    let index = after;
    while (index < stored && messages.length < limit) {
      const { rows } = await this.db.query<{ idx: number; meta: MessageMeta & { stored?: number }; payload: Buffer }>(
        'SELECT idx, meta, payload FROM messages WHERE flow_id = $1 AND idx > $2 ORDER BY idx LIMIT $3',
        [flowId, index, needle ? SEARCH_WINDOW : limit - messages.length],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        index = row.idx;
        const { stored: _stored, ...meta } = row.meta;
        const record = { meta, payload: row.payload };
        if (needle && !textOf(record).toLowerCase().includes(needle)) continue;
        messages.push(record);
        if (messages.length === limit) break;
      }
    }
    return index < stored ? { messages, stored, next: index } : { messages, stored };
  }

  async flush(): Promise<void> {
    await this.flushNow();
  }

  async close(): Promise<void> {
    await this.flushNow();
  }
}
