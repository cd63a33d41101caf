/**
 * Bodies in PostgreSQL: a body is kept in memory while the proxy streams it (at most the per-body cap, like
 * the file store), and on end() queued as one `bodies` row, written by the store's next flush in the same
 * transaction as its flow (pg-store.ts) — so a flow in the database has its bodies there too.
 */
import type { BodyRef, BodySide } from '../../../common/flow';
import type { BodyStoreLike, BodyWriter } from '../sink';
import type { Queryable } from './pg-db';

export interface BodyRow {
  blob: string;
  flowId: string;
  /**
   * The body as the proxy handed it over, chunk by chunk: a large body is copied to the database connection
   * from these (pg-body-copy.ts), never joined into one buffer first. bodyData() joins them when one is needed.
   */
  chunks: Buffer[];
  /** Bytes in `chunks`. */
  size: number;
}

/** The body as one buffer (joined once, then kept joined). */
export function bodyData(row: BodyRow): Buffer {
  if (row.chunks.length !== 1) row.chunks = [Buffer.concat(row.chunks, row.size)];
  return row.chunks[0];
}

export class PgBodyStore implements BodyStoreLike {
  /** Bodies ended but not yet written, by blob name. */
  private readonly queued = new Map<string, BodyRow>();
  /** Bodies taken by a flush and not yet committed: still read from here. */
  private readonly writing = new Map<string, BodyRow>();
  /** Bytes of the bodies in `queued` and `writing`: the store's admission counts them (pg-store.ts). */
  private bytes = 0;

  constructor(
    private readonly db: Queryable,
    private readonly cap: number,
    /** Called when a body is queued, so the store schedules a flush. */
    private readonly onQueued: () => void,
  ) {}

  open(flowId: string, side: BodySide, info: { contentType?: string; encoding?: string }): BodyWriter {
    const ref: BodyRef = { size: 0, storedSize: 0, truncated: false };
    if (info.contentType) ref.contentType = info.contentType;
    if (info.encoding) ref.encoding = info.encoding;
    const chunks: Buffer[] = [];
    let ended = false;
    return {
      write: (chunk) => {
        if (ended) return;
        ref.size += chunk.length;
        const room = this.cap - ref.storedSize;
        if (room <= 0) return;
        // Held as given, as the embedded store holds a small body's chunks (bodies.ts): the proxy hands each
        // chunk over once and never writes into it again. A copy here (a fresh zero-filled buffer per chunk)
        // was the largest cost of a 100 KB body on the proxy's thread: about 200 µs of 500 per flow.
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(part);
        ref.storedSize += part.length;
      },
      end: () => {
        if (!ended && ref.storedSize > 0) {
          const blob = `${flowId}-${side}`;
          this.hold(blob, { blob, flowId, chunks, size: ref.storedSize });
          ref.blob = blob;
          this.onQueued();
        }
        ended = true;
        ref.truncated = ref.size > ref.storedSize;
        return { ...ref };
      },
    };
  }

  /** Queues a body (replacing one of the same name), counting its bytes. */
  private hold(blob: string, row: BodyRow): void {
    this.forget(blob);
    this.queued.set(blob, row);
    this.bytes += row.size;
  }

  /** Drops a body from the queue and the flush in progress, and its bytes from the count. */
  private forget(blob: string): void {
    for (const map of [this.queued, this.writing]) {
      const row = map.get(blob);
      if (!row) continue;
      map.delete(blob);
      this.bytes -= row.size;
    }
  }

  /** Bytes of bodies ended but not yet committed to the database. */
  unwrittenBytes(): number {
    return this.bytes;
  }

  /** The bodies queued since the last call; the store writes them. */
  take(): BodyRow[] {
    const rows = [...this.queued.values()];
    this.queued.clear();
    for (const r of rows) this.writing.set(r.blob, r);
    return rows;
  }

  /** The flush that took `rows` ended: committed, or failed (then they are queued again for the next one). */
  settled(rows: BodyRow[], committed: boolean): void {
    for (const r of rows) {
      if (this.writing.get(r.blob) !== r) continue; // removed meanwhile
      this.writing.delete(r.blob);
      if (!committed && !this.queued.has(r.blob)) this.queued.set(r.blob, r);
      else this.bytes -= r.size;
    }
  }

  hasQueued(): boolean {
    return this.queued.size > 0;
  }

  async read(ref: BodyRef): Promise<Buffer> {
    if (!ref.blob) return Buffer.alloc(0);
    const queued = this.queued.get(ref.blob) ?? this.writing.get(ref.blob);
    if (queued) return bodyData(queued);
    const { rows } = await this.db.query<{ data: Buffer }>('SELECT data FROM bodies WHERE blob = $1', [ref.blob]);
    return rows[0]?.data ?? Buffer.alloc(0);
  }

  async remove(blobs: string[]): Promise<void> {
    for (const b of blobs) this.forget(b);
    if (blobs.length) await this.db.query('DELETE FROM bodies WHERE blob = ANY($1)', [blobs]);
  }
}
