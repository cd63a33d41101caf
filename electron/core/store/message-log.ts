/**
 * Message logs: the messages inside a flow (WebSocket frames, SSE events) go to one append-only file per flow,
 * a sibling of its body files (`<data>/bodies/<2 chars>/<flow id>-messages`). The flow store names that file
 * among the flow's body files (protocol.ts `blobsOf`), so the trim, a delete and a clear remove it with the
 * flow through the same path as bodies.
 *
 * A record is `[u32 big-endian header length][header JSON][payload bytes]`; the header is the message's
 * MessageMeta plus `stored`, the payload bytes that follow. Appends are queued and written behind the proxy's
 * back in one writev per batch, without fsync, like bodies: a killed process loses nothing the OS already has.
 * A record cut short by a crash is the end of the log when it is read back.
 *
 * Per flow the log keeps at most `maxCount` messages and `maxBytes` payload bytes (10,000 and 10 MB by
 * default); past that, messages are still counted in the flow's MessageStats, which is then `truncated`.
 *
 * A short log (a unary gRPC call's: two small messages) would cost a file created, written, closed and later
 * deleted per call, more than the rest of recording the call. A log opened `short` therefore opens its file
 * only when it first writes; one that ends before that (within SHORT_COALESCE_MS, under COALESCE_BYTES) is packed
 * whole into the body store's current segment, like a small body, and its stats name the slice (`log`). The
 * slice is then one of the flow's blobs (protocol.ts), so trim, delete and clear remove it as they remove bodies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { emptyMessageStats, type MessageMeta, type MessageStats } from '../../common/message';
import type { MessageLogLike, MessageWriter, StoredMessage } from './sink';

export const DEFAULT_MESSAGE_CAP = { count: 10_000, bytes: 10 * 1024 * 1024 };
/** Closed logs whose record offsets stay in memory (the detail pane pages through one flow at a time). */
const INDEX_CACHE = 16;
const MAX_WRITE_BUFFERS = 512;
/**
 * Appends wait up to this long to be written together: a busy socket's messages cost one writev per interval
 * instead of one per message (each write is a trip through libuv's thread pool, which on a busy proxy cost more
 * than the rest of recording a message). Reads and end() write at once; a killed process loses at most this
 * much of what the OS did not have yet. A write costs ~20-50 µs of CPU whatever its size, plus ~0.7 µs per KB
 * (measured on the 2-core machine): at 20 ms a busy socket's batches were ~12 KB, and writing cost ~4 µs per KB;
 * at 100 ms, or COALESCE_BYTES, about 1 µs.
 */
const COALESCE_MS = 100;
/**
 * A short log waits longer before its first write: a unary call to a slow server (a few hundred ms) still ends
 * before it and is packed, not given a file. A killed process may lose up to this much of a short log.
 */
const SHORT_COALESCE_MS = 1_000;
/** ...unless this many bytes are waiting: then they are written at once. */
const COALESCE_BYTES = 64 * 1024;
/**
 * Records are encoded into slabs of this size: each payload is copied once, into the slab, and a batch is a few
 * slab slices, not three small buffers per message. A record larger than this gets a slab of its own size.
 */
const SLAB_BYTES = 16 * 1024;
/** A short log's first slab: small enough to come from Node's shared buffer pool (a gRPC call's two messages fit). */
const SHORT_SLAB_BYTES = 1024;

export function messageLogName(flowId: string): string {
  return `${flowId}-messages`;
}

export interface MessageLogOptions {
  /** Where a named file lives (the body store's `pathOf`, so logs sit with bodies). */
  pathOf(name: string): string;
  maxCount?: number;
  maxBytes?: number;
  /** A write failed (disk full): once per failure, for the store's warnings. */
  onWriteError?: (message: string) => void;
  /** Where short logs are packed (the body store's segments); without it every log gets a file. */
  packed?: PackedLogs;
}

/** Short logs kept as slices of shared segment files. */
export interface PackedLogs {
  /** Appends a whole log; the slice's name, or undefined when it cannot (the log then gets its file). */
  append(chunks: Buffer[], length: number): string | undefined;
  /** A slice's bytes (empty when it is gone). */
  read(log: string): Promise<Buffer>;
  /** The slice a stored flow's log was packed into, if it was (its `messages.log`). */
  of(flowId: string): Promise<string | undefined>;
}

