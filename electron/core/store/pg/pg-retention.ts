/**
 * Retention and removal on PostgreSQL. The policies are the embedded store's: the rolling trim (more than
 * maxFlows unpinned flows: the oldest trimCount go, repeated until under), `keepDays` (unpinned flows older
 * than that go), pinned flows never.
 *
 * Trims must not stall capture: they delete in batches of BATCH rows, each batch its own short transaction
 * (with the flows' bodies and messages), on a timer apart from the write path; captured flows are other rows,
 * so their inserts never wait on a trim. Only one node trims at a time (an advisory lock). Daily partitions
 * were the alternative; they were not chosen because pinned flows would have to be moved out of a day's
 * partition before it is dropped, and the rolling trim cuts by count, not by day.
 */
import type pg from 'pg';
import type { TrimInfo } from '../../../common/api';
import { DEFAULT_MAX_FLOWS, DEFAULT_TRIM_COUNT } from '../index';
import type { StoreOptions } from '../types';
import { checkOut } from './pg-db';

/** The embedded store's retention settings, with its defaults. */
export type RetentionOptions = Pick<StoreOptions, 'maxFlows' | 'trimCount' | 'keepDays'> & {
  /** Flows inserted since the table's last vacuum that make the next check run VACUUM (ANALYZE) (default VACUUM_AFTER_INSERTS). */
  vacuumAfterInserts?: number;
};

const BATCH = 1_000;
/**
 * After a bulk load (a busy hour, an import, a store copy) the planner's statistics and the visibility map lag
 * behind until autovacuum gets there: a filter then plans on stale row estimates (a bitmap over every match
 * sorted, instead of the time-ordered index) and counting visits heap pages an index-only scan would skip.
 * Past this many inserts since the last vacuum, the trimming node runs VACUUM (ANALYZE) itself.
 */
export const VACUUM_AFTER_INSERTS = 50_000;
/** How often the age policy and a missed count check run. */
const CHECK_MS = 10_000;
const TRIM_LOCK = 0x48534d32;
const DAY_MS = 86_400_000;

/** A removed flow's id and the revision of its removal (flow_removals, read by pg-catch-up.ts). */
export type RemovedFlow = [id: string, rev: number];

/** Removal records older than this are pruned: a node offline longer reloads anyway (pg-catch-up.ts). */
export const REMOVALS_KEPT_MS = DAY_MS;

/**
 * Deletes the flows `selectIds` picks (a SELECT of ids), with their bodies and messages, and records each
 * removal under a revision; returns the ids with those revisions.
 */
function deleteSql(selectIds: string, countAsTrim: boolean): string {
  return `WITH d AS (DELETE FROM flows WHERE id IN (${selectIds}) RETURNING id),
    b AS (DELETE FROM bodies WHERE flow_id IN (SELECT id FROM d)),
    m AS (DELETE FROM messages WHERE flow_id IN (SELECT id FROM d)),
    c AS (UPDATE store_counts SET flows = flows - (SELECT count(*) FROM d)${countAsTrim ? ', removed_total = removed_total + (SELECT count(*) FROM d)' : ''}),
    t AS (INSERT INTO flow_removals (rev, id) SELECT nextval('flow_revs'), id FROM d RETURNING rev, id)
    SELECT id, rev FROM t`;
}

type RemovedRows = { rows: { id: string; rev: number }[] };
const pairs = (r: RemovedRows): RemovedFlow[] => r.rows.map((x) => [x.id, Number(x.rev)]);

