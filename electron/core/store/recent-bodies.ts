/**
 * The newest small bodies held in memory for one reader that takes each body once, right after its flow
 * finished (`serve --log-bodies`, BodyStoreLike.keepRecent / takeRecent): the line is built from the bytes
 * capture already held, instead of waiting for the segment write and reading them back from the disk.
 *
 * The chunks are kept as they arrived (no copy at capture time), and only the first `prefixBytes + 1` bytes
 * of a body without Content-Encoding (the reader cuts at `prefixBytes` and needs to know there was more); an
 * encoded body is kept whole, since a cut one could not be decoded. A taken body leaves memory at once; bodies
 * nobody takes go oldest first once `maxBytes` are held.
 */
import type { BodyRef } from '../../common/flow';

export class RecentBodies {
  /** By blob name, oldest first. */
  private readonly kept = new Map<string, Buffer[]>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly prefixBytes = Infinity,
  ) {}

  remember(blob: string, ref: BodyRef, chunks: Buffer[]): void {
    const encoded = !!ref.encoding && !/^\s*identity\s*$/i.test(ref.encoding);
    const room = encoded ? Infinity : this.prefixBytes + 1;
    const parts: Buffer[] = [];
    let size = 0;
    for (const chunk of chunks) {
      if (size >= room) break;
      const part = size + chunk.length > room ? chunk.subarray(0, room - size) : chunk;
      parts.push(part);
      size += part.length;
    }
    if (size > this.maxBytes) return;
    this.kept.set(blob, parts);
    this.bytes += size;
    for (const [name, old] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(name, old);
    }
  }

  /** The kept bytes of `blob` (see the header: maybe only a prefix), forgotten here; undefined when not kept. */
  take(blob: string): Buffer | undefined {
    const parts = this.kept.get(blob);
    if (!parts) return undefined;
    this.drop(blob, parts);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  forget(blob: string): void {
    const parts = this.kept.get(blob);
    if (parts) this.drop(blob, parts);
  }

  private drop(blob: string, parts: Buffer[]): void {
    this.kept.delete(blob);
    for (const p of parts) this.bytes -= p.length;
  }
}