/** One page of a flow's log as read back. */
export interface MessageLogPage {
  messages: StoredMessage[];
  /** Records in the log. */
  stored: number;
  /** The seq to pass as `after` for the next page; absent at the end. */
  next?: number;
}

export class MessageLogStore implements MessageLogLike {
  private readonly maxCount: number;
  private readonly maxBytes: number;
  /** Logs being written, by flow id (kept until their last bytes are written after end()). */
  private readonly writers = new Map<string, LogWriter>();
  /** Record offsets of closed logs read recently, by flow id (insertion order = age). */
  private readonly indexes = new Map<string, number[]>();
  private failedAt = 0;

  constructor(private readonly options: MessageLogOptions) {
    this.maxCount = options.maxCount ?? DEFAULT_MESSAGE_CAP.count;
    this.maxBytes = options.maxBytes ?? DEFAULT_MESSAGE_CAP.bytes;
  }

  open(flowId: string, options: { short?: boolean } = {}): MessageWriter {
    const existing = this.writers.get(flowId);
    if (existing && !existing.ended) return existing;
    const packed = options.short ? this.options.packed : undefined;
    const writer = new LogWriter(this.options.pathOf(messageLogName(flowId)), this.maxCount, this.maxBytes, (err) => this.failed(err), () => {
      if (this.writers.get(flowId) === writer) this.writers.delete(flowId);
    }, packed && ((chunks, length) => packed.append(chunks, length)));
    this.writers.set(flowId, writer);
    this.indexes.delete(flowId);
    return writer;
  }

  /** Messages with seq > after, at most `limit`; with `search`, only those whose text contains it (case-insensitive). */
  async read(flowId: string, page: { after?: number; limit?: number; search?: string } = {}): Promise<MessageLogPage> {
    const after = Math.max(0, Math.floor(page.after ?? 0));
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit ?? 200)));
    const file = this.options.pathOf(messageLogName(flowId));
    const writer = this.writers.get(flowId);
    const log = writer || !this.options.packed ? undefined : await this.options.packed.of(flowId);
    if (log) return pageOf(parseRecords(await this.options.packed!.read(log), Infinity), after, limit, page.search);
    let offsets: number[];
    let end: number;
    if (writer) {
      await writer.whenWritten();
      offsets = writer.offsets.slice();
      end = writer.size;
    } else {
      const index = await this.indexOf(flowId, file);
      offsets = index;
      end = index.end ?? 0;
    }
    const stored = offsets.length;
    if (after >= stored) return { messages: [], stored };
    const needle = page.search?.toLowerCase();
    const messages: StoredMessage[] = [];
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { messages: [], stored: 0 };
      throw err;
    }
    try {
      // Without a search one page is read in one go; a search reads on in windows of 256 records.
      let index = after;
      while (index < stored && messages.length < limit) {
        const last = Math.min(stored, index + (needle ? 256 : limit));
        const from = offsets[index];
        const to = last < stored ? offsets[last] : end;
        const buffer = Buffer.alloc(to - from);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
        const wanted = last - index;
        const records = parseRecords(buffer.subarray(0, bytesRead), wanted);
        for (const record of records) {
          index++;
          if (needle && !textOf(record).toLowerCase().includes(needle)) continue;
          messages.push(record);
          if (messages.length === limit) break;
        }
        // A record cut short (a crash mid-append): the log ends there.
        if (records.length < wanted && messages.length < limit) {
          index = stored;
          break;
        }
      }
      return index < stored ? { messages, stored, next: index } : { messages, stored };
    } finally {
      await handle.close();
    }
  }

  /** Resolves when every message appended so far is written. */
  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.whenWritten()));
  }

  /** Ends every open log (their flows are finishing) and waits for the writes. */
  async close(): Promise<void> {
    const writers = [...this.writers.values()];
    for (const w of writers) w.end();
    await Promise.all(writers.map((w) => w.closed));
  }

  /** Record offsets of a closed log, scanned once and cached; `end` is where the last whole record ends. */
  private async indexOf(flowId: string, file: string): Promise<number[] & { end?: number }> {
    const cached = this.indexes.get(flowId);
    if (cached) {
      this.indexes.delete(flowId);
      this.indexes.set(flowId, cached);
      return cached;
    }
    const offsets = (await scanOffsets(file)) as number[] & { end?: number };
    this.indexes.set(flowId, offsets);
    while (this.indexes.size > INDEX_CACHE) this.indexes.delete(this.indexes.keys().next().value!);
    return offsets;
  }

  private failed(err: NodeJS.ErrnoException): void {
    if (Date.now() - this.failedAt >= 30_000) {
      this.options.onWriteError?.(`Message logs are not being written (${err.code ?? 'error'}: ${err.message}). Forwarding continues.`);
    }
    this.failedAt = Date.now();
  }
}