export class Retention {
  private readonly maxFlows: number;
  private readonly trimCount: number;
  private readonly keepDays: number | undefined;
  private readonly vacuumAfterInserts: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    options: RetentionOptions,
    private readonly on: { removed: (flows: RemovedFlow[], trim: TrimInfo) => Promise<void>; warn: (message: string) => void },
  ) {
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.trimCount = options.trimCount ?? DEFAULT_TRIM_COUNT;
    this.keepDays = options.keepDays;
    this.vacuumAfterInserts = options.vacuumAfterInserts ?? VACUUM_AFTER_INSERTS;
    if (!(this.maxFlows >= 0) || !(this.trimCount >= 1)) throw new RangeError('maxFlows must be >= 0 and trimCount >= 1');
  }

  start(): void {
    this.timer = setInterval(() => this.run(), CHECK_MS);
    this.timer.unref();
    this.run();
  }

  /** After a write: trims at once when the stored count says the cap is passed. */
  wake(total: number): void {
    if (total > this.maxFlows) this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Resolves when a trim in progress has finished. */
  async idle(): Promise<void> {
    await this.running;
  }

  private run(): void {
    if (this.running || this.stopped) return;
    this.running = this.trim()
      .catch((err: Error) => this.on.warn(`Old flows could not be trimmed: ${err.message}`))
      .finally(() => {
        this.running = undefined;
      });
  }

  private async trim(): Promise<void> {
    const { client, release } = await checkOut(this.pool);
    let removed: RemovedFlow[] = [];
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [TRIM_LOCK]);
      if (!rows[0].locked) return;
      try {
        removed = await this.trimLocked(client);
        await this.vacuumAfterLoad(client);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [TRIM_LOCK]);
      }
    } finally {
      release();
    }
    if (removed.length === 0) return;
    const { rows } = await this.pool.query<{ removed_total: number }>('SELECT removed_total FROM store_counts');
    const info: TrimInfo = { at: Date.now(), removed: removed.length, removedTotal: rows[0].removed_total };
    await this.pool.query('UPDATE store_counts SET last_trim = $1', [JSON.stringify(info)]);
    await this.on.removed(removed, info);
  }

  private async trimLocked(client: pg.PoolClient): Promise<RemovedFlow[]> {
    const removed: RemovedFlow[] = [];
    await client.query('DELETE FROM flow_removals WHERE at_ms < $1', [Date.now() - REMOVALS_KEPT_MS]);
    const { rows } = await client.query<{ unpinned: number }>('SELECT (SELECT flows FROM store_counts) - (SELECT count(*) FROM flows WHERE pinned) AS unpinned');
    let unpinned = rows[0].unpinned;
    // Whole trims of trimCount, as the embedded store does, until at or under the cap.
    let due = 0;
    while (unpinned - due > this.maxFlows) due += this.trimCount;
    due = Math.min(due, unpinned);
    while (due > 0 && !this.stopped) {
      const gone = pairs(await client.query(deleteSql(`SELECT id FROM flows WHERE NOT pinned ORDER BY seq LIMIT $1`, true), [Math.min(BATCH, due)]));
      if (gone.length === 0) break;
      removed.push(...gone);
      due -= gone.length;
      unpinned -= gone.length;
    }
    if (this.keepDays !== undefined) {
      const before = Date.now() - this.keepDays * DAY_MS;
      for (;;) {
        if (this.stopped) break;
        const gone = pairs(await client.query(deleteSql(`SELECT id FROM flows WHERE NOT pinned AND started_at < $1 LIMIT ${BATCH}`, true), [before]));
        removed.push(...gone);
        if (gone.length < BATCH) break;
      }
    }
    return removed;
  }

  /** VACUUM (ANALYZE) when many flows came in since the table's last vacuum (PostgreSQL's own counter). */
  private async vacuumAfterLoad(client: pg.PoolClient): Promise<void> {
    const { rows } = await client.query<{ inserted: number }>(`SELECT n_ins_since_vacuum AS inserted FROM pg_stat_user_tables WHERE relid = 'flows'::regclass`);
    if (this.stopped || !rows.length || rows[0].inserted < this.vacuumAfterInserts) return;
    // Outside a transaction (VACUUM cannot run in one); inserts and reads go on meanwhile.
    await client.query('VACUUM (ANALYZE) flows');
  }

  /** Deletes the given flows (pinned too: the user asked for these). */
  async deleteIds(ids: string[]): Promise<RemovedFlow[]> {
    const removed: RemovedFlow[] = [];
    for (let i = 0; i < ids.length; i += BATCH) removed.push(...pairs(await this.pool.query(deleteSql('SELECT unnest($1::text[])', false), [ids.slice(i, i + BATCH)])));
    return removed;
  }

  /** Deletes every flow (pinned ones only when asked), in batches. */
  async clear(includePinned: boolean): Promise<RemovedFlow[]> {
    const removed: RemovedFlow[] = [];
    for (;;) {
      const gone = pairs(await this.pool.query(deleteSql(`SELECT id FROM flows ${includePinned ? '' : 'WHERE NOT pinned'} LIMIT ${BATCH}`, false)));
      removed.push(...gone);
      if (gone.length < BATCH) return removed;
    }
  }
}
