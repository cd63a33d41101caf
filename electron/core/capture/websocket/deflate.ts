/**
 * permessage-deflate (RFC 7692) as the proxy reads it: which parameters the server accepted in its 101, and
 * a decompressor per direction that turns each compressed message back into its payload for the message log.
 * The bytes forwarded are never touched; this only reads a copy.
 *
 * Compressed bytes are fed to zlib as they stream (a huge message is never held whole), and the 0x00 0x00 0xff
 * 0xff tail the sender removed is put back at the message's end (§7.2.2). Every zlib write is a trip through
 * libuv's thread pool, so the last part of a message is written together with that tail, in one write whose
 * callback marks the message's end: a message that arrived in one frame costs one trip, not three (its bytes,
 * the tail, a flush, as `ws` does it). The decompressor sync-flushes every write, and zlib processes writes in
 * order and delivers a write's output before its callback, so each message's output is told apart even while
 * the next message's bytes are already queued.
 * With `no_context_takeover` each message starts a fresh decompressor (a sender may end each message with a
 * final block): one whose messages are all done is reset and kept for the next message, since making a zlib
 * stream costs far more than decompressing a small message; a new one is made only while the last is busy. Output beyond what the log keeps is counted, not held.
 */
import zlib from 'node:zlib';

export interface DeflateParams {
  /** The client resets its compression context per message (client_no_context_takeover). */
  clientNoContextTakeover: boolean;
  serverNoContextTakeover: boolean;
  clientMaxWindowBits: number;
  serverMaxWindowBits: number;
}

/** The permessage-deflate parameters in a server's Sec-WebSocket-Extensions answer, or undefined when it accepted none. */
export function acceptedDeflate(header: string | undefined): DeflateParams | undefined {
  if (!header) return undefined;
  for (const offer of header.split(',')) {
    const [name, ...params] = offer.split(';').map((p) => p.trim());
    if (name.toLowerCase() !== 'permessage-deflate') continue;
    const result: DeflateParams = { clientNoContextTakeover: false, serverNoContextTakeover: false, clientMaxWindowBits: 15, serverMaxWindowBits: 15 };
    for (const param of params) {
      const [key, raw] = param.split('=').map((p) => p.trim());
      const value = raw?.replace(/^"(.*)"$/, '$1');
      const bits = Number(value);
      switch (key.toLowerCase()) {
        case 'client_no_context_takeover':
          result.clientNoContextTakeover = true;
          break;
        case 'server_no_context_takeover':
          result.serverNoContextTakeover = true;
          break;
        case 'client_max_window_bits':
          if (bits >= 8 && bits <= 15) result.clientMaxWindowBits = bits;
          break;
        case 'server_max_window_bits':
          if (bits >= 8 && bits <= 15) result.serverMaxWindowBits = bits;
          break;
      }
    }
    return result;
  }
  return undefined;
}

/** One decompressed message: the bytes kept (at most the limit asked for) and the whole size. */
export interface Inflated {
  payload: Buffer;
  size: number;
  /** Decompression failed: the payload is missing or partial. */
  failed: boolean;
}

interface Pending {
  limit: number;
  chunks: Buffer[];
  kept: number;
  size: number;
  done: (result: Inflated) => void;
}

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** A message's last part up to this size is copied to join the tail in one write. */
const JOIN_LIMIT = 64 * 1024;

/** One zlib decompressor and the messages written to it whose flush has not come back, oldest first. */
interface Decompressor {
  zlib: zlib.InflateRaw;
  pending: Pending[];
  /** Bytes written to it: zlib took fewer when a message ended with a final block (its stream is over). */
  written: number;
}

/** Decompresses the messages of one direction, in order. */
export class MessageInflater {
  private decompressor: Decompressor | undefined;
  /** The context was lost (a decompression error with context takeover): later messages cannot be read. */
  private lost = false;
  private current: { message: Pending; decompressor: Decompressor } | undefined;
  /** The current message's latest compressed part, not yet written: it goes with the next part or the tail. */
  private held: Buffer | undefined;
  private readonly open = new Set<Decompressor>();
  /** Without context takeover: a decompressor whose messages are done, reset, for the next message. */
  private spare: Decompressor | undefined;

  constructor(
    private readonly noContextTakeover: boolean,
    private readonly windowBits: number,
  ) {}