/** A page of a packed log, read whole (it is small: it ended before COALESCE_BYTES were waiting). */
function pageOf(records: StoredMessage[], after: number, limit: number, search: string | undefined): MessageLogPage {
  const needle = search?.toLowerCase();
  const stored = records.length;
  const messages: StoredMessage[] = [];
  let index = after;
  while (index < stored && messages.length < limit) {
    const record = records[index++];
    if (!needle || textOf(record).toLowerCase().includes(needle)) messages.push(record);
  }
  return index < stored ? { messages, stored, next: index } : { messages, stored };
}

/**
 * Counts one message in a log's stats and cuts its payload to the `room` the log has left (0: nothing kept,
 * the log is truncated; undefined: the log has ended, the message is only counted). Shared by the file logs
 * and the PostgreSQL ones (pg/pg-messages.ts), so both keep the same caps.
 */
export function countMessage(stats: MessageStats, message: Omit<MessageMeta, 'seq'>, payload: Buffer, room: number | undefined): { meta: MessageMeta; kept?: Buffer } {
  const meta: MessageMeta = { seq: ++stats.count, ...message };
  stats.bytes += message.size;
  if (meta.truncated) stats.truncated = true;
  if (room === undefined) return { meta };
  if (room === 0) {
    stats.truncated = true;
    return { meta };
  }
  const kept = payload.length > room ? payload.subarray(0, room) : payload;
  if (kept.length < payload.length) {
    meta.truncated = true;
    stats.truncated = true;
  }
  return { meta, kept };
}

class LogWriter implements MessageWriter {
  readonly stats: MessageStats = emptyMessageStats();
  /** File offset of each kept record. */
  readonly offsets: number[] = [];
  /** Bytes queued so far (the next record's offset). */
  size = 0;
  ended = false;
  private keptBytes = 0;
  private fd: number | undefined;
  private broken = false;
  /** Encoded records waiting to be written: slices of slabs, in order. */
  private queue: Buffer[] = [];
  /** Bytes encoded and not yet handed to a write (in the queue or the current slab). */
  private queuedBytes = 0;
  /** The slab records are encoded into; bytes [slabQueued, slabUsed) are not in the queue yet. */
  private slab: Buffer | undefined;
  private slabUsed = 0;
  private slabQueued = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private written = 0;
  private waiters: (() => void)[] = [];
  private markClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(
    private readonly file: string,
    private readonly maxCount: number,
    private readonly maxBytes: number,
    private readonly onError: (err: NodeJS.ErrnoException) => void,
    private readonly onClosed: () => void,
    /** A short log's packing (PackedLogs.append): its file is opened only when it first writes. */
    private readonly pack?: (chunks: Buffer[], length: number) => string | undefined,
  ) {}

  room(): number {
    if (this.ended || this.offsets.length >= this.maxCount) return 0;
    return Math.max(0, this.maxBytes - this.keptBytes);
  }

