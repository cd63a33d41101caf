/**
 * Texts many stored flows repeat (hosts, client addresses, methods, content types, User-Agents, node names),
 * each kept once and named by a small number: what an encoded summary (summary-codec.ts) holds instead of the
 * text. Counted: a text goes when the last summary that names it does, so a stream of distinct hosts costs
 * only what the stored flows still name, and its number is given to the next new text.
 */
export class StringTable {
  private readonly numbers = new Map<string, number>();
  private readonly texts: (string | undefined)[] = [];
  private readonly counts: number[] = [];
  private readonly unused: number[] = [];

  /** Texts held (for tests and the memory bench). */
  get size(): number {
    return this.numbers.size;
  }

  /** The number of `text`, counting one more holder. */
  hold(text: string): number {
    const known = this.numbers.get(text);
    if (known !== undefined) {
      this.counts[known]++;
      return known;
    }
    const n = this.unused.length ? this.unused.pop()! : this.texts.length;
    this.texts[n] = text;
    this.counts[n] = 1;
    this.numbers.set(text, n);
    return n;
  }

  text(n: number): string {
    return this.texts[n]!;
  }

  /** One holder fewer; the text goes with its last. */
  release(n: number): void {
    if (--this.counts[n] > 0) return;
    this.numbers.delete(this.texts[n]!);
    this.texts[n] = undefined;
    this.unused.push(n);
  }

  clear(): void {
    this.numbers.clear();
    this.texts.length = 0;
    this.counts.length = 0;
    this.unused.length = 0;
  }
}
