/**
 * Reused memory for the bytes of log lines (their JSON around the bodies, escaped bodies) until they are
 * written: a few 1 MB blocks handed out front to back and taken again once every line that used a block is
 * written. Allocating those bytes per line, as strings or Buffers, is what made body logging collect
 * garbage 2.5× as often as forwarding alone (issue 20); off-heap Buffers allocated per line count against
 * V8's external-memory limit and bring full collections of their own.
 */

interface Block {
  buf: Buffer;
  used: number;
  /** Lines using this block whose write has not settled. */
  pending: number;
  /** No longer handed out from: reused once `pending` is 0. */
  retired: boolean;
}

export const ARENA_BLOCK = 1024 * 1024;
/** Blocks kept for reuse after a burst; more are left to the garbage collector. */
const SPARE_BLOCKS = 4;

export class ByteArena {
  private block: Block;
  private readonly spare: Buffer[] = [];
  /** Blocks the current line took bytes from (see release). */
  private touched: Block[] = [];

  constructor(private readonly blockSize = ARENA_BLOCK) {
    this.block = this.fresh();
  }

  /** `max` bytes to fill, then shrink with `keep`; undefined when more than a block. */
  take(max: number): Buffer | undefined {
    if (max > this.blockSize) return undefined;
    if (this.block.used + max > this.blockSize) {
      const old = this.block;
      old.retired = true;
      if (old.pending === 0 && !this.touched.includes(old)) this.recycle(old);
      this.block = this.fresh();
    }
    const block = this.block;
    if (this.touched[this.touched.length - 1] !== block) this.touched.push(block);
    const view = block.buf.subarray(block.used, block.used + max);
    block.used += max;
    return view;
  }

  /** Gives back what the last take() did not fill: its first `length` bytes stay taken. */
  keep(view: Buffer, length: number): Buffer {
    this.block.used -= view.length - length;
    return view.subarray(0, length);
  }

  /** A string's UTF-8 bytes (a copy when too long for a block). */
  text(s: string): Buffer {
    const view = this.take(s.length * 3);
    if (!view) return Buffer.from(s);
    return this.keep(view, view.write(s));
  }

  /** The bytes taken since the last release belong to a line whose write settles with `written`. */
  release(written: Promise<unknown> | void): void {
    const blocks = this.touched;
    if (blocks.length === 0) return;
    this.touched = [];
    if (!written) {
      for (const b of blocks) if (b.retired && b.pending === 0) this.recycle(b);
      return;
    }
    for (const b of blocks) b.pending++;
    const settled = () => {
      for (const b of blocks) if (--b.pending === 0 && b.retired) this.recycle(b);
    };
    written.then(settled, settled);
  }

  private fresh(): Block {
    return { buf: this.spare.pop() ?? Buffer.allocUnsafeSlow(this.blockSize), used: 0, pending: 0, retired: false };
  }

  private recycle(block: Block): void {
    if (this.spare.length < SPARE_BLOCKS) this.spare.push(block.buf);
  }
}

/** Appends a chunk, joined to the last one when it continues it in memory (fewer pieces to write). */
export function appendChunk(chunks: Buffer[], chunk: Buffer): void {
  if (chunk.length === 0) return;
  const last = chunks[chunks.length - 1];
  if (last && last.buffer === chunk.buffer && last.byteOffset + last.length === chunk.byteOffset) {
    chunks[chunks.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + chunk.length);
  } else {
    chunks.push(chunk);
  }
}
