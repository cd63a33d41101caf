/**
 * Rule hit counters summed over the nodes of a team (issue 21). `rule_hits` keeps one row per rule and node
 * name; a node adds its hits since its last flush to its own row (an upsert adding the delta, so two
 * processes started with the same --node name still count every hit), and NOTIFYs `hindsight_hits` so the
 * others re-read the sums. Counts are written about once a second (RuleBook's flush), so another node's
 * hits show within a couple of seconds.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Emitter } from '../../common/events';
import { ChannelListener } from '../store/pg/pg-listen';
import type { SharedHitCounts } from './shared-hits';

const CHANNEL = 'hindsight_hits';

export class PgRuleHits implements SharedHitCounts {
  private readonly origin = randomUUID();
  private readonly _onDidChange = new Emitter<void>();
  readonly onDidChange = this._onDidChange.event;
  private readonly listener: ChannelListener;
  private listening: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    url: string,
    private readonly node: string,
    private readonly warn: (message: string) => void,
  ) {
    this.listener = new ChannelListener(url, CHANNEL, (payload) => {
      if (payload !== this.origin) this._onDidChange.fire();
    }, warn);
  }

  async add(deltas: ReadonlyMap<string, number>): Promise<Map<string, number>> {
    const entries = [...deltas].filter(([, n]) => n > 0);
    if (entries.length) {
      await this.pool.query(
        `WITH d AS (
           INSERT INTO rule_hits (rule_id, node, hits) SELECT r, $2, n FROM unnest($1::text[], $3::bigint[]) AS u(r, n)
           ON CONFLICT (rule_id, node) DO UPDATE SET hits = rule_hits.hits + EXCLUDED.hits RETURNING 1)
         SELECT pg_notify($4, $5) FROM (SELECT 1 FROM d LIMIT 1) AS any_row`,
        [entries.map(([id]) => id), this.node, entries.map(([, n]) => n), CHANNEL, this.origin],
      );
    }
    return this.totals();
  }

  async totals(): Promise<Map<string, number>> {
    await this.listen();
    const { rows } = await this.pool.query<{ rule_id: string; hits: number }>('SELECT rule_id, sum(hits)::bigint AS hits FROM rule_hits GROUP BY rule_id');
    return new Map(rows.map((r) => [r.rule_id, r.hits]));
  }

  async reset(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `WITH d AS (DELETE FROM rule_hits WHERE rule_id = ANY($1) RETURNING 1) SELECT pg_notify($2, $3) FROM (SELECT 1 FROM d LIMIT 1) AS any_row`,
      [ids, CHANNEL, this.origin],
    );
  }

  /** Listens once; a failure is a warning and the next read tries again (counts then show at this node's next flush). */
  private listen(): Promise<void> {
    this.listening ??= this.listener.start().catch((err: Error) => {
      this.listening = undefined;
      this.warn(`Other nodes' rule hits could not be followed: ${err.message}`);
    });
    return this.listening;
  }

  async close(): Promise<void> {
    await this.listener.stop();
    this._onDidChange.dispose();
  }
}