  append(message: Omit<MessageMeta, 'seq'>, payload: Buffer): MessageMeta {
    const { meta, kept } = countMessage(this.stats, message, payload, this.ended ? undefined : this.broken ? 0 : this.room());
    if (!kept) return meta;
    if (this.fd === undefined && !this.pack && !this.openFile()) return meta;
    const header = recordHeader(meta, kept.length);
    const headerBytes = header.ascii ? header.json.length : Buffer.byteLength(header.json);
    const bytes = 4 + headerBytes + kept.length;
    const slab = this.slabWithRoom(bytes);
    let at = this.slabUsed;
    // The header's length, big-endian, by hand: writeUInt32BE's checks showed in the profile of a busy socket.
    slab[at] = headerBytes >>> 24;
    slab[at + 1] = (headerBytes >>> 16) & 0xff;
    slab[at + 2] = (headerBytes >>> 8) & 0xff;
    slab[at + 3] = headerBytes & 0xff;
    at += 4;
    at += slab.write(header.json, at, headerBytes, header.ascii ? 'latin1' : 'utf8');
    // The payload is copied (into the slab): the caller's buffer may be a view of a socket chunk.
    kept.copy(slab, at);
    this.slabUsed += bytes;
    this.offsets.push(this.size);
    this.size += bytes;
    this.keptBytes += kept.length;
    this.queuedBytes += bytes;
    this.schedule();
    return meta;
  }

  /** The current slab when `bytes` fit in what it has left, else a new one (what the old one holds joins the queue). */
  private slabWithRoom(bytes: number): Buffer {
    if (this.slab && this.slab.length - this.slabUsed >= bytes) return this.slab;
    this.queueSlab();
    this.slab = Buffer.allocUnsafe(Math.max(this.pack && this.size === 0 ? SHORT_SLAB_BYTES : SLAB_BYTES, bytes));
    this.slabUsed = 0;
    this.slabQueued = 0;
    return this.slab;
  }

  /** What the slab holds beyond what is queued joins the queue (the slab's later records go after it). */
  private queueSlab(): void {
    if (!this.slab || this.slabUsed === this.slabQueued) return;
    this.queue.push(this.slab.subarray(this.slabQueued, this.slabUsed));
    this.slabQueued = this.slabUsed;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pack && this.fd === undefined && !this.broken && !this.writing && this.size > 0 && this.packWhole()) return;
    this.pump();
  }

  /** A short log that never wrote: all of it into a shared segment, no file. False when it cannot be packed. */
  private packWhole(): boolean {
    this.queueSlab();
    const log = this.pack!(this.queue, this.size);
    if (!log) return false;
    this.stats.log = log;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    this.slab = undefined;
    this.written = this.size;
    this.wake();
    this.finish();
    return true;
  }

  whenWritten(): Promise<void> {
    if (this.written >= this.size || this.broken) return Promise.resolve();
    this.pump();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private openFile(): boolean {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = fs.openSync(this.file, 'a', 0o600);
      return true;
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
      return false;
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    this.broken = true;
    this.stats.truncated = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.slab = undefined;
    this.onError(err);
    this.wake();
  }

  /** Writes soon: at once when much is waiting or the log has ended, else after COALESCE_MS (a short log's first write: SHORT_COALESCE_MS). */
  private schedule(): void {
    if (this.writing) return;
    if (this.queuedBytes === 0 && !this.ended) return;
    if (this.ended || this.queuedBytes >= COALESCE_BYTES) return this.pump();
    if (this.timer) return;
    // Only a short log's first write waits longer; once it has a file, it writes as any log does.
    this.timer = setTimeout(() => this.pump(), this.pack && this.fd === undefined ? SHORT_COALESCE_MS : COALESCE_MS);
    this.timer.unref();
  }

  private pump(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.writing) return;
    this.queueSlab();
    // An ended log writes no more records: its slab goes once what it holds is queued.
    if (this.ended) this.slab = undefined;
    // A short log opens its file when it first writes (openFile reports a failure and drops the queue).
    if (this.fd === undefined && this.pack && this.queue.length > 0 && !this.broken) this.openFile();
    if (this.queue.length === 0 || this.fd === undefined || this.broken) {
      if (this.ended) this.finish();
      return;
    }
    const batch = this.queue.splice(0, MAX_WRITE_BUFFERS);
    const bytes = batch.reduce((n, b) => n + b.length, 0);
    this.queuedBytes -= bytes;
    this.writing = true;
    fs.writev(this.fd, batch, (err) => {
      this.writing = false;
      if (err) this.fail(err);
      else this.written += bytes;
      this.wake();
      if (this.waiters.length) this.pump();
      else this.schedule();
    });
  }

  private wake(): void {
    if (this.written < this.size && !this.broken) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private finish(): void {
    const fd = this.fd;
    this.fd = undefined;
    const done = () => {
      this.onClosed();
      this.markClosed();
    };
    if (fd === undefined) return done();
    fs.close(fd, () => done());
  }
}