  /**
   * Starts a message whose decompressed bytes are kept up to `limit`; `done` is called once: in message order with
   * context takeover, while without it each message has its own decompressor and may finish before an earlier one
   * (the relay's log keeps wire order).
   */
  begin(limit: number, done: (result: Inflated) => void): void {
    const message: Pending = { limit, chunks: [], kept: 0, size: 0, done };
    this.held = undefined;
    if (this.lost) {
      this.current = undefined;
      done({ payload: Buffer.alloc(0), size: 0, failed: true });
      return;
    }
    let decompressor = this.decompressor;
    if (!decompressor) {
      decompressor = this.spare ?? this.create();
      this.spare = undefined;
      this.decompressor = decompressor;
    }
    decompressor.pending.push(message);
    this.current = { message, decompressor };
  }

  /** Compressed bytes of the current message (already unmasked; kept as they are until written). */
  write(part: Buffer): void {
    const current = this.current;
    if (!current || part.length === 0) return;
    if (this.held) this.feed(current.decompressor, this.held);
    this.held = part;
  }

  /** The current message's last byte has arrived: its result follows once zlib has decompressed it. */
  end(): void {
    const current = this.current;
    const held = this.held;
    this.current = undefined;
    this.held = undefined;
    if (!current) return;
    const { message, decompressor } = current;
    // The last part and the tail in one write (a large part goes alone rather than be copied).
    let last = TAIL;
    if (held && held.length <= JOIN_LIMIT) last = Buffer.concat([held, TAIL], held.length + TAIL.length);
    else if (held) this.feed(decompressor, held);
    this.feed(decompressor, last, (err) => {
      // A failure is reported by the 'error' handler, to every message still waiting.
      if (err || decompressor.pending[0] !== message) return;
      decompressor.pending.shift();
      message.done({ payload: message.chunks.length === 1 ? message.chunks[0] : Buffer.concat(message.chunks), size: message.size, failed: false });
      if (decompressor === this.decompressor || decompressor.pending.length > 0) return;
      // Its context is no longer wanted: reset, it serves the next message; a second idle one is closed, and so is
      // one whose stream ended at a final block (zlib then ends its output for good, and took fewer bytes).
      if (this.noContextTakeover && !this.spare && !this.lost && decompressor.zlib.bytesWritten === decompressor.written) {
        decompressor.zlib.reset();
        this.spare = decompressor;
      } else this.close(decompressor);
    });
    // A fresh context per message: the next message's bytes go to a new decompressor at once.
    if (this.noContextTakeover) this.decompressor = undefined;
  }

  dispose(): void {
    this.lost = true;
    this.decompressor = undefined;
    this.spare = undefined;
    for (const d of [...this.open]) this.close(d);
  }

  private feed(decompressor: Decompressor, bytes: Buffer, done?: (err?: Error | null) => void): void {
    decompressor.written += bytes.length;
    decompressor.zlib.write(bytes, done);
  }

  private create(): Decompressor {
    // Every write sync-flushed: its output is all out before its callback, which marks a message's end.
    const decompressor: Decompressor = { zlib: zlib.createInflateRaw({ windowBits: Math.max(this.windowBits, 9), flush: zlib.constants.Z_SYNC_FLUSH }), pending: [], written: 0 };
    this.open.add(decompressor);
    decompressor.zlib.on('data', (out: Buffer) => {
      const message = decompressor.pending[0];
      if (!message) return;
      message.size += out.length;
      const room = message.limit - message.kept;
      if (room <= 0) return;
      const part = out.length > room ? out.subarray(0, room) : out;
      message.chunks.push(part);
      message.kept += part.length;
    });
    decompressor.zlib.on('error', () => {
      const failed = decompressor.pending;
      decompressor.pending = [];
      for (const message of failed) message.done({ payload: Buffer.concat(message.chunks), size: message.size, failed: true });
      if (decompressor === this.decompressor) {
        this.decompressor = undefined;
        if (!this.noContextTakeover) this.lost = true;
      }
      if (this.current?.decompressor === decompressor) {
        this.current = undefined;
        this.held = undefined;
      }
      this.close(decompressor);
    });
    return decompressor;
  }

  private close(decompressor: Decompressor): void {
    this.open.delete(decompressor);
    decompressor.zlib.close();
  }
}
