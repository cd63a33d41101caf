/**
 * A streaming reader of WebSocket frames (RFC 6455 §5.2) for the bytes the proxy relays. It only reads: the
 * bytes forwarded are the socket's own chunks, never a copy this module touched, and a masked payload is unmasked
 * into a new buffer only when the caller asks for it (what the message log keeps); an unmasked one is handed on as
 * a view of the chunk, never copied here. A frame of any size streams
 * through in the socket's chunks; nothing waits for a whole frame. What is not a valid frame header stops the
 * reading for good (`broken`); forwarding is not affected.
 */

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export interface FrameHeader {
  fin: boolean;
  /** RSV1: the message is compressed (permessage-deflate), on its first frame. */
  rsv1: boolean;
  opcode: number;
  masked: boolean;
  /** Payload length in bytes. */
  length: number;
}

export interface FrameHandlers {
  frameStart(header: FrameHeader): void;
  /**
   * A piece of the current frame's payload. `unmask(part)` returns the unmasked bytes: a new buffer for a masked
   * frame (the chunk itself is left as it is, since it is also what is forwarded), the part itself for an
   * unmasked one. Either way it is only read; what must outlive the chunk is copied by whoever keeps it.
   */
  payload(part: Buffer, unmask: (part: Buffer) => Buffer): void;
  /** The frame ended at `offset` in the chunk being read (the byte after its last one). */
  frameEnd(offset: number): void;
}

const MAX_SAFE_LENGTH = BigInt(Number.MAX_SAFE_INTEGER);

export class FrameReader {
  /** Set once the stream stopped looking like WebSocket frames; nothing more is read. */
  broken = false;
  /** Header bytes collected so far (a header may span chunks). */
  private head = Buffer.alloc(14);
  private headLength = 0;
  /** Payload bytes of the current frame still to come; -1 between frames. */
  private remaining = -1;
  private mask: Buffer | undefined;
  /** Position in the mask of the next payload byte. */
  private maskAt = 0;

  constructor(private readonly handlers: FrameHandlers) {}

  /** True between frames. */
  get atBoundary(): boolean {
    return this.remaining < 0 && this.headLength === 0;
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.broken) {
      if (this.remaining < 0) {
        at = this.readHeader(chunk, at);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - at);
      if (take > 0) {
        const part = chunk.subarray(at, at + take);
        const offset = this.maskAt;
        this.handlers.payload(part, (p) => this.unmask(p, offset));
        this.maskAt = (this.maskAt + take) & 3;
        this.remaining -= take;
        at += take;
      }
      if (this.remaining === 0) this.endFrame(at);
    }
  }

  private unmask(part: Buffer, offset: number): Buffer {
    const mask = this.mask;
    // Unmasked (a server's frames): the part itself, a view of the chunk; whoever keeps it copies it.
    if (!mask) return part;
    const out = Buffer.allocUnsafe(part.length);
    part.copy(out);
    xorMask(out, mask, offset);
    return out;
  }

  /** Collects header bytes; once the header is whole, starts the frame. Returns the position after what it read. */
  private readHeader(chunk: Buffer, at: number): number {
    while (at < chunk.length) {
      this.head[this.headLength++] = chunk[at++];
      const need = this.headerSize();
      if (need === undefined || this.headLength < need) continue;
      this.startFrame();
      if (this.remaining === 0) this.endFrame(at);
      return at;
    }
    return at;
  }

  /** The header's full size once its first two bytes are known. */
  private headerSize(): number | undefined {
    if (this.headLength < 2) return undefined;
    const b1 = this.head[1];
    const len7 = b1 & 0x7f;
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    return 2 + extra + (b1 & 0x80 ? 4 : 0);
  }

  private startFrame(): void {
    const head = this.head;
    const b0 = head[0];
    const b1 = head[1];
    const len7 = b1 & 0x7f;
    let length: number;
    let at = 2;
    if (len7 === 126) {
      length = head.readUInt16BE(2);
      at = 4;
    } else if (len7 === 127) {
      const big = head.readBigUInt64BE(2);
      if (big > MAX_SAFE_LENGTH) {
        this.broken = true;
        return;
      }
      length = Number(big);
      at = 10;
    } else {
      length = len7;
    }
    const masked = (b1 & 0x80) !== 0;
    this.mask = masked ? Buffer.from(head.subarray(at, at + 4)) : undefined;
    this.maskAt = 0;
    this.headLength = 0;
    this.remaining = length;
    this.handlers.frameStart({ fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, opcode: b0 & 0x0f, masked, length });
  }

  private endFrame(offset: number): void {
    this.remaining = -1;
    this.mask = undefined;
    this.handlers.frameEnd(offset);
  }
}

/** Scratch for building a 32-bit mask word in the platform's byte order. */
const MASK_BYTES = new Uint8Array(4);
const MASK_WORD = new Uint32Array(MASK_BYTES.buffer);

/**
 * XORs `buf` in place with the 4-byte `mask`, its first byte being the payload's byte at `offset` (mod 4):
 * four bytes at a time through a Uint32Array where the buffer is 4-byte aligned (a relay unmasks every client
 * frame, so this runs once per message on the proxy's hottest path), byte by byte at the edges.
 */
export function xorMask(buf: Uint8Array, mask: Uint8Array, offset: number): void {
  const n = buf.length;
  let i = 0;
  if (n >= 32) {
    const lead = (4 - (buf.byteOffset & 3)) & 3;
    for (; i < lead; i++) buf[i] ^= mask[(offset + i) & 3];
    const words = (n - i) >>> 2;
    const at = offset + i;
    for (let b = 0; b < 4; b++) MASK_BYTES[b] = mask[(at + b) & 3];
    const word = MASK_WORD[0];
    const view = new Uint32Array(buf.buffer, buf.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] ^= word;
    i += words * 4;
  }
  for (; i < n; i++) buf[i] ^= mask[(offset + i) & 3];
}

/** One whole frame (FIN set, no extension bits): what Hindsight injects. Frames to a server are masked (RFC 6455 §5.3). */
export function encodeFrame(opcode: number, payload: Buffer, mask: Buffer | undefined): Buffer {
  const length = payload.length;
  const extra = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = Buffer.alloc(2 + extra + (mask ? 4 : 0));
  header[0] = 0x80 | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (extra === 0) header[1] = maskBit | length;
  else if (extra === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!mask) return Buffer.concat([header, payload]);
  mask.copy(header, 2 + extra);
  const frame = Buffer.concat([header, payload]);
  xorMask(frame.subarray(header.length), mask, 0);
  return frame;
}