/**
 * A record's header: the message's meta plus `stored`, as JSON. The usual message (the keys the relay sets, with
 * `compressed` and `injected` when present) is written by hand, the same text JSON.stringify gives, since this runs
 * for every message a busy socket carries; any other key (a close code, SSE fields, applied rules …) goes through
 * JSON.stringify. `ascii`: the text is ASCII, one byte per character.
 */
export function recordHeader(meta: MessageMeta, stored: number): { json: string; ascii: boolean } {
  const { seq, at, dir, kind, size, truncated, compressed, injected } = meta;
  const usual = 6 + (compressed === undefined ? 0 : 1) + (injected === undefined ? 0 : 1);
  if (Object.keys(meta).length !== usual || !PLAIN.test(dir) || !PLAIN.test(kind) || !Number.isFinite(seq + at + size)) return { json: JSON.stringify({ ...meta, stored }), ascii: false };
  let json = `{"seq":${seq},"at":${at},"dir":"${dir}","kind":"${kind}","size":${size},"truncated":${truncated}`;
  if (compressed !== undefined) json += `,"compressed":${compressed}`;
  if (injected !== undefined) json += `,"injected":${injected}`;
  return { json: `${json},"stored":${stored}}`, ascii: true };
}
/** A string JSON writes as it is between quotes. */
const PLAIN = /^[a-z-]+$/;

/** Records in `buffer` (at most `max`), stopping at a record cut short. */
function parseRecords(buffer: Buffer, max: number): StoredMessage[] {
  const records: StoredMessage[] = [];
  let at = 0;
  while (records.length < max && at + 4 <= buffer.length) {
    const headerLength = buffer.readUInt32BE(at);
    const headerEnd = at + 4 + headerLength;
    if (headerEnd > buffer.length) break;
    let header: MessageMeta & { stored: number };
    try {
      header = JSON.parse(buffer.toString('utf8', at + 4, headerEnd)) as MessageMeta & { stored: number };
    } catch {
      break;
    }
    const end = headerEnd + header.stored;
    if (end > buffer.length) break;
    const { stored: _stored, ...meta } = header;
    records.push({ meta, payload: buffer.subarray(headerEnd, end) });
    at = end;
  }
  return records;
}

/** The offsets of every whole record in a log file (a torn tail after a crash is left out). */
async function scanOffsets(file: string): Promise<number[] & { end?: number }> {
  const offsets: number[] & { end?: number } = [];
  let buffer: Buffer;
  try {
    // A log holds at most the cap (10 MB by default) plus its headers: one read.
    buffer = await fs.promises.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Object.assign(offsets, { end: 0 });
    throw err;
  }
  let at = 0;
  while (at + 4 <= buffer.length) {
    const headerEnd = at + 4 + buffer.readUInt32BE(at);
    if (headerEnd > buffer.length) break;
    let stored: number;
    try {
      stored = (JSON.parse(buffer.toString('utf8', at + 4, headerEnd)) as { stored: number }).stored;
    } catch {
      break;
    }
    if (headerEnd + stored > buffer.length) break;
    offsets.push(at);
    at = headerEnd + stored;
  }
  offsets.end = at;
  return offsets;
}

/** The text a message search looks in: the payload as UTF-8, the SSE event type, the close reason. */
export function textOf(record: StoredMessage): string {
  const { meta } = record;
  const parts = [record.payload.toString('utf8')];
  if (meta.eventType) parts.push(meta.eventType);
  if (meta.closeReason) parts.push(meta.closeReason);
  return parts.join('\n');
}
