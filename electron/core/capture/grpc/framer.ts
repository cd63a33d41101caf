/**
 * Splits a gRPC body stream into its length-prefixed messages: 1 flag byte (bit 0: compressed; bit 7: a
 * gRPC-Web trailer frame), 4 bytes big-endian length, then the payload. Chunks may split a frame anywhere.
 *
 * A frame's payload is kept up to a limit asked for when its header arrives (the message log's room, or the
 * whole of a compressed frame up to MAX_COMPRESSED so it can be decompressed); the rest is counted, never held,
 * so a declared length of 4 GB costs nothing but counting. A stream that ends inside a frame reports it as cut.
 */

/** One frame, reported once its last byte arrived (or the stream ended inside it). */
export interface GrpcFrame {
  compressed: boolean;
  /** Flag 0x80: the gRPC-Web trailers, as HTTP/1-style header lines. */
  trailers: boolean;
  /** The length its header declared. */
  declared: number;
  /** Payload bytes kept (at most the limit). */
  payload: Buffer;
  /** The stream ended before the declared length arrived. */
  cut: boolean;
}

const HEADER = 5;

export class GrpcFramer {
  private header = Buffer.alloc(HEADER);
  private headerHave = 0;
  private flags = 0;
  private declared = 0;
  /** Payload bytes of the current frame seen so far (kept or not). */
  private seen = 0;
  private keep = 0;
  private chunks: Buffer[] = [];
  private kept = 0;
  private inFrame = false;

  /** `limit(flags, declared)`: how many payload bytes of the frame starting now to keep. */
  constructor(
    private readonly onFrame: (frame: GrpcFrame) => void,
    private readonly limit: (flags: number, declared: number) => number,
  ) {}

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (!this.inFrame) {
        const take = Math.min(HEADER - this.headerHave, chunk.length - pos);
        chunk.copy(this.header, this.headerHave, pos, pos + take);
        this.headerHave += take;
        pos += take;
        if (this.headerHave < HEADER) return;
        this.startFrame();
        if (this.declared === 0) this.endFrame(false);
        continue;
      }
      const take = Math.min(this.declared - this.seen, chunk.length - pos);
      const keepNow = Math.min(take, this.keep - this.kept);
      if (keepNow > 0) {
        this.chunks.push(chunk.subarray(pos, pos + keepNow));
        this.kept += keepNow;
      }
      this.seen += take;
      pos += take;
      if (this.seen === this.declared) this.endFrame(false);
    }
  }

  /** The stream ended: a frame in progress is reported as cut; a partial header is dropped. */
  end(): void {
    if (this.inFrame) this.endFrame(true);
    this.headerHave = 0;
  }

  private startFrame(): void {
    this.flags = this.header[0];
    this.declared = this.header.readUInt32BE(1);
    this.seen = 0;
    this.kept = 0;
    this.chunks = [];
    this.keep = Math.max(0, Math.min(this.declared, this.limit(this.flags, this.declared)));
    this.inFrame = true;
  }

  private endFrame(cut: boolean): void {
    const payload = this.chunks.length === 1 ? Buffer.from(this.chunks[0]) : Buffer.concat(this.chunks, this.kept);
    this.inFrame = false;
    this.headerHave = 0;
    this.chunks = [];
    this.onFrame({ compressed: (this.flags & 1) === 1, trailers: (this.flags & 0x80) !== 0, declared: this.declared, payload, cut });
  }
}

/**
 * Decodes application/grpc-web-text as it streams: base64 in any chunking, where a sender may end one segment
 * with padding and start the next (the spec allows base64 of each frame sent on its own).
 */
export class Base64Stream {
  private pending = '';

  constructor(private readonly onBytes: (bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + chunk.toString('latin1').replace(/[^A-Za-z0-9+/=_-]/g, '');
    let pos = 0;
    while (pos < text.length) {
      const pad = text.indexOf('=', pos);
      // A segment ends at its padding (rounded up to a whole quad); without padding, at the last whole quad.
      const end = pad >= 0 ? pos + Math.ceil((pad - pos + 1) / 4) * 4 : text.length - ((text.length - pos) % 4);
      if (end <= pos || end > text.length) break;
      const bytes = Buffer.from(text.slice(pos, end), 'base64');
      if (bytes.length) this.onBytes(bytes);
      pos = end;
      // Stray padding between segments carries nothing.
      while (text.charCodeAt(pos) === 61) pos++;
    }
    this.pending = text.slice(pos);
  }
}
