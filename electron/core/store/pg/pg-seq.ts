/**
 * Flow seqs for several nodes on one database: each node takes blocks of BLOCK seqs from the
 * `flow_seq_blocks` sequence and hands them out in memory (the proxy asks for a seq synchronously, per flow).
 * Two blocks are held at a time and the next one fetched when one is used up, so a round trip to the database
 * never stands between the proxy and a seq. Seqs from different nodes interleave but never repeat.
 */
import type { Queryable } from './pg-db';

export const BLOCK = 10_000;

export class SeqBlocks {
  /** Starts (exclusive) of the blocks held: seqs start+1 … start+BLOCK. */
  private blocks: number[];
  private last: number;
  private fetching = false;
  onError: (message: string) => void = () => {};

  private constructor(
    private readonly db: Queryable,
    first: number[],
  ) {
    this.blocks = first;
    this.last = first[0];
  }

  /** Raises the sequence above every stored seq (flows copied in keep theirs), then takes two blocks. */
  static async open(db: Queryable): Promise<SeqBlocks> {
    await db.query(`SELECT setval('flow_seq_blocks', greatest((SELECT last_value FROM flow_seq_blocks), (SELECT coalesce(max(seq), 0) FROM flows) / ${BLOCK} + 1))`);
    return new SeqBlocks(db, [await take(db), await take(db)]);
  }

  next(): number {
    if (this.last >= this.blocks[0] + BLOCK) {
      if (this.blocks.length > 1) this.blocks.shift();
      else this.onError('Flow numbers ran ahead of the database (it did not answer for a while); numbering continues past the block.');
      if (this.blocks.length === 1 && this.last < this.blocks[0]) this.last = this.blocks[0];
      this.refill();
    }
    return ++this.last;
  }

  private refill(): void {
    if (this.fetching || this.blocks.length > 1) return;
    this.fetching = true;
    take(this.db)
      .then((start) => this.blocks.push(start))
      .catch((err: Error) => this.onError(`A block of flow numbers could not be reserved: ${err.message}`))
      .finally(() => {
        this.fetching = false;
      });
  }
}

async function take(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT nextval('flow_seq_blocks') AS n`);
  return Number(rows[0].n) * BLOCK;
}
